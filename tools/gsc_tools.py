"""The Search Console tools: search analytics (with paging), period comparisons and URL inspection.

Search Console days are Pacific Time and the last 2–3 days are still being processed: queries ask for
`dataState: all` so fresh days appear, and results mark every day from `metadata.firstIncompleteDate` on.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.base import Tool, ToolError, ToolUserError
from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange, resolve_periods, resolve_range
from tools.errors import NO_SITE, NOT_CONNECTED, google_errors
from tools.ga4_report import trim_rows
from tools.google.gsc import (
    MAX_ROW_LIMIT,
    GscApi,
    GscDimension,
    GscFilterGroup,
    GscQuery,
    GscQueryResponse,
    GscRow,
    GscSearchType,
)

GSC_TTL = 600.0
INSPECT_TTL = 3600.0
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


def _incomplete_note(first_incomplete: date | None, period: ResolvedDateRange) -> str | None:
    if first_incomplete is None or first_incomplete > period.end_date:
        return None
    return (
        f"Search Console data from {first_incomplete.isoformat()} on is incomplete (still being processed) and will "
        "rise; compare complete days only, or say the last days are partial."
    )


# ----- gsc_search_analytics ----------------------------------------------------------------------------------------


class GscSearchAnalyticsInput(BaseModel):
    """Arguments of gsc_search_analytics."""

    start_date: str = Field(description="YYYY-MM-DD or 'today', 'yesterday', 'NdaysAgo' (Pacific Time days).")
    end_date: str = Field(description="YYYY-MM-DD or a relative form. Inclusive.")
    dimensions: list[GscDimension] = Field(default_factory=list, max_length=5)
    dimension_filter_groups: list[GscFilterGroup] = Field(
        default_factory=list,
        description="[{group_type: 'and', filters: [{dimension: 'page', operator: 'contains', expression: '/blog/'}]}]",
    )
    search_type: GscSearchType = "web"
    row_limit: int = Field(default=100, ge=1, le=MAX_ROW_LIMIT, description="Rows to fetch; >25000 not allowed.")


class GscRowOut(BaseModel):
    keys: dict[str, str]
    clicks: int
    impressions: int
    ctr: float = Field(description="Clicks / impressions, 0–1.")
    position: float | None = Field(description="Average position; 1 is the top. None for Discover and Google News.")
    incomplete: bool | None = Field(default=None, description="True for days Search Console is still processing.")


class GscTotals(BaseModel):
    clicks: int
    impressions: int
    ctr: float
    position: float | None


class GscResult(BaseModel):
    site_url: str
    date_range: ResolvedDateRange
    time_zone: str = "America/Los_Angeles"
    search_type: str
    dimensions: list[str]
    totals: GscTotals
    rows: list[GscRowOut]
    rows_fetched: int
    rows_shown: int
    more_rows: str | None = None
    first_incomplete_date: date | None = None
    notes: list[str] = Field(default_factory=list)


def _totals(response: GscQueryResponse) -> GscTotals:
    if not response.rows:
        return GscTotals(clicks=0, impressions=0, ctr=0.0, position=0.0)
    row = response.rows[0]
    return GscTotals(
        clicks=round(row.clicks),
        impressions=round(row.impressions),
        ctr=round(row.ctr, 4),
        position=round(row.position, 2),
    )


NO_QUERY_TYPES = ("discover", "googleNews")


def check_search_type_rules(args: GscSearchAnalyticsInput) -> None:
    """Google's rules, checked before asking so the model learns the fix in one step."""
    filtered = {f.dimension for group in args.dimension_filter_groups for f in group.filters}
    if "searchAppearance" in args.dimensions and len(args.dimensions) > 1:
        raise ToolError(
            "searchAppearance cannot be grouped with other dimensions in one request. Group by searchAppearance "
            "alone first, then filter on one appearance (dimension_filter_groups with dimension searchAppearance, "
            "operator equals) and group by the other dimensions."
        )
    if args.search_type in NO_QUERY_TYPES and ("query" in args.dimensions or "query" in filtered):
        raise ToolError(
            f"Search Console reports no queries (and no average position) for {args.search_type}: group or filter "
            "by page, country, device or date instead."
        )


