"""The Google reads behind a weekly or monthly digest, all through `tools/` (the agent's own report path).

GA4 (`tools.ga4_report.run_reports`, one `batchRunReports`): the KPIs' totals over the period, the previous period
and the same period a year before; sessions by day over the chart's 12 periods and the same days a year before;
sessions and key events by channel and by landing page in both periods.
Search Console (`tools.gsc_tools.fetch_gsc`): the period by day (its `firstIncompleteDate` says which days are
complete), the totals of those complete days and of as many days of the previous period and of a year before,
clicks and positions by query, and the striking-distance workflow (`tools.gsc_workflows.striking_distance`).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from bot.digest.kpis import Kpi, Source
from bot.digest.periodic import (
    ChartPoint,
    KpiLine,
    PeriodicReport,
    StrikingDistance,
    derive_points,
    rank_gains,
    segments,
)
from bot.digest.report import MoverKind, SectionProblem
from bot.scheduler.periods import Period, recent_periods, year_before
from storage.tables.schedule import DigestCadence
from tools.base import ToolError, ToolUserError
from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange
from tools.errors import ACCESS_DENIED, NO_PROPERTY, NO_SITE, NOT_CONNECTED
from tools.ga4_report import MetricOrderBy, OrderBy, ParsedReport, ReportSpec, load_catalog, run_reports
from tools.ga4_report.catalog import CORE_CATALOG
from tools.google.errors import GoogleBadRequest
from tools.google.gsc import GscQueryResponse
from tools.gsc_tools import fetch_gsc, gsc_query
from tools.gsc_workflows import GscWorkflowInput, striking_distance

CHART_PERIODS = 12
ALWAYS_READ = ("sessions", "keyEvents")  # the drivers and the chart need them whatever the KPIs
_MISSING = (NOT_CONNECTED, NO_PROPERTY, NO_SITE)


def _range(period: Period, name: str) -> DateRangeInput:
    return DateRangeInput(start_date=period.start.isoformat(), end_date=period.end.isoformat(), name=name)


def _resolved(period: Period, name: str | None = None) -> ResolvedDateRange:
    return ResolvedDateRange(name=name, start_date=period.start, end_date=period.end)


def _problem(error: BaseException, *, source: str) -> SectionProblem | None:
    """The section's problem for a person to fix, or None for a passing failure (retried like the daily digest)."""
    if isinstance(error, ToolUserError) and error.message_key in _MISSING:
        return SectionProblem(key=f"{source}_not_chosen")
    refused = isinstance(error, ToolError) and isinstance(error.__cause__, GoogleBadRequest)
    if refused or (isinstance(error, ToolUserError) and error.message_key == ACCESS_DENIED):
        return SectionProblem(key=f"{source}_access")  # refused by Google: a request it rejects, or no access
    return None  # Google unavailable, or a request the tools refused before sending it (a bug): the post retries


async def build_periodic_report(report: PeriodicReport, *, ctx: ToolContext, kpis: Sequence[Kpi]) -> PeriodicReport:
    """Fill `report` (its periods already set) from GA4 and Search Console, then draw its points."""
    ga4_kpis = [kpi for kpi in kpis if kpi.source is Source.GA4]
    gsc_kpis = [kpi for kpi in kpis if kpi.source is Source.GSC]
    results = await asyncio.gather(
        _ga4(report, ctx=ctx, kpis=ga4_kpis) if ctx.ga4 is not None and ctx.property_id else _none(),
        _gsc(report, ctx=ctx, kpis=gsc_kpis) if ctx.gsc is not None and ctx.site_url else _none(),
        return_exceptions=True,
    )
    for result, source in zip(results, ("ga4", "gsc"), strict=True):
        if isinstance(result, BaseException):
            problem = _problem(result, source=source)
            if problem is None:
                raise result
        elif result is False:
            problem = SectionProblem(key=f"{source}_not_chosen")
        else:
            continue
        if source == "ga4":
            report.ga4_problem = problem
        else:
            report.gsc_problem = problem
    order = {kpi.key: index for index, kpi in enumerate(kpis)}
    report.lines.sort(key=lambda line: order.get(line.kpi.key, len(order)))
    derive_points(report)
    return report


