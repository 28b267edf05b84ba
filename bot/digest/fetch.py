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
from collections import defaultdict
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
from tools.google.errors import GoogleAccessDenied, GoogleBadRequest
from tools.google.gsc import GscQuery

if TYPE_CHECKING:
    from google.analytics.data_v1beta.types import RunReportRequest

    from tools.ga4_report import RawRow
    from tools.google.ga4 import Ga4Api
    from tools.google.gsc import GscApi

HISTORY_DAYS = 91
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


async def build_report(target: DigestTarget, *, day: date, ga4: Ga4Api | None, gsc: GscApi | None) -> DigestReport:
    """The digest for `day` (the day being reported, i.e. yesterday in the property's timezone)."""
    report = DigestReport(
        title=target.title,
        day=day,
        currency=target.currency,
        property_label=None if target.property_id is None else f"properties/{target.property_id}",
        site_label=target.site_url,
        sample=target.sample,
    )
    ga4_task = (
        _fetch_ga4(ga4, target.property_id, day=day) if ga4 is not None and target.property_id is not None else None
    )
    gsc_task = _fetch_gsc(gsc, target.site_url, day=day) if gsc is not None and target.site_url is not None else None
    results = await asyncio.gather(
        ga4_task if ga4_task is not None else _none(),
        gsc_task if gsc_task is not None else _none(),
        return_exceptions=True,
    )
    ga4_data, gsc_data = results
    if isinstance(ga4_data, GoogleAccessDenied | GoogleBadRequest):
        report.ga4_problem = SectionProblem(key="ga4_access")
    elif isinstance(ga4_data, BaseException):
        raise ga4_data
    elif ga4_data is None:
        report.ga4_problem = SectionProblem(key="ga4_not_chosen")
    if isinstance(gsc_data, GoogleAccessDenied | GoogleBadRequest):
        report.gsc_problem = SectionProblem(key="gsc_access")
    elif isinstance(gsc_data, BaseException):
        raise gsc_data
    elif gsc_data is None:
        report.gsc_problem = SectionProblem(key="gsc_not_chosen")

    # Scoring the series (anomaly detection) and ranking movers is CPU work: done in a worker thread so the event
    # loop keeps acking Slack and renewing the scheduler lease while hundreds of digests are built.
    await asyncio.to_thread(
        _assemble,
        report,
        ga4_data if isinstance(ga4_data, _Ga4Data) else None,
        gsc_data if isinstance(gsc_data, _GscData) else None,
        day=day,
    )
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


# ---------------------------------------------------------------------------------------------------------- GA4


def ga4_requests(day: date) -> list[RunReportRequest]:
    """The three reports of the digest's one `batchRunReports` call."""
    # google-analytics-data loads with the first digest, not when `lookout serve` starts.
    from google.analytics.data_v1beta.types import DateRange, Dimension, Metric, OrderBy, RunReportRequest

    first = day - timedelta(days=HISTORY_DAYS - 1)
    compared = [
        DateRange(start_date=day.isoformat(), end_date=day.isoformat(), name="day"),
        DateRange(
            start_date=(day - timedelta(days=7)).isoformat(),
            end_date=(day - timedelta(days=7)).isoformat(),
            name="week_before",
        ),
    ]
    by_sessions = [OrderBy(metric=OrderBy.MetricOrderBy(metric_name="sessions"), desc=True)]
    return [
        RunReportRequest(
            dimensions=[Dimension(name="date")],
            metrics=[Metric(name=name) for name, _, _ in GA4_METRICS],
            date_ranges=[DateRange(start_date=first.isoformat(), end_date=day.isoformat())],
            limit=HISTORY_DAYS + 5,
        ),
        RunReportRequest(
            dimensions=[Dimension(name="sessionDefaultChannelGroup")],
            metrics=[Metric(name="sessions")],
            date_ranges=compared,
            limit=100,
        ),
        RunReportRequest(
            dimensions=[Dimension(name="landingPage")],
            metrics=[Metric(name="sessions")],
            date_ranges=compared,
            order_bys=by_sessions,
            limit=200,
        ),
    ]


