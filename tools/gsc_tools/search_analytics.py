"""`gsc_search_analytics`: one searchAnalytics query, its totals always, its rows sized to fit, with Search
Console's per-search-type rules checked first."""

from __future__ import annotations

import asyncio
from datetime import date

from pydantic import BaseModel, Field

from tools.base import ToolError
from tools.context import ToolContext
from tools.dates import ResolvedDateRange
from tools.google.gsc import (
    MAX_ROW_LIMIT,
    GscDimension,
    GscFilterGroup,
    GscQueryResponse,
    GscRow,
    GscSearchType,
)
from tools.gsc_tools.query import fetch_gsc, gsc_query, gsc_range, incomplete_note, require_gsc
from tools.rows import trim_rows
from tools.targets import OnSite


class GscSearchAnalyticsInput(OnSite):
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


def totals_of(response: GscQueryResponse) -> GscTotals:
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
    note = incomplete_note(first_incomplete, period)
    if note:
        notes.append(note)
    return GscResult(
        site_url=site,
        date_range=period,
        search_type=args.search_type,
        dimensions=list(args.dimensions),
        totals=totals_of(totals) if has_position else totals_of(totals).model_copy(update={"position": None}),
        rows=[row_out(row) for row in response.rows[:shown]],
        rows_fetched=fetched,
        rows_shown=shown,
        more_rows="; ".join(more_parts) + "." if more_parts else None,
        first_incomplete_date=first_incomplete if first_incomplete and first_incomplete <= period.end_date else None,
        notes=notes,
    )