async def _none() -> bool:
    return False


# ---------------------------------------------------------------------------------------------------------- GA4


async def _ga4(report: PeriodicReport, *, ctx: ToolContext, kpis: Sequence[Kpi]) -> bool:
    # Standard KPIs need no getMetadata call, as the daily digest's series do not; a key event by name (or a metric
    # some property may lack) is checked against the property's own metadata, so a missing one is said, not sent.
    standard = all(kpi.metric in CORE_CATALOG.metrics for kpi in kpis)
    catalog = CORE_CATALOG if standard else await load_catalog(ctx)
    known = [kpi for kpi in kpis if kpi.metric in catalog.metrics]
    report.unknown_kpis = [kpi.metric for kpi in kpis if kpi.metric not in catalog.metrics]
    metrics = list(dict.fromkeys([*ALWAYS_READ, *(kpi.metric for kpi in known)]))[:10]
    chart = recent_periods(report.cadence, report.period, count=CHART_PERIODS)
    span = Period(start=chart[0].start, end=chart[-1].end)
    span_year_ago = Period(start=year_before(report.cadence, chart[0]).start, end=report.year_ago.end)
    compared = [_range(report.period, "current"), _range(report.previous, "previous")]
    by_sessions = [OrderBy(metric=MetricOrderBy(metric_name="sessions"), desc=True)]
    totals, daily, channels, pages = await run_reports(
        ctx,
        catalog=catalog,
        specs=[
            ReportSpec(
                metrics=metrics,
                date_ranges=[*compared, _range(report.year_ago, "year_ago")],
            ),
            ReportSpec(
                metrics=["sessions"],
                dimensions=["date"],
                date_ranges=[_range(span, "chart"), _range(span_year_ago, "chart_year_ago")],
                limit=2 * span.days + 10,
            ),
            ReportSpec(metrics=list(ALWAYS_READ), dimensions=["sessionDefaultChannelGroup"], date_ranges=compared),
            ReportSpec(
                metrics=list(ALWAYS_READ),
                dimensions=["landingPage"],
                date_ranges=compared,
                order_bys=by_sessions,
                limit=250,
            ),
        ],
    )
    if totals.currency and not report.currency:
        report.currency = totals.currency
    report.chart = _chart(daily, chart, cadence=report.cadence)
    # Year-on-year only when GA4 has every day of the same period a year before.
    report.ga4_year_ago = report.chart[-1].year_ago is not None
    for kpi in known:
        value = totals.total(kpi.metric, "current")
        if kpi.key == "totalRevenue" and not any(totals.total(kpi.metric, r) for r in ("current", "previous")):
            continue  # the property has no revenue: leave the line out rather than show zeros
        report.lines.append(
            KpiLine(
                kpi=kpi,
                value=value,
                previous=totals.total(kpi.metric, "previous"),
                year_ago=totals.total(kpi.metric, "year_ago") if report.ga4_year_ago else None,
            )
        )
    report.channels = segments(*_by_range(channels, "sessionDefaultChannelGroup"), kind=MoverKind.CHANNEL)
    report.pages = segments(*_by_range(pages, "landingPage"), kind=MoverKind.PAGE)
    return True


def _by_range(
    parsed: ParsedReport, dimension: str
) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """(previous, current) {label: (sessions, key events)} of a two-range report."""
    found: dict[str, dict[str, tuple[float, float]]] = {"previous": {}, "current": {}}
    for row in parsed.rows:
        which = str(row.get("dateRange", "current"))
        if which in found:
            found[which][str(row[dimension])] = (float(row["sessions"]), float(row["keyEvents"]))
    return found["previous"], found["current"]


