"""Composing a channel's roll-up digest: the workspace's Google connection, the properties it lists (or the ones
the channel chose), one read each, rendered. No posting; `bot.digest.compose.DigestComposer` hands roll-ups here.

A roll-up needs the connection, not a property chosen for the channel: a workspace that never picked one still
gets its roll-up. A workspace reading the sample data (`/lookout connect demo`) rolls up the one sample property.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.digest import blocks as messages
from bot.digest.compose_parts import ComposedDigest, GoogleClientFactory, TargetResolver
from bot.digest.rollup import PropertyLister, RollupReport, build_rollup, chosen_ids
from bot.digest.rollup_blocks import rollup_blocks, rollup_text
from bot.google.problems import GoogleNotConfigured, GoogleNotConnected, NoPropertyChosen, ReconnectNeeded
from bot.google.target import GoogleTarget
from bot.scheduler.periods import previous_period, reported_period
from bot.text import daily_digest as words
from storage.tables.schedule import DigestCadence
from tools.cache import ResultCache
from tools.targets import PropertyRef


class RollupComposer:
    def __init__(
        self,
        *,
        targets: TargetResolver,
        google: GoogleClientFactory,
        properties: PropertyLister | None,
        clock: Callable[[], datetime],
        cap: int,
    ) -> None:
        self._targets = targets
        self._google = google
        self._properties = properties
        self._clock = clock
        self._cap = cap

    async def compose(
        self, *, workspace_id: int, channel_id: str, local_day: date, cadence: DigestCadence, properties: str
    ) -> ComposedDigest | None:
        """The roll-up a channel gets on `local_day`; None when Google is not configured on this Lookout."""
        try:
            target = await self._target(workspace_id=workspace_id, channel_id=channel_id)
        except GoogleNotConfigured:
            return None
        except (ReconnectNeeded, GoogleNotConnected) as problem:
            text = words.reconnect(title="") if isinstance(problem, ReconnectNeeded) else words.NOT_CONNECTED
            return ComposedDigest(text=text, blocks=messages.problem_blocks(text))
        period = reported_period(cadence, local_day=local_day)
        chosen = chosen_ids(properties)
        report = RollupReport(
            cadence=cadence,
            period=period,
            previous=previous_period(cadence, period),
            cap=self._cap,
            chosen=bool(chosen),
            sample=target.sample,
        )
        try:
            clients = await self._google.clients_for(target=target)
            listed = await self._listed(target)
            context = target.tool_context(
                cache=ResultCache(), ga4=clients.ga4, gsc=None, clock=self._clock, timezone=target.timezone
            )
            await build_rollup(report, ctx=context, listed=listed, chosen=chosen)
        except ReconnectNeeded:
            text = words.reconnect(title="")
            return ComposedDigest(text=text, blocks=messages.problem_blocks(text))
        return ComposedDigest(
            text=rollup_text(report), blocks=rollup_blocks(report, channel_hint=f"<#{channel_id}>"), rollup=report
        )

    async def _target(self, *, workspace_id: int, channel_id: str) -> GoogleTarget:
        try:
            return await self._targets.resolve_target(workspace_id=workspace_id, channel_id=channel_id)
        except NoPropertyChosen:
            # The connection is fine; only the channel's own property is unset, which a roll-up does not read.
            return GoogleTarget(
                workspace_id=workspace_id,
                property_id=None,
                property_name=None,
                site_url=None,
                timezone=None,
                currency=None,
            )

    async def _listed(self, target: GoogleTarget) -> list[PropertyRef]:
        if self._properties is not None:
            return list(await self._properties.properties_for(target=target))
        if target.property_id is None:  # no lister (benchmarks): the channel's own property is all there is
            return []
        return [
            PropertyRef(
                property_id=target.property_id,
                name=target.property_name or "",
                time_zone=target.timezone,
                currency=target.currency,
            )
        ]