async def gsc_search_analytics(args: GscSearchAnalyticsInput, ctx: ToolContext) -> GscResult:
    _, site = require_gsc(ctx)
    check_search_type_rules(args)
    has_position = args.search_type not in NO_QUERY_TYPES
    period = gsc_range(args.start_date, args.end_date, ctx=ctx)
    filters, search_type = args.dimension_filter_groups, args.search_type
    query = gsc_query(period, args.dimensions, args.row_limit, filters=filters, search_type=search_type)
    # Totals: the same filters with no dimension (and `date` so firstIncompleteDate is reported).
    totals_query = gsc_query(period, [], 1, filters=filters, search_type=search_type)
    dated_query = gsc_query(period, ["date"], 1000, filters=filters, search_type=search_type)
    jobs = [fetch_gsc(ctx, query), fetch_gsc(ctx, totals_query)]
    if "date" not in args.dimensions:
        # firstIncompleteDate only comes back for date-grouped queries.
        jobs.append(fetch_gsc(ctx, dated_query))
    response, totals, *dated = await asyncio.gather(*jobs)
    first_incomplete = response.first_incomplete_date or (dated[0].first_incomplete_date if dated else None)

    def row_out(row: GscRow) -> GscRowOut:
        keys = dict(zip(args.dimensions, row.keys, strict=False))
        incomplete = None
        if "date" in keys and first_incomplete is not None:
            incomplete = date.fromisoformat(keys["date"]) >= first_incomplete
        return GscRowOut(
            keys=keys,
            clicks=round(row.clicks),
            impressions=round(row.impressions),
            ctr=round(row.ctr, 4),
            position=round(row.position, 2) if has_position else None,
            incomplete=incomplete or None,
        )

    # Only the rows that fit the budget are turned into results (a query may fetch 25,000).
    dumped = (row_out(row).model_dump(exclude_none=True) for row in response.rows)
    shown = len(trim_rows(dumped, ctx.result_budget_chars))
    fetched = len(response.rows)
    more_parts = []
    if fetched > shown:
        more_parts.append(f"{fetched - shown} more rows fetched but not shown")
    if fetched >= args.row_limit:
        more_parts.append("there may be more rows beyond row_limit (Search Console gives no total row count)")
    notes = []
    note = _incomplete_note(first_incomplete, period)
    if note:
        notes.append(note)
    return GscResult(
        site_url=site,
        date_range=period,
        search_type=args.search_type,
        dimensions=list(args.dimensions),
        totals=_totals(totals) if has_position else _totals(totals).model_copy(update={"position": None}),
        rows=[row_out(row) for row in response.rows[:shown]],
        rows_fetched=fetched,
        rows_shown=shown,
        more_rows="; ".join(more_parts) + "." if more_parts else None,
        first_incomplete_date=first_incomplete if first_incomplete and first_incomplete <= period.end_date else None,
        notes=notes,
    )


# ----- gsc_compare_periods -----------------------------------------------------------------------------------------


class GscComparePeriodsInput(BaseModel):
    dimension: Literal["query", "page", "country", "device"] = "query"
    current: DateRangeInput
    previous: DateRangeInput | None = Field(default=None, description="Default: the same number of days just before.")
    rank_by: Literal["clicks", "impressions", "position"] = "clicks"
    dimension_filter_groups: list[GscFilterGroup] = Field(default_factory=list)
    top: int = Field(default=10, ge=1, le=50, description="How many gainers and losers to list.")


class GscChange(BaseModel):
    key: str
    clicks: int
    clicks_previous: int
    clicks_change: int
    impressions: int
    impressions_previous: int
    impressions_change: int
    position: float | None
    position_previous: float | None
    position_change: float | None = Field(description="Negative means the position improved (moved up).")


