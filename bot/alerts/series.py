"""The series an alert subscription watches, read through the tools in two Google calls: one GA4 `batchRunReports`
(hourly sessions, daily sessions and key events) and one Search Console query (daily clicks, final data only).

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
from tools.gsc_tools.series import gsc_daily

if TYPE_CHECKING:
    from tools.context import ToolContext

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


async def fetch_series(*, ctx: ToolContext, timezone: str, now: datetime, history: History) -> list[Series]:
    """The watched series of `ctx`'s property and site (either may be missing: its series are then left out)."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    today = local_now.date()
    calls = []
    if ctx.ga4 is not None and ctx.property_id:
        calls.append(_ga4_series(ctx, local_now=local_now, history=history))
    if ctx.gsc is not None and ctx.site_url:
        calls.append(_gsc_series(ctx, today=today, history=history))
    results = await asyncio.gather(*calls)
    return [series for group in results for series in group]


async def _ga4_series(ctx: ToolContext, *, local_now: datetime, history: History) -> list[Series]:
    # google-analytics-data loads with the first alert check, not when `lookout serve` starts.
    from tools.ga4_report.series import DailySeries, HourlySeries, read_reports

    today = local_now.date()
    hourly_first = today - timedelta(days=history.hourly_days)
    daily_first = today - timedelta(days=history.daily_days)
    yesterday = today - timedelta(days=1)
    hourly_read = HourlySeries(metrics=("sessions",), start=hourly_first, end=today)
    daily_read = DailySeries(metrics=("sessions", "keyEvents"), start=daily_first, end=yesterday)
    hourly_report, daily_report = await read_reports(ctx, [hourly_read, daily_read])

    # Timestamps are the property's wall-clock hours (naive), as GA4 reports them: seasonality follows the local
    # working day across daylight-saving changes instead of shifting by an hour twice a year.
    hourly = hourly_read.read(hourly_report)["sessions"]
    last_complete_hour = local_now.replace(minute=0, second=0, microsecond=0, tzinfo=None) - timedelta(
        hours=GA4_PROCESSING_HOURS + 1
    )
    hourly_points = []
    stamp = datetime.combine(hourly_first, time())
    while stamp <= last_complete_hour:
        # GA4 leaves out hours without sessions: a missing hour is a zero, which is what tracking breaking looks like.
        hourly_points.append(Point(timestamp=stamp, value=hourly.get(stamp, 0.0)))
        stamp += timedelta(hours=1)

    daily = daily_read.read(daily_report)
    days = [daily_first + timedelta(days=n) for n in range((yesterday - daily_first).days + 1)]
    return [
        Series(spec=HOURLY, points=hourly_points),
        Series(spec=DAILY_SESSIONS, points=_daily_points(days, daily["sessions"])),
        Series(spec=DAILY_KEY_EVENTS, points=_daily_points(days, daily["keyEvents"])),
    ]


async def _gsc_series(ctx: ToolContext, *, today: date, history: History) -> list[Series]:
    first = today - timedelta(days=history.daily_days)
    daily = await gsc_daily(ctx, start=first, end=today, data_state="final")
    if daily.complete_day is None:
        return []
    days = [first + timedelta(days=n) for n in range((daily.complete_day - first).days + 1)]
    return [Series(spec=DAILY_CLICKS, points=_daily_points(days, daily.values["clicks"]))]


def _daily_points(days: list[date], values: dict[date, float]) -> list[Point]:
    return [Point(timestamp=datetime.combine(day, time()), value=values.get(day, 0.0)) for day in days]
