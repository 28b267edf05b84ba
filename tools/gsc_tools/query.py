"""What every Search Console tool and workflow shares: the connected site, Pacific-time date ranges, cached
searchAnalytics queries, both periods' totals, and the note that marks incomplete days."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from tools.base import ToolUserError
from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange, resolve_periods, resolve_range
from tools.errors import NO_SITE, NOT_CONNECTED, google_errors
from tools.google.gsc import (
    GscApi,
    GscFilterGroup,
    GscQuery,
    GscQueryResponse,
    GscSearchType,
)

GSC_TTL = 600.0
# Search Console keeps 16 months of data.
HISTORY_DAYS = 16 * 31


def require_gsc(ctx: ToolContext) -> tuple[GscApi, str]:
    if ctx.gsc is None:
        raise ToolUserError(NOT_CONNECTED, "no Google connection")
    if not ctx.site_url:
        raise ToolUserError(NO_SITE, "no Search Console site chosen")
    return ctx.gsc, ctx.site_url


def gsc_range(start: str, end: str, *, ctx: ToolContext, name: str | None = None) -> ResolvedDateRange:
    today = ctx.search_console_today()
    return resolve_range(
        DateRangeInput(start_date=start, end_date=end),
        today=today,
        name=name,
        latest=today,
        earliest=today - timedelta(days=HISTORY_DAYS),
    )


def gsc_periods(
    current: DateRangeInput, previous: DateRangeInput | None, *, ctx: ToolContext
) -> tuple[ResolvedDateRange, ResolvedDateRange]:
    """Two periods to compare, checked like `gsc_range`; `previous` defaults to the same number of days before."""
    today = ctx.search_console_today()
    return resolve_periods(current, previous, today=today, latest=today, earliest=today - timedelta(days=HISTORY_DAYS))


async def fetch_gsc(ctx: ToolContext, query: GscQuery) -> GscQueryResponse:
    """One searchAnalytics query (`query.row_limit` rows at most), from the workspace cache when asked recently."""
    gsc, site = require_gsc(ctx)
    key = f"gsc:query:{site}:{json.dumps(query.body(), sort_keys=True)}"

    async def fetch() -> GscQueryResponse:
        async with google_errors():
            return await gsc.search_analytics(site, query)

    return await ctx.cache.get_or_fetch(key, fetch, ttl=GSC_TTL)


def gsc_query(
    period: ResolvedDateRange,
    dimensions: Sequence[str],
    row_limit: int,
    *,
    filters: Sequence[GscFilterGroup] = (),
    search_type: GscSearchType = "web",
) -> GscQuery:
    """A searchAnalytics query over `period`."""
    return GscQuery.model_validate(
        {
            "startDate": period.start_date,
            "endDate": period.end_date,
            "type": search_type,
            "dimensions": list(dimensions),
            "dimensionFilterGroups": list(filters),
            "rowLimit": row_limit,
        }
    )


@dataclass(frozen=True)
class GscPeriodTotals:
    """`current` by date (so firstIncompleteDate is reported); `previous` as one row with no dimension."""

    current: GscQueryResponse
    previous: GscQueryResponse

    def current_sum(self, metric: str) -> float:
        """`metric` (clicks or impressions) summed over the current period's days."""
        total: float = sum(getattr(row, metric) for row in self.current.rows)
        return total


async def gsc_period_totals(
    ctx: ToolContext,
    current: ResolvedDateRange,
    previous: ResolvedDateRange,
    *,
    filters: Sequence[GscFilterGroup] = (),
) -> GscPeriodTotals:
    """The totals of two periods compared with each other."""
    now, before = await asyncio.gather(
        fetch_gsc(ctx, gsc_query(current, ["date"], 1000, filters=filters)),
        fetch_gsc(ctx, gsc_query(previous, [], 1, filters=filters)),
    )
    return GscPeriodTotals(current=now, previous=before)


def incomplete_note(first_incomplete: date | None, period: ResolvedDateRange) -> str | None:
    if first_incomplete is None or first_incomplete > period.end_date:
        return None
    return (
        f"Search Console data from {first_incomplete.isoformat()} on is incomplete (still being processed) and will "
        "rise; compare complete days only, or say the last days are partial."
    )
