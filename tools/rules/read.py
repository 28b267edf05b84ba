"""The two windows a rule compares, read from GA4 (one report on the digests' and alerts' path,
`tools.ga4_report.series`) or Search Console (one searchAnalytics query).

Windows are the property's wall-clock periods, complete ones only:
- daily, GA4: yesterday, once GA4 has had `DAILY_SETTLE_HOURS` of today to finish processing it (before that, the
  day before); Search Console: the latest day with final data. Compared with the same weekday a week earlier.
- hourly (GA4 only): the last hour GA4 has finished (`GA4_PROCESSING_HOURS` behind the current one), compared with
  the same hour a week earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from storage.tables.rules import RuleSource
from tools.ga4_report.series import DailySeries, HourlySeries, Only, read_reports
from tools.google.gsc import GscFilter, GscFilterGroup, GscQuery
from tools.rules.spec import RuleSpec

if TYPE_CHECKING:
    from tools.context import ToolContext
    from tools.google.gsc import GscApi

GA4_PROCESSING_HOURS = 1  # hours before the current one that GA4 may still be filling in (as the detector's)
DAILY_SETTLE_HOURS = 6  # yesterday is read from 06:00 the next morning, property time
WEEK = timedelta(days=7)
SEARCH_CONSOLE_LOOKBACK_DAYS = 10  # final data is usually 2-3 days behind


@dataclass(frozen=True, kw_only=True)
class Reading:
    """The rule's metric in the window it judges (`start`, wall-clock, naive) and in the comparable one a week
    before; `previous_start` is `start` minus a week."""

    current: float
    previous: float
    start: datetime
    hourly: bool

    @property
    def previous_start(self) -> datetime:
        return self.start - WEEK


def judged_window(spec: RuleSpec, *, now: datetime, timezone: str) -> datetime:
    """The start of the GA4 window a rule judges at `now` (wall-clock in `timezone`, naive)."""
    local = now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    if spec.hourly:
        return local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=GA4_PROCESSING_HOURS + 1)
    settled = (local - timedelta(hours=DAILY_SETTLE_HOURS)).date()
    return datetime.combine(settled - timedelta(days=1), time())


async def read_rule(spec: RuleSpec, *, ctx: ToolContext, now: datetime, timezone: str) -> Reading | None:
    """The rule's reading now, from the property and site `ctx` reads; None when its source is not connected or
    has no data yet. GA4 failures arrive as the tools' errors (`ToolError`, `ToolUserError`)."""
    if spec.source is RuleSource.SEARCH_CONSOLE:
        if ctx.gsc is None or not ctx.site_url:
            return None
        return await _read_search_console(spec, gsc=ctx.gsc, site_url=ctx.site_url, now=now, timezone=timezone)
    if ctx.ga4 is None or not ctx.property_id:
        return None
    return await _read_ga4(spec, ctx=ctx, start=judged_window(spec, now=now, timezone=timezone))


async def _read_ga4(spec: RuleSpec, *, ctx: ToolContext, start: datetime) -> Reading:
    previous = start - WEEK
    only = Only(dimension=spec.dimension, value=spec.dimension_value) if spec.dimension else None
    # GA4 leaves out periods without data: a missing one is a zero, which is what a broken tag looks like.
    if spec.hourly:
        hourly = HourlySeries(metrics=(spec.metric,), start=previous.date(), end=start.date(), only=only)
        (report,) = await read_reports(ctx, [hourly])
        hours = hourly.read(report)[spec.metric]
        current, before = hours.get(start, 0.0), hours.get(previous, 0.0)
    else:
        daily = DailySeries(metrics=(spec.metric,), start=previous.date(), end=start.date(), only=only)
        (report,) = await read_reports(ctx, [daily])
        days = daily.read(report)[spec.metric]
        current, before = days.get(start.date(), 0.0), days.get(previous.date(), 0.0)
    return Reading(current=current, previous=before, start=start, hourly=spec.hourly)


async def _read_search_console(
    spec: RuleSpec, *, gsc: GscApi, site_url: str, now: datetime, timezone: str
) -> Reading | None:
    today = now.astimezone(ZoneInfo(timezone)).date()
    first = today - WEEK - timedelta(days=SEARCH_CONSOLE_LOOKBACK_DAYS)
    groups = []
    if spec.dimension:
        expression = spec.dimension_value
        if spec.dimension == "page" and expression.startswith("/"):
            expression = site_base(site_url) + expression  # Search Console's pages are full URLs
        groups = [GscFilterGroup(filters=[GscFilter(dimension=spec.dimension, expression=expression)])]
    response = await gsc.search_analytics(
        site_url,
        GscQuery(
            start_date=first,
            end_date=today,
            dimensions=["date"],
            dimension_filter_groups=groups,
            row_limit=100,
            data_state="final",
        ),
    )
    by_day: dict[date, float] = {
        date.fromisoformat(row.keys[0]): (row.clicks if spec.metric == "clicks" else row.impressions)
        for row in response.rows
    }
    if not by_day:
        return None
    last = max(by_day)
    return Reading(
        current=by_day[last],
        previous=by_day.get(last - WEEK, 0.0),
        start=datetime.combine(last, time()),
        hourly=False,
    )


def site_base(site_url: str) -> str:
    """Where a path typed for a page filter starts: `sc-domain:acme.com` → `https://acme.com`, a URL-prefix property
    as registered (without its trailing slash)."""
    if site_url.startswith("sc-domain:"):
        return "https://" + site_url.removeprefix("sc-domain:")
    return site_url.rstrip("/")