async def _fetch_ga4(ga4: Ga4Api, property_id: str, *, day: date) -> _Ga4Data:
    from tools.ga4_report import read_table  # with google-analytics-data, on the first digest

    daily_report, channel_report, page_report = await ga4.batch_run_reports(property_id, ga4_requests(day))
    daily: dict[str, dict[date, float]] = {name: {} for name, _, _ in GA4_METRICS}
    for dimension_values, metric_values in read_table(daily_report).rows:
        text = dimension_values[0]
        when = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        for (name, _, _), value in zip(GA4_METRICS, metric_values, strict=False):
            daily[name][when] = _number(value)
    currency = daily_report.metadata.currency_code or None
    return _Ga4Data(
        daily=daily,
        channels=_split_ranges(read_table(channel_report).rows),
        pages=_split_ranges(read_table(page_report).rows),
        currency=currency,
    )


def _split_ranges(rows: list[RawRow]) -> tuple[dict[str, float], dict[str, float]]:
    """(week before, day) values per segment of a two-range report (GA4 appends a `dateRange` dimension)."""
    day: dict[str, float] = {}
    week_before: dict[str, float] = {}
    for dimension_values, metric_values in rows:
        label = dimension_values[0]
        which = dimension_values[-1] if len(dimension_values) > 1 else "day"
        target = week_before if which in ("week_before", "date_range_1") else day
        target[label] = target.get(label, 0.0) + _number(metric_values[0])
    return week_before, day


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


async def _fetch_gsc(gsc: GscApi, site_url: str, *, day: date) -> _GscData:
    first = day - timedelta(days=HISTORY_DAYS - 1)
    series_query = GscQuery(
        start_date=first,
        end_date=day + timedelta(days=1),
        dimensions=["date"],
        row_limit=HISTORY_DAYS + 5,
        data_state="all",
    )
    queries_query = GscQuery(
        start_date=day - timedelta(days=10),
        end_date=day,
        dimensions=["date", "query"],
        row_limit=5000,
        data_state="final",
    )
    series, queries = await asyncio.gather(
        gsc.search_analytics(site_url, series_query), gsc.search_analytics(site_url, queries_query)
    )
    dated = {date.fromisoformat(row.keys[0]): row for row in series.rows}
    if series.first_incomplete_date is not None:
        complete_day: date | None = series.first_incomplete_date - timedelta(days=1)
    else:
        complete_day = max(dated) if dated else None
    daily: dict[str, dict[date, float]] = {"clicks": {}, "impressions": {}, "ctr": {}, "position": {}}
    for when, row in dated.items():
        if complete_day is None or when > complete_day:
            continue  # still being processed by Google: never reported, never scored
        daily["clicks"][when] = row.clicks
        daily["impressions"][when] = row.impressions
        daily["ctr"][when] = row.ctr
        daily["position"][when] = row.position
    by_day: dict[date, dict[str, float]] = defaultdict(dict)
    for row in queries.rows:
        by_day[date.fromisoformat(row.keys[0])][row.keys[1]] = row.clicks
    return _GscData(complete_day=complete_day, daily=daily, queries=dict(by_day))


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
    """The detector's view of `day`: an incident that started that day or is still going on, if any."""
    points = [
        Point(
            timestamp=datetime.combine(when, time()),
            value=series.get(when, 0.0 if kind is MetricKind.COUNT else math.nan),
        )
        for when in (day - timedelta(days=offset) for offset in range(history_days - 1, -1, -1))
    ]
    from tools.anomaly.incidents import find_incidents  # the detector (numpy) loads on the first digest

    incidents = find_incidents(points, granularity="daily", series_key=f"digest:{label}")
    current = next(
        (i for i in reversed(incidents) if i.start.date() == day or (i.end is None and i.start.date() <= day)), None
    )
    if current is None:
        return None
    on_day = current.start.date() == day
    expected = current.expected if on_day else current.peak_expected
    actual = current.actual if on_day else series.get(day, current.peak_actual)
    if (actual - expected > 0) != (current.direction == "up"):
        # An incident still open from earlier days, but the reported day no longer deviates its way: saying "far
        # above normal" beside a lower number would be false, and the detector has no other expectation to offer.
        return None
    return DigestAnomaly(metric_label=label, direction=current.direction, expected=expected, actual=actual, kind=kind)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0
