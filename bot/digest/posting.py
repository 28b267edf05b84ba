"""Posting one channel's digest, exactly once across processes; composing it is `bot.digest.compose`'s.

`DigestService.run_digest` is what the scheduler calls; `compose` is shared with `lookout digest --dry-run`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.digest.blocks import problem_blocks
from bot.digest.compose import ChartRenderer, DigestComposer, FetchStats, NotesFor
from bot.digest.compose_parts import ComposedDigest, GoogleClientFactory, TargetResolver
from bot.digest.rollup import PropertyLister
from bot.google.target import GoogleTarget
from bot.platform.slack.channels import externally_shared
from bot.scheduler.jobs import subscription_period
from bot.scheduler.posting import ClaimedPoster, PostOutcome, PostResult, SlackPost
from bot.text import rollups as rollup_words
from storage.repos.schedule import ScheduledSubscription
from storage.tables.schedule import DigestCadence

log = logging.getLogger(__name__)

SlackClientFor = Callable[[int], Awaitable[AsyncWebClient]]


class DigestService:
    def __init__(
        self,
        *,
        targets: TargetResolver,
        google: GoogleClientFactory,
        slack_client_for: SlackClientFor,
        poster: ClaimedPoster,
        clock: Callable[[], datetime],
        chart: ChartRenderer | None = None,
        cache_ttl: timedelta = timedelta(minutes=15),
        notes: NotesFor | None = None,
        properties: PropertyLister | None = None,
        rollup_cap: int = 25,
        concurrency: int = 32,
    ) -> None:
        self._composer = DigestComposer(
            targets=targets,
            google=google,
            clock=clock,
            chart=chart,
            cache_ttl=cache_ttl,
            notes=notes,
            properties=properties,
            rollup_cap=rollup_cap,
        )
        self._slack_client_for = slack_client_for
        self._poster = poster
        # LOOKOUT_DIGEST_CONCURRENCY: scheduled digests in flight at once; the rest wait here, first due first served.
        self._gate = asyncio.Semaphore(concurrency)
        self.in_flight = 0
        self.most_in_flight = 0

    @property
    def stats(self) -> FetchStats:
        return self._composer.stats

    async def run_digest(self, subscription: ScheduledSubscription, *, local_day: date) -> PostOutcome:
        """Post `local_day`'s digest in the subscription's channel, exactly once across processes; at most
        `concurrency` at a time."""
        async with self._gate:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                return await self._run_digest(subscription, local_day=local_day)
            finally:
                self.in_flight -= 1

    async def _run_digest(self, subscription: ScheduledSubscription, *, local_day: date) -> PostOutcome:
        try:
            client = await self._slack_client_for(subscription.workspace_id)
        except LookupError:
            log.info("workspace %s is not installed; skipping its digest", subscription.workspace_id)
            return PostOutcome(result=PostResult.NOTHING_TO_POST)
        composed: list[ComposedDigest] = []

        async def prepare() -> SlackPost | None:
            if subscription.rollup and await externally_shared(client, subscription.channel_id):
                # Shared with another organisation since the roll-up was set: every client's numbers would show.
                text = rollup_words.SHARED_CHANNEL_POST
                return SlackPost(text=text, blocks=problem_blocks(text))
            digest = await self.compose(
                workspace_id=subscription.workspace_id,
                channel_id=subscription.channel_id,
                local_day=local_day,
                cadence=subscription.cadence,
                kpis=subscription.kpis,
                rollup=subscription.rollup,
                properties=subscription.properties,
            )
            if digest is None:
                return None
            composed.append(digest)
            return SlackPost(text=digest.text, blocks=digest.blocks)

        outcome = await self._poster.post_once(
            client=client,
            workspace_id=subscription.workspace_id,
            subscription_id=subscription.id,
            period=subscription_period(subscription, local_day=local_day),
            channel_id=subscription.channel_id,
            prepare=prepare,
        )
        if outcome.result is PostResult.POSTED and composed and composed[0].chart_png is not None:
            await self._upload_chart(client, subscription.channel_id, composed[0])
        return outcome

    async def compose(
        self,
        *,
        workspace_id: int,
        channel_id: str,
        local_day: date,
        cadence: DigestCadence = DigestCadence.DAILY,
        kpis: str = "",
        rollup: bool = False,
        properties: str = "",
    ) -> ComposedDigest | None:
        """`DigestComposer.compose`."""
        return await self._composer.compose(
            workspace_id=workspace_id,
            channel_id=channel_id,
            local_day=local_day,
            cadence=cadence,
            kpis=kpis,
            rollup=rollup,
            properties=properties,
        )

    async def resolve_quietly(self, *, workspace_id: int, channel_id: str) -> GoogleTarget | None:
        """`DigestComposer.resolve_quietly`."""
        return await self._composer.resolve_quietly(workspace_id=workspace_id, channel_id=channel_id)

    async def post_now(self, client: AsyncWebClient, *, channel_id: str, digest: ComposedDigest) -> str:
        """Post a digest outside the schedule (`lookout digest`): no claim, so it never takes the day's slot."""
        ts = await self._poster.post_unclaimed(
            client, channel_id=channel_id, post=SlackPost(text=digest.text, blocks=digest.blocks)
        )
        if digest.chart_png is not None:
            await self._upload_chart(client, channel_id, digest)
        return ts

    async def _upload_chart(self, client: AsyncWebClient, channel_id: str, digest: ComposedDigest) -> None:
        assert digest.chart_png is not None
        await self._poster.upload_chart(
            client,
            channel_id=channel_id,
            content=digest.chart_png,
            filename="lookout-digest.png",
            title=digest.chart_title,
            what="digest",
        )