class GscComparison(BaseModel):
    site_url: str
    dimension: str
    current: ResolvedDateRange
    previous: ResolvedDateRange
    totals_current: GscTotals
    totals_previous: GscTotals
    gaining: list[GscChange]
    losing: list[GscChange]
    new: list[GscChange] = Field(description="Present now, absent before.")
    lost: list[GscChange] = Field(description="Present before, absent now.")
    keys_compared: int
    notes: list[str] = Field(default_factory=list)


COMPARE_ROWS = 5000


def _change(key: str, cur: GscRow | None, prev: GscRow | None) -> GscChange:
    """One key's numbers in both periods; a key missing from a period counts as zero there, with no position."""
    position = round(cur.position, 2) if cur else None
    position_previous = round(prev.position, 2) if prev else None
    return GscChange(
        key=key,
        clicks=round(cur.clicks) if cur else 0,
        clicks_previous=round(prev.clicks) if prev else 0,
        clicks_change=round((cur.clicks if cur else 0) - (prev.clicks if prev else 0)),
        impressions=round(cur.impressions) if cur else 0,
        impressions_previous=round(prev.impressions) if prev else 0,
        impressions_change=round((cur.impressions if cur else 0) - (prev.impressions if prev else 0)),
        position=position,
        position_previous=position_previous,
        position_change=round(position - position_previous, 2)
        if position is not None and position_previous is not None
        else None,
    )


def _score(item: GscChange, rank_by: str) -> float:
    if rank_by == "clicks":
        return float(item.clicks_change)
    if rank_by == "impressions":
        return float(item.impressions_change)
    # Better position is a lower number: a gain is a negative change.
    weight = math.sqrt(max(item.impressions, 1))
    return -(item.position_change or 0.0) * weight


def _current_totals(totals: GscPeriodTotals) -> GscTotals:
    """The current period's totals; position is impression-weighted, as Search Console averages it."""
    totals_now = GscTotals(
        clicks=round(totals.current_sum("clicks")),
        impressions=round(totals.current_sum("impressions")),
        ctr=0.0,
        position=0.0,
    )
    if totals_now.impressions:
        totals_now.ctr = round(totals_now.clicks / totals_now.impressions, 4)
        weighted = sum(r.position * r.impressions for r in totals.current.rows)
        totals_now.position = round(weighted / totals_now.impressions, 2)
    return totals_now


async def gsc_compare_periods(args: GscComparePeriodsInput, ctx: ToolContext) -> GscComparison:
    _, site = require_gsc(ctx)
    current, previous = gsc_periods(args.current, args.previous, ctx=ctx)
    filters = args.dimension_filter_groups
    now, before, totals = await asyncio.gather(
        fetch_gsc(ctx, gsc_query(current, [args.dimension], COMPARE_ROWS, filters=filters)),
        fetch_gsc(ctx, gsc_query(previous, [args.dimension], COMPARE_ROWS, filters=filters)),
        gsc_period_totals(ctx, current, previous, filters=filters),
    )
    current_rows = {row.keys[0]: row for row in now.rows if row.keys}
    previous_rows = {row.keys[0]: row for row in before.rows if row.keys}
    changes = [
        _change(key, current_rows.get(key), previous_rows.get(key))
        for key in current_rows.keys() | previous_rows.keys()
    ]

    def score(item: GscChange) -> float:
        return _score(item, args.rank_by)

    both = [c for c in changes if c.key in current_rows and c.key in previous_rows]
    gaining = sorted((c for c in both if score(c) > 0), key=score, reverse=True)[: args.top]
    losing = sorted((c for c in both if score(c) < 0), key=score)[: args.top]
    new = sorted((c for c in changes if c.key not in previous_rows), key=lambda c: -c.clicks)[: args.top]
    lost = sorted((c for c in changes if c.key not in current_rows), key=lambda c: -c.clicks_previous)[: args.top]
    notes = []
    note = _incomplete_note(totals.current.first_incomplete_date, current)
    if note:
        notes.append(note)
    if len(now.rows) >= COMPARE_ROWS or len(before.rows) >= COMPARE_ROWS:
        notes.append(f"Only the top {COMPARE_ROWS} {args.dimension} rows of each period were compared.")
    return GscComparison(
        site_url=site,
        dimension=args.dimension,
        current=current,
        previous=previous,
        totals_current=_current_totals(totals),
        totals_previous=_totals(totals.previous),
        gaining=gaining,
        losing=losing,
        new=new,
        lost=lost,
        keys_compared=len(changes),
        notes=notes,
    )


