"""Typed Search Console reads for the bot's own features (digests, alerts): the daily totals up to the latest
complete day, and clicks by (date, query).

They take the tools' path (`fetch_gsc`: the workspace cache, the same error mapping as every Search Console tool).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from tools.context import ToolContext
from tools.google.gsc import GscQuery
from tools.gsc_tools.query import fetch_gsc

GSC_DAILY_METRICS = ("clicks", "impressions", "ctr", "position")


@dataclass(frozen=True, kw_only=True)
class GscDaily:
    """Search Console's daily totals (`clicks`, `impressions`, `ctr`, `position`) up to `complete_day`.

    `complete_day` is the latest day Google has finished processing: the day before `firstIncompleteDate` when
    Search Console states it (`dataState=all`), else the latest day with data; None when there is no data at all.
    Days after it are left out: still rising, never to be reported or scored as they stand.
    """

    complete_day: date | None
    values: dict[str, dict[date, float]]


async def gsc_daily(
    ctx: ToolContext, *, start: date, end: date, data_state: Literal["all", "final"] = "all"
) -> GscDaily:
    """One searchAnalytics query by date from `start` to `end`; with `data_state="all"` the days still being
    processed come too, and `firstIncompleteDate` says where they begin."""
    days = (end - start).days + 1
    response = await fetch_gsc(
        ctx,
        GscQuery(start_date=start, end_date=end, dimensions=["date"], row_limit=days + 5, data_state=data_state),
    )
    dated = {date.fromisoformat(row.keys[0]): row for row in response.rows}
    if response.first_incomplete_date is not None:
        complete_day: date | None = response.first_incomplete_date - timedelta(days=1)
    else:
        complete_day = max(dated) if dated else None
    values: dict[str, dict[date, float]] = {name: {} for name in GSC_DAILY_METRICS}
    for when, row in dated.items():
        if complete_day is None or when > complete_day:
            continue
        for name in GSC_DAILY_METRICS:
            values[name][when] = getattr(row, name)
    return GscDaily(complete_day=complete_day, values=values)


async def gsc_clicks_by_query(
    ctx: ToolContext, *, start: date, end: date, row_limit: int = 5000
) -> dict[date, dict[str, float]]:
    """Clicks by (date, query) from `start` to `end`, final data only: {day: {query: clicks}}."""
    response = await fetch_gsc(
        ctx,
        GscQuery(start_date=start, end_date=end, dimensions=["date", "query"], row_limit=row_limit, data_state="final"),
    )
    by_day: dict[date, dict[str, float]] = defaultdict(dict)
    for row in response.rows:
        by_day[date.fromisoformat(row.keys[0])][row.keys[1]] = row.clicks
    return dict(by_day)
