"""The series an alert subscription watches, fetched in two Google calls: one GA4 `batchRunReports` (hourly
sessions, daily sessions and key events) and one Search Console query (daily clicks, final data only).

Only complete periods are returned: the current hour and the one before it (GA4 is still processing them),
today, and Search Console's unfinished days are never scored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tools.anomaly.models import Point
from tools.anomaly.watch import Series, SeriesSpec
from tools.google.gsc import GscQuery

if TYPE_CHECKING:
    from tools.google.ga4 import Ga4Api
    from tools.google.gsc import GscApi

HOURLY = SeriesSpec(key="ga4:sessions:hourly", label="Sessions", source="ga4", metric="sessions", granularity="hourly")
DAILY_SESSIONS = SeriesSpec(
    key="ga4:sessions:daily", label="Sessions", source="ga4", metric="sessions", granularity="daily"
)
DAILY_KEY_EVENTS = SeriesSpec(
    key="ga4:keyEvents:daily", label="Key events", source="ga4", metric="keyEvents", granularity="daily"
)
DAILY_CLICKS = SeriesSpec(
    key="gsc:clicks:daily", label="Organic clicks", source="gsc", metric="clicks", granularity="daily"
)
GA4_PROCESSING_HOURS = 1  # hours before the current one that GA4 may still be filling in


@dataclass(frozen=True, kw_only=True)
class History:
    """How far back each series goes: enough weeks for weekly seasonality."""

    hourly_days: int = 28
    daily_days: int = 120


async def fetch_series(
    *,
    ga4: Ga4Api | None,
    gsc: GscApi | None,
    property_id: str | None,
    site_url: str | None,
    timezone: str,
    now: datetime,
    history: History,
) -> list[Series]:
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    today = local_now.date()
    calls = []
    if ga4 is not None and property_id is not None:
        calls.append(_ga4_series(ga4, property_id, zone=zone, local_now=local_now, history=history))
    if gsc is not None and site_url is not None:
        calls.append(_gsc_series(gsc, site_url, today=today, history=history))
    results = await asyncio.gather(*calls)
    return [series for group in results for series in group]


async def _ga4_series(
    ga4: Ga4Api, property_id: str, *, zone: ZoneInfo, local_now: datetime, history: History
) -> list[Series]:
    # google-analytics-data loads with the first alert check, not when `lookout serve` starts.
    from google.analytics.data_v1beta.types import DateRange, Dimension, Metric, RunReportRequest

    from tools.ga4_report import read_table

    today = local_now.date()
    hourly_first = today - timedelta(days=history.hourly_days)
    daily_first = today - timedelta(days=history.daily_days)
    yesterday = today - timedelta(days=1)
    hourly_request = RunReportRequest(
        dimensions=[Dimension(name="dateHour")],
        metrics=[Metric(name="sessions")],
        date_ranges=[DateRange(start_date=hourly_first.isoformat(), end_date=today.isoformat())],
        limit=24 * (history.hourly_days + 1) + 24,
    )
    daily_request = RunReportRequest(
        dimensions=[Dimension(name="date")],
        metrics=[Metric(name="sessions"), Metric(name="keyEvents")],
        date_ranges=[DateRange(start_date=daily_first.isoformat(), end_date=yesterday.isoformat())],
        limit=history.daily_days + 5,
    )
    hourly_report, daily_report = await ga4.batch_run_reports(property_id, [hourly_request, daily_request])

    # Timestamps are the property's wall-clock hours (naive), as GA4 reports them: seasonality follows the local
    # working day across daylight-saving changes instead of shifting by an hour twice a year.
    hourly: dict[datetime, float] = {}
    for dimension_values, metric_values in read_table(hourly_report).rows:
        stamp = datetime.strptime(dimension_values[0], "%Y%m%d%H")
        hourly[stamp] = hourly.get(stamp, 0.0) + float(metric_values[0] or 0)
    last_complete_hour = local_now.replace(minute=0, second=0, microsecond=0, tzinfo=None) - timedelta(
        hours=GA4_PROCESSING_HOURS + 1
    )
    hourly_points = []
    stamp = datetime.combine(hourly_first, time())
    while stamp <= last_complete_hour:
        # GA4 leaves out hours without sessions: a missing hour is a zero, which is what tracking breaking looks like.
        hourly_points.append(Point(timestamp=stamp, value=hourly.get(stamp, 0.0)))
        stamp += timedelta(hours=1)

    sessions: dict[date, float] = {}
    key_events: dict[date, float] = {}
    for dimension_values, metric_values in read_table(daily_report).rows:
        day = datetime.strptime(dimension_values[0], "%Y%m%d").date()
        sessions[day] = float(metric_values[0] or 0)
        key_events[day] = float(metric_values[1] or 0)
    days = [daily_first + timedelta(days=n) for n in range((yesterday - daily_first).days + 1)]
    return [
        Series(spec=HOURLY, points=hourly_points),
        Series(spec=DAILY_SESSIONS, points=_daily_points(days, sessions)),
        Series(spec=DAILY_KEY_EVENTS, points=_daily_points(days, key_events)),
    ]


async def _gsc_series(gsc: GscApi, site_url: str, *, today: date, history: History) -> list[Series]:
    first = today - timedelta(days=history.daily_days)
    response = await gsc.search_analytics(
        site_url,
        GscQuery(
            start_date=first, end_date=today, dimensions=["date"], row_limit=history.daily_days + 5, data_state="final"
        ),
    )
    clicks = {date.fromisoformat(row.keys[0]): row.clicks for row in response.rows}
    if not clicks:
        return []
    last = max(clicks)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [Series(spec=DAILY_CLICKS, points=_daily_points(days, clicks))]


def _daily_points(days: list[date], values: dict[date, float]) -> list[Point]:
    return [Point(timestamp=datetime.combine(day, time()), value=values.get(day, 0.0)) for day in days]
