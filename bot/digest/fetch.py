"""The Google calls behind a digest, kept to a minimum: one GA4 `batchRunReports` and two Search Console queries,
all three in flight at once.

GA4: the daily series of sessions, users, key events and revenue (91 days: the comparisons, the chart and the
detector's history), plus sessions by channel and by landing page for the reported day and a week before.
Search Console: the daily series with `dataState=all`, whose `firstIncompleteDate` says which day is the latest
complete one, and clicks by (date, query) over the last ten final days for the query movers.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.digest.report import (
    DigestAnomaly,
    DigestReport,
    MetricKind,
    MoverKind,
    SectionProblem,
    compare,
    pick_movers,
    top_movers,
)
from tools.anomaly.models import Point
from tools.base import ToolError, ToolUserError
from tools.errors import ACCESS_DENIED
from tools.google.errors import GoogleBadRequest
from tools.gsc_tools.series import gsc_clicks_by_query, gsc_daily
from tools.workers import cpu_pool

if TYPE_CHECKING:
    from tools.context import ToolContext
    from tools.ga4_report.series import Breakdown, DailySeries

HISTORY_DAYS = 91
DAY, WEEK_BEFORE = "day", "week_before"  # the compared ranges of the channel and page breakdowns
CHART_DAYS = 28
GA4_METRICS: tuple[tuple[str, str, MetricKind], ...] = (
    ("sessions", "Sessions", MetricKind.COUNT),
    ("totalUsers", "Users", MetricKind.COUNT),
    ("keyEvents", "Key events", MetricKind.COUNT),
    ("totalRevenue", "Revenue", MetricKind.CURRENCY),
)
# Metrics the digest runs the anomaly detector on (the others follow them too closely to add news).
WATCHED = ("sessions", "keyEvents", "clicks")


@dataclass(frozen=True, kw_only=True)
class DigestTarget:
    """Where the numbers come from, as the Google connection resolved it for the channel."""

    title: str
    property_id: str | None
    site_url: str | None
    currency: str
    sample: bool = False


@dataclass(kw_only=True)
class _Ga4Data:
    daily: dict[str, dict[date, float]]
    channels: tuple[dict[str, float], dict[str, float]]
    pages: tuple[dict[str, float], dict[str, float]]
    currency: str | None


@dataclass(kw_only=True)
class _GscData:
    complete_day: date | None
    daily: dict[str, dict[date, float]]
    queries: dict[date, dict[str, float]]


async def build_report(target: DigestTarget, *, day: date, ctx: ToolContext) -> DigestReport:
    """The digest for `day` (the day being reported, i.e. yesterday in the property's timezone), read through the
    tools with `ctx` (whose `ga4` / `gsc` are None where the channel reads no property or site)."""
    report = DigestReport(
        title=target.title,
        day=day,
        currency=target.currency,
        property_label=None if target.property_id is None else f"properties/{target.property_id}",
        site_label=target.site_url,
        sample=target.sample,
    )
    ga4_task = _fetch_ga4(ctx, day=day) if ctx.ga4 is not None and ctx.property_id else None
    gsc_task = _fetch_gsc(ctx, day=day) if ctx.gsc is not None and ctx.site_url else None
    results = await asyncio.gather(
        ga4_task if ga4_task is not None else _none(),
        gsc_task if gsc_task is not None else _none(),
        return_exceptions=True,
    )
    ga4_data, gsc_data = results
    if _refused(ga4_data):
        report.ga4_problem = SectionProblem(key="ga4_access")
    elif isinstance(ga4_data, BaseException):
        raise ga4_data
    elif ga4_data is None:
        report.ga4_problem = SectionProblem(key="ga4_not_chosen")
    if _refused(gsc_data):
        report.gsc_problem = SectionProblem(key="gsc_access")
    elif isinstance(gsc_data, BaseException):
        raise gsc_data
    elif gsc_data is None:
        report.gsc_problem = SectionProblem(key="gsc_not_chosen")

    # Scoring the series (anomaly detection) and ranking movers is CPU work: done in the CPU worker process, not a
    # thread, whose GIL the event loop would wait for while acking Slack and renewing the scheduler lease.
    return await cpu_pool().run(
        assembled,
        report,
        ga4_data if isinstance(ga4_data, _Ga4Data) else None,
        gsc_data if isinstance(gsc_data, _GscData) else None,
        day,
    )


def assembled(report: DigestReport, ga4_data: _Ga4Data | None, gsc_data: _GscData | None, day: date) -> DigestReport:
    """`report` with the numbers, the detector's findings and the movers filled in (run in the CPU worker, so the
    report comes back filled rather than being filled in place)."""
    _assemble(report, ga4_data, gsc_data, day=day)
    return report


def _assemble(report: DigestReport, ga4_data: _Ga4Data | None, gsc_data: _GscData | None, *, day: date) -> None:
    movers = []
    if ga4_data is not None:
        _fill_ga4(report, ga4_data, day=day)
        movers.append(top_movers(*ga4_data.channels, kind=MoverKind.CHANNEL, metric="sessions"))
        movers.append(top_movers(*ga4_data.pages, kind=MoverKind.PAGE, metric="sessions"))
    if gsc_data is not None:
        _fill_gsc(report, gsc_data)
        if gsc_data.complete_day is not None:
            before = gsc_data.queries.get(gsc_data.complete_day - timedelta(days=7), {})
            after = gsc_data.queries.get(gsc_data.complete_day, {})
            movers.append(top_movers(before, after, kind=MoverKind.QUERY, metric="clicks", min_delta=5.0))
    report.movers = pick_movers(movers)


async def _none() -> None:
    return None


def _refused(result: object) -> bool:
    """Google refused the section's request: access denied to the property or site, or a request Google rejects.
    Anything else fails the digest: Google being unavailable (so that it is tried again), or a request the tools
    refused before sending it (a bug in the digest's own reads, not a problem of the person's property)."""
    if isinstance(result, ToolUserError):
        return result.message_key == ACCESS_DENIED
    return isinstance(result, ToolError) and isinstance(result.__cause__, GoogleBadRequest)


# ---------------------------------------------------------------------------------------------------------- GA4


def ga4_reads(day: date) -> tuple[DailySeries, Breakdown, Breakdown]:
    """The three reports of the digest's one `batchRunReports` call: the daily series, and sessions by channel and
    by landing page on the reported day and a week before."""
    # google-analytics-data loads with the first digest, not when `lookout serve` starts.
    from tools.ga4_report.series import Breakdown, DailySeries, NamedRange

    compared = (
        NamedRange(name=DAY, start=day, end=day),
        NamedRange(name=WEEK_BEFORE, start=day - timedelta(days=7), end=day - timedelta(days=7)),
    )
    return (
        DailySeries(
            metrics=tuple(name for name, _, _ in GA4_METRICS), start=day - timedelta(days=HISTORY_DAYS - 1), end=day
        ),
        Breakdown(dimension="sessionDefaultChannelGroup", metric="sessions", ranges=compared, limit=100),
        Breakdown(dimension="landingPage", metric="sessions", ranges=compared, limit=200, top=True),
    )


async def _fetch_ga4(ctx: ToolContext, *, day: date) -> _Ga4Data:
    from tools.ga4_report.series import read_reports  # with google-analytics-data, on the first digest

    daily, channels, pages = ga4_reads(day)
    daily_report, channel_report, page_report = await read_reports(ctx, [daily, channels, pages])
    by_channel, by_page = channels.read(channel_report), pages.read(page_report)
    return _Ga4Data(
        daily=daily.read(daily_report),
        channels=(by_channel[WEEK_BEFORE], by_channel[DAY]),
        pages=(by_page[WEEK_BEFORE], by_page[DAY]),
        currency=daily_report.currency,
    )


def _fill_ga4(report: DigestReport, data: _Ga4Data, *, day: date) -> None:
    if data.currency and not report.currency:
        report.currency = data.currency
    for name, label, kind in GA4_METRICS:
        series = data.daily[name]
        if name == "totalRevenue" and not any(series.values()):
            continue  # the property has no revenue: leave the line out rather than show zeros
        report.ga4.append(compare(series, day=day, key=name, label=label, kind=kind))
    sessions = data.daily["sessions"]
    report.chart_series = [
        (when, sessions.get(when, 0.0)) for when in (day - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1))
    ]
    for name, label, kind in GA4_METRICS:
        if name in WATCHED:
            anomaly = detect(data.daily[name], day=day, label=label, kind=kind, history_days=HISTORY_DAYS)
            if anomaly is not None:
                report.anomalies.append(anomaly)


# ------------------------------------------------------------------------------------------------ Search Console


async def _fetch_gsc(ctx: ToolContext, *, day: date) -> _GscData:
    # The day after the reported one too: `firstIncompleteDate` then says whether the reported day is complete.
    series, queries = await asyncio.gather(
        gsc_daily(ctx, start=day - timedelta(days=HISTORY_DAYS - 1), end=day + timedelta(days=1), data_state="all"),
        gsc_clicks_by_query(ctx, start=day - timedelta(days=10), end=day),
    )
    return _GscData(complete_day=series.complete_day, daily=series.values, queries=queries)


GSC_METRICS: tuple[tuple[str, str, MetricKind], ...] = (
    ("clicks", "Organic clicks", MetricKind.COUNT),
    ("impressions", "Impressions", MetricKind.COUNT),
    ("ctr", "CTR", MetricKind.RATIO),
    ("position", "Avg. position", MetricKind.POSITION),
)


def _fill_gsc(report: DigestReport, data: _GscData) -> None:
    report.gsc_day = data.complete_day
    if data.complete_day is None:
        report.gsc_problem = SectionProblem(key="gsc_no_data")
        return
    for name, label, kind in GSC_METRICS:
        report.gsc.append(compare(data.daily[name], day=data.complete_day, key=name, label=label, kind=kind))
    anomaly = detect(
        data.daily["clicks"],
        day=data.complete_day,
        label="Organic clicks",
        kind=MetricKind.COUNT,
        history_days=HISTORY_DAYS,
    )
    if anomaly is not None:
        report.anomalies.append(anomaly)


# ---------------------------------------------------------------------------------------------------- anomalies


def detect(
    series: dict[date, float], *, day: date, label: str, kind: MetricKind, history_days: int
) -> DigestAnomaly | None:
    """`day`, if the detector finds it unusual, against the value it expected of that day.

    The detector's notion, not a percentage: an incident opened that day, or one still open and `day` itself still
    outside the series' ordinary variation (`unusual_latest`). A day inside its noise band is never flagged for
    belonging to an older incident, nor set against another day's expectation.
    """
    points = [
        Point(
            timestamp=datetime.combine(when, time()),
            value=series.get(when, 0.0 if kind is MetricKind.COUNT else math.nan),
        )
        for when in (day - timedelta(days=offset) for offset in range(history_days - 1, -1, -1))
    ]
    from tools.anomaly.incidents import unusual_latest  # the detector (numpy) loads on the first digest

    unusual = unusual_latest(points, granularity="daily", series_key=f"digest:{label}")
    if unusual is None:
        return None
    return DigestAnomaly(
        metric_label=label,
        day=day,
        direction=unusual.direction,
        expected=unusual.expected,
        actual=unusual.actual,
        kind=kind,
    )
