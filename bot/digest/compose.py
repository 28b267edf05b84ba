"""Composing one channel's digest: resolve what to read, fetch (once per property and day), render. No posting.

`DigestComposer.compose` is the one path from a workspace's Google data to a digest's text, blocks and chart:
the scheduled digest, `lookout digest` and `lookout demo` all go through it. Channels of one workspace that read
the same property share one fetch, so ten channels cost one set of calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from bot.digest import blocks as messages
from bot.digest.fetch import DigestTarget, build_report
from bot.digest.report import DigestReport
from bot.google.problems import (
    GoogleNotConfigured,
    GoogleNotConnected,
    GoogleProblem,
    NoPropertyChosen,
    ReconnectNeeded,
)
from bot.google.target import GoogleClients, GoogleTarget
from tools.cache import ResultCache

Block = dict[str, Any]
ChartRenderer = Callable[[DigestReport], Awaitable[bytes | None]]
"""Draws the digest's chart (PNG), or None when there is nothing worth drawing."""


class TargetResolver(Protocol):
    """`GoogleConnectionService` is the real one."""

    async def resolve_target(self, *, workspace_id: int, channel_id: str | None) -> GoogleTarget: ...


class GoogleClientFactory(Protocol):
    """The clients that read a target (`GoogleConnectionService` is the real one: sample or the workspace's grant)."""

    async def clients_for(self, *, target: GoogleTarget) -> GoogleClients: ...


@dataclass(frozen=True, kw_only=True)
class ComposedDigest:
    """A digest ready to post: fallback text, blocks, an optional chart, and the report behind it."""

    text: str
    blocks: list[Block]
    chart_png: bytes | None = None
    chart_title: str = ""
    report: DigestReport | None = None


@dataclass(frozen=True)
class _Fetched:
    report: DigestReport
    chart_png: bytes | None


@dataclass
class _CacheEntry:
    expires: datetime
    task: asyncio.Task[_Fetched]


@dataclass
class FetchStats:
    """What the digest fetches cost, for `lookout bench digest`."""

    reports_built: int = 0
    cache_hits: int = 0


class DigestComposer:
    def __init__(
        self,
        *,
        targets: TargetResolver,
        google: GoogleClientFactory,
        clock: Callable[[], datetime],
        chart: ChartRenderer | None = None,
        cache_ttl: timedelta = timedelta(minutes=15),
    ) -> None:
        self._targets = targets
        self._google = google
        self._clock = clock
        self._chart = chart
        self._cache_ttl = cache_ttl
        self._cache: dict[tuple[int, str | None, str | None, date], _CacheEntry] = {}
        self.stats = FetchStats()

    async def compose(self, *, workspace_id: int, channel_id: str, local_day: date) -> ComposedDigest | None:
        """The digest a channel gets on `local_day` (reporting the day before); None when nothing should be posted."""
        try:
            target = await self._targets.resolve_target(workspace_id=workspace_id, channel_id=channel_id)
        except GoogleNotConfigured:
            return None
        except ReconnectNeeded:
            text = messages.reconnect_text(title="")
            return ComposedDigest(text=text, blocks=messages.problem_blocks(text))
        except GoogleNotConnected:
            return ComposedDigest(text=messages.NOT_CONNECTED, blocks=messages.problem_blocks(messages.NOT_CONNECTED))
        except NoPropertyChosen:
            return ComposedDigest(text=messages.NO_PROPERTY, blocks=messages.problem_blocks(messages.NO_PROPERTY))
        title = target.property_name or target.site_url or messages.UNTITLED
        try:
            fetched = await self._report(workspace_id, target, day=local_day - timedelta(days=1), title=title)
        except ReconnectNeeded:  # only Google's invalid_grant: a 401 to fresh tokens is not a revoked grant
            text = messages.reconnect_text(title=title)
            return ComposedDigest(text=text, blocks=messages.problem_blocks(text))
        report = fetched.report
        return ComposedDigest(
            text=messages.digest_text(report),
            blocks=messages.digest_blocks(report),
            chart_png=fetched.chart_png,
            chart_title=messages.chart_title(report),
            report=report,
        )

    async def resolve_quietly(self, *, workspace_id: int, channel_id: str) -> GoogleTarget | None:
        """The channel's Google target, or None when the connection has a problem (the digest will say which)."""
        try:
            return await self._targets.resolve_target(workspace_id=workspace_id, channel_id=channel_id)
        except GoogleProblem:
            return None

    async def _report(self, workspace_id: int, target: GoogleTarget, *, day: date, title: str) -> _Fetched:
        key = (workspace_id, target.property_id, target.site_url, day)
        now = self._clock()
        entry = self._cache.get(key)
        if entry is not None and entry.expires > now and not (entry.task.done() and entry.task.exception()):
            self.stats.cache_hits += 1
            return await asyncio.shield(entry.task)
        digest_target = DigestTarget(
            title=title,
            property_id=target.property_id,
            site_url=target.site_url,
            currency=target.currency or "",
            sample=target.sample,
        )
        task = asyncio.create_task(self._fetch(target, digest_target, day=day))
        self._cache[key] = _CacheEntry(expires=now + self._cache_ttl, task=task)
        self._drop_expired(now)
        return await asyncio.shield(task)

    async def _fetch(self, google: GoogleTarget, target: DigestTarget, *, day: date) -> _Fetched:
        clients = await self._google.clients_for(target=google)
        self.stats.reports_built += 1
        # A cache of its own: this composer's cache already shares one fetch between channels, for longer.
        ctx = google.tool_context(
            cache=ResultCache(),
            ga4=clients.ga4 if google.property_id else None,
            gsc=clients.gsc if google.site_url else None,
            clock=self._clock,
            timezone=google.timezone,
        )
        report = await build_report(target, day=day, ctx=ctx)
        # Drawn once per property and day too: the chart is the costly part in CPU.
        chart_png = await self._chart(report) if self._chart is not None and report.chart_series else None
        return _Fetched(report=report, chart_png=chart_png)

    def _drop_expired(self, now: datetime) -> None:
        for key in [key for key, entry in self._cache.items() if entry.expires <= now]:
            del self._cache[key]