def _chart(parsed: ParsedReport, periods: Sequence[Period], *, cadence: DigestCadence) -> list[ChartPoint]:
    """Sessions per period, and per the same period a year before when GA4 has all of its days (a property created
    since has none for the days before, which GA4 leaves out: no partial year-ago totals)."""
    by_day: dict[str, dict[date, float]] = defaultdict(dict)
    for row in parsed.rows:
        text = str(row["date"])
        when = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        by_day[str(row.get("dateRange", "chart"))][when] = float(row["sessions"])
    now, before = by_day["chart"], by_day["chart_year_ago"]
    first_known = min(before) if before else None
    points = []
    for period in periods:
        earlier = year_before(cadence, period)
        known = first_known is not None and earlier.start >= first_known
        points.append(
            ChartPoint(
                period=period,
                sessions=sum(now.get(day, 0.0) for day in period.dates()),
                year_ago=sum(before.get(day, 0.0) for day in earlier.dates()) if known else None,
            )
        )
    return points


# ------------------------------------------------------------------------------------------------ Search Console


async def _gsc(report: PeriodicReport, *, ctx: ToolContext, kpis: Sequence[Kpi]) -> bool:
    by_day = await fetch_gsc(ctx, gsc_query(_resolved(report.period), ["date"], report.period.days + 5))
    end = report.period.end
    if by_day.first_incomplete_date is not None:
        end = min(end, by_day.first_incomplete_date - timedelta(days=1))
    if end < report.period.start:
        report.gsc_problem = SectionProblem(key="gsc_no_data")
        return True
    current = Period(start=report.period.start, end=end)
    report.gsc_period = current
    # As many days of the previous period and of a year before, so a partial week is compared like for like.
    length = timedelta(days=current.days - 1)
    previous = Period(start=report.previous.start, end=min(report.previous.end, report.previous.start + length))
    year_ago = Period(start=report.year_ago.start, end=min(report.year_ago.end, report.year_ago.start + length))
    now, before, last_year, queries_now, queries_before, striking = await asyncio.gather(
        fetch_gsc(ctx, gsc_query(_resolved(current), [], 1)),
        fetch_gsc(ctx, gsc_query(_resolved(previous), [], 1)),
        fetch_gsc(ctx, gsc_query(_resolved(year_ago), [], 1)),
        fetch_gsc(ctx, gsc_query(_resolved(current), ["query"], 1000)),
        fetch_gsc(ctx, gsc_query(_resolved(previous), ["query"], 1000)),
        striking_distance(
            GscWorkflowInput(
                workflow="striking_distance",
                start_date=current.start.isoformat(),
                end_date=current.end.isoformat(),
                limit=1,
            ),
            ctx,
        ),
    )

    def total(response: GscQueryResponse, metric: str) -> float | None:
        rows = response.rows
        return float(getattr(rows[0], metric)) if rows and rows[0].impressions else None

    for kpi in kpis:
        value = total(now, kpi.metric)
        if value is not None:
            report.lines.append(
                KpiLine(kpi=kpi, value=value, previous=total(before, kpi.metric), year_ago=total(last_year, kpi.metric))
            )
    clicks_now = {row.keys[0]: (row.clicks, 0.0) for row in queries_now.rows}
    clicks_before = {row.keys[0]: (row.clicks, 0.0) for row in queries_before.rows}
    report.queries = segments(clicks_before, clicks_now, kind=MoverKind.QUERY)
    report.rank_gains = rank_gains(
        {row.keys[0]: (row.position, row.impressions, row.clicks) for row in queries_before.rows},
        {row.keys[0]: (row.position, row.impressions, row.clicks) for row in queries_now.rows},
    )
    if striking.rows:
        top = striking.rows[0]
        report.striking = StrikingDistance(
            candidates=striking.candidates,
            ctr=striking.band_ctr,
            top_query=top.query,
            top_position=top.position,
            top_impressions=float(top.impressions),
        )
    return True