# ----- gsc_inspect_url ---------------------------------------------------------------------------------------------


class GscInspectUrlInput(BaseModel):
    url: str = Field(description="The page to inspect: a full URL on the site, or a path like /blog/post.")


class UrlInspectionResult(BaseModel):
    site_url: str
    url: str
    verdict: str = Field(description="PASS (indexed), NEUTRAL (excluded / unknown), FAIL (error).")
    coverage_state: str | None = None
    indexing_state: str | None = None
    robots_txt_state: str | None = None
    page_fetch_state: str | None = None
    last_crawl_time: str | None = None
    google_canonical: str | None = None
    user_canonical: str | None = None
    crawled_as: str | None = None
    mobile_usability: str | None = None
    inspection_link: str | None = None


def absolute_url(site: str, url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    base = site.rstrip("/")
    if base.startswith("sc-domain:"):
        base = "https://" + base.removeprefix("sc-domain:")
    if not url.startswith("/"):
        raise ToolError("url must be a full URL (https://…) or a path starting with '/'.")
    return base + url


async def inspect_cached(ctx: ToolContext, gsc: GscApi, site: str, url: str) -> UrlInspectionResult:
    """One URL inspection, from the workspace cache when done within the hour (each costs URL Inspection quota).

    Raises Google's errors untranslated, so a caller inspecting many pages can stop at a quota error and keep the
    pages it has.
    """

    async def fetch() -> UrlInspectionResult:
        inspection = await gsc.inspect_url(site, url)
        status = inspection.index_status
        return UrlInspectionResult(
            site_url=site,
            url=url,
            verdict=status.verdict,
            coverage_state=status.coverage_state,
            indexing_state=status.indexing_state,
            robots_txt_state=status.robots_txt_state,
            page_fetch_state=status.page_fetch_state,
            last_crawl_time=status.last_crawl_time,
            google_canonical=status.google_canonical,
            user_canonical=status.user_canonical,
            crawled_as=status.crawled_as,
            mobile_usability=inspection.mobile_usability_verdict,
            inspection_link=inspection.inspection_result_link,
        )

    return await ctx.cache.get_or_fetch(f"gsc:inspect:{site}:{url}", fetch, ttl=INSPECT_TTL)


async def gsc_inspect_url(args: GscInspectUrlInput, ctx: ToolContext) -> UrlInspectionResult:
    gsc, site = require_gsc(ctx)
    url = absolute_url(site, args.url.strip())
    async with google_errors():
        return await inspect_cached(ctx, gsc, site, url)


GSC_TOOLS: list[Tool[Any, ToolContext]] = [
    Tool(
        name="gsc_search_analytics",
        description=(
            "One Search Console searchAnalytics query on the workspace's site: clicks, impressions, ctr (0–1) and "
            "average position (1 = top) by query, page, country (ISO alpha-3, e.g. usa), device (DESKTOP/MOBILE/TABLET), "
            "date or searchAppearance, with filters. Days are Pacific Time; the last 2–3 days are incomplete and "
            "marked. Totals are always returned; rows are capped to fit."
        ),
        input_model=GscSearchAnalyticsInput,
        run=gsc_search_analytics,
    ),
    Tool(
        name="gsc_compare_periods",
        description=(
            "Compare two Search Console periods by query, page, country or device: totals, and the items gaining and "
            "losing clicks, impressions or position, plus new and lost items."
        ),
        input_model=GscComparePeriodsInput,
        run=gsc_compare_periods,
    ),
    Tool(
        name="gsc_inspect_url",
        description="Index status of one page on the site (URL Inspection): indexed or not, why, last crawl, canonical.",
        input_model=GscInspectUrlInput,
        run=gsc_inspect_url,
    ),
]
