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
from typing import Any

from bot.digest import blocks as messages
from bot.digest.annotated import context_lines, with_annotations
from bot.digest.charts import periodic_chart
from bot.digest.compose_parts import ComposedDigest, GoogleClientFactory, TargetResolver
from bot.digest.fetch import DigestTarget, build_report
from bot.digest.kpis import chosen
from bot.digest.periodic import PeriodicReport
from bot.digest.periodic_blocks import periodic_blocks, periodic_chart_title, periodic_text
from bot.digest.periodic_fetch import build_periodic_report
from bot.digest.report import DigestReport
from bot.digest.rollup import PropertyLister
from bot.digest.rollup_compose import RollupComposer
from bot.google.problems import (
    GoogleNotConfigured,
    GoogleNotConnected,
    GoogleProblem,
    NoPropertyChosen,
    ReconnectNeeded,
)
from bot.google.target import GoogleTarget
from bot.scheduler.periods import previous_period, reported_period, year_before
from bot.text import daily_digest as words
from storage.tables.schedule import DigestCadence
from tools.cache import ResultCache
from tools.notes import NoteSource

Block = dict[str, Any]
ChartRenderer = Callable[[DigestReport], Awaitable[bytes | None]]
"""Draws the digest's chart (PNG), or None when there is nothing worth drawing."""
NotesFor = Callable[[int], NoteSource]
"""One workspace's Lookout notes (`storage.repos.notes.WorkspaceNotes`)."""


@dataclass(frozen=True)
class _Fetched:
    report: DigestReport
    chart_png: bytes | None
    annotations: list[str]  # what was annotated on the reported day, as lines


@dataclass(frozen=True)
class _FetchedPeriodic:
    report: PeriodicReport
    chart_png: bytes | None
    annotations: list[str]  # what was annotated in the reported period, as lines


@dataclass
class _CacheEntry:
    expires: datetime
    task: asyncio.Task[_Fetched] | asyncio.Task[_FetchedPeriodic]


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
        notes: NotesFor | None = None,
        properties: PropertyLister | None = None,
        rollup_cap: int = 25,
    ) -> None:
        self._targets = targets
        self._rollups = RollupComposer(
            targets=targets, google=google, properties=properties, clock=clock, cap=rollup_cap
        )
        self._notes = notes
        self._google = google
        self._clock = clock
        self._chart = chart
        self._cache_ttl = cache_ttl
        self._cache: dict[tuple[object, ...], _CacheEntry] = {}
        self.stats = FetchStats()

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
        """The digest a channel gets on `local_day` (reporting the day, week or month before; weekly and monthly ones
        show `kpis`, the subscription's stored choice; a roll-up shows `properties`, or every one the Google
        connection lists); None when nothing should be posted."""
        if rollup:
            return await self._rollups.compose(
                workspace_id=workspace_id,
                channel_id=channel_id,
                local_day=local_day,
                cadence=cadence,
                properties=properties,
            )
        try:
            target = await self._targets.resolve_target(workspace_id=workspace_id, channel_id=channel_id)
        except GoogleNotConfigured:
            return None
        except ReconnectNeeded:
            text = words.reconnect(title="")
            return ComposedDigest(text=text, blocks=messages.problem_blocks(text))
        except GoogleNotConnected:
            return ComposedDigest(text=words.NOT_CONNECTED, blocks=messages.problem_blocks(words.NOT_CONNECTED))
        except NoPropertyChosen:
            return ComposedDigest(text=words.NO_PROPERTY, blocks=messages.problem_blocks(words.NO_PROPERTY))
        title = target.property_name or target.site_url or words.UNTITLED
        try:
            if cadence is not DigestCadence.DAILY:
                return await self._periodic(target, cadence=cadence, local_day=local_day, kpis=kpis, title=title)
            fetched = await self._report(workspace_id, target, day=local_day - timedelta(days=1), title=title)
        except ReconnectNeeded:  # only Google's invalid_grant: a 401 to fresh tokens is not a revoked grant
            text = words.reconnect(title=title)
            return ComposedDigest(text=text, blocks=messages.problem_blocks(text))
        report = fetched.report
        return ComposedDigest(
            text=messages.digest_text(report),
            blocks=with_annotations(messages.digest_blocks(report), fetched.annotations, limit=messages.MAX_BLOCKS),
            chart_png=fetched.chart_png,
            chart_title=messages.chart_title(report),
            report=report,
        )

    async def _periodic(
        self, target: GoogleTarget, *, cadence: DigestCadence, local_day: date, kpis: str, title: str
    ) -> ComposedDigest:
        period = reported_period(cadence, local_day=local_day)
        key = ("periodic", target.workspace_id, target.property_id, target.site_url, cadence, period, kpis)
        now = self._clock()
        entry = self._cache.get(key)
        if entry is not None and entry.expires > now and not (entry.task.done() and entry.task.exception()):
            self.stats.cache_hits += 1
            fetched = await asyncio.shield(entry.task)
        else:
            report = PeriodicReport(
                title=title,
                cadence=cadence,
                period=period,
                previous=previous_period(cadence, period),
                year_ago=year_before(cadence, period),
                currency=target.currency or "",
                property_label=None if target.property_id is None else f"properties/{target.property_id}",
                site_label=target.site_url,
                sample=target.sample,
            )
            task = asyncio.create_task(self._fetch_periodic(target, report, kpis=kpis))
            self._cache[key] = _CacheEntry(expires=now + self._cache_ttl, task=task)
            self._drop_expired(now)
            fetched = await asyncio.shield(task)
        assert isinstance(fetched, _FetchedPeriodic)
        return ComposedDigest(
            text=periodic_text(fetched.report),
            blocks=with_annotations(periodic_blocks(fetched.report), fetched.annotations, limit=messages.MAX_BLOCKS),
            chart_png=fetched.chart_png,
            chart_title=periodic_chart_title(fetched.report),
            periodic=fetched.report,
        )

    async def _fetch_periodic(self, target: GoogleTarget, report: PeriodicReport, *, kpis: str) -> _FetchedPeriodic:
        clients = await self._google.clients_for(target=target)
        self.stats.reports_built += 1
        # A cache of its own, as the daily digest's: this composer's cache shares one fetch between channels.
        context = target.tool_context(
            cache=ResultCache(),
            ga4=clients.ga4 if target.property_id else None,
            gsc=clients.gsc if target.site_url else None,
            clock=self._clock,
            timezone=target.timezone,
            admin=clients.admin,
            notes=self._notes(target.workspace_id) if self._notes is not None else None,
        )
        await build_periodic_report(report, ctx=context, kpis=chosen(kpis))
        chart_png = await periodic_chart(report) if self._chart is not None and report.chart else None
        annotations = await context_lines(context, start=report.period.start, end=report.period.end)
        return _FetchedPeriodic(report=report, chart_png=chart_png, annotations=annotations)

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
            cached = await asyncio.shield(entry.task)
            assert isinstance(cached, _Fetched)
            return cached
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
            admin=clients.admin,
            notes=self._notes(google.workspace_id) if self._notes is not None else None,
        )
        report = await build_report(target, day=day, ctx=ctx)
        # Drawn once per property and day too: the chart is the costly part in CPU.
        chart_png = await self._chart(report) if self._chart is not None and report.chart_series else None
        annotations = await context_lines(ctx, start=day, end=day)
        return _Fetched(report=report, chart_png=chart_png, annotations=annotations)

    def _drop_expired(self, now: datetime) -> None:
        for key in [key for key, entry in self._cache.items() if entry.expires <= now]:
            del self._cache[key]
