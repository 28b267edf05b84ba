"""Search Console workflows marketers run every week, behind one tool (`gsc_workflow`) so the tool list stays short.

Each workflow is a few searchAnalytics queries (or URL inspections, or sitemaps.list) and a ranking that a person
would otherwise do in a spreadsheet: striking-distance queries, cannibalization, pages losing clicks, the index
status of the top pages, sitemaps, and search appearances.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.base import Tool, ToolError
from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange
from tools.errors import google_errors, to_tool_error
from tools.google.errors import GoogleApiError, GoogleQuotaExhausted
from tools.google.gsc import GscFilter, GscFilterGroup, GscRow
from tools.gsc_tools import (
    UrlInspectionResult,
    fetch_gsc,
    gsc_periods,
    gsc_query,
    gsc_range,
    inspect_cached,
    require_gsc,
)

Workflow = Literal["striking_distance", "cannibalization", "losing_pages", "index_status", "sitemaps", "appearances"]
SearchType = Literal["web", "discover", "googleNews", "image", "video", "news"]
ROWS = 5000  # query × page rows read per period: enough for every query with a meaningful number of impressions
MAX_INSPECTIONS = 20  # URL Inspection allows 2,000 a day and 600 a minute per site; one question uses at most this
INSPECT_AT_ONCE = 5


class GscWorkflowInput(BaseModel):
    workflow: Workflow
    start_date: str = "30daysAgo"
    end_date: str = "3daysAgo"
    page_contains: str | None = Field(default=None, description="Only pages whose URL contains this, e.g. /blog/.")
    search_type: SearchType = Field(default="web", description="losing_pages and appearances only.")
    limit: int = Field(
        default=10, ge=1, le=25, description=f"Rows to return; index_status inspects ≤{MAX_INSPECTIONS}."
    )


class QueryPageRow(BaseModel):
    query: str
    page: str
    clicks: int
    impressions: int
    ctr: float
    position: float


class StrikingDistance(BaseModel):
    workflow: Literal["striking_distance"] = "striking_distance"
    period: ResolvedDateRange
    rule: str
    band_ctr: float = Field(description="CTR of all rows at positions 8–20: the yardstick for 'low CTR'.")
    candidates: int
    rows: list[QueryPageRow]


class CannibalizedQuery(BaseModel):
    query: str
    impressions: int
    clicks: int
    pages: list[QueryPageRow]


class Cannibalization(BaseModel):
    workflow: Literal["cannibalization"] = "cannibalization"
    period: ResolvedDateRange
    rule: str
    queries_found: int
    queries: list[CannibalizedQuery]


class LosingPage(BaseModel):
    page: str
    clicks: int
    clicks_previous: int
    clicks_change: int
    impressions_change_pct: float | None
    ctr: float
    ctr_previous: float
    position: float | None
    position_previous: float | None
    likely_cause: str = Field(description="A heuristic from the numbers: rankings, demand, click-through or mixed.")


class LosingPages(BaseModel):
    workflow: Literal["losing_pages"] = "losing_pages"
    search_type: str
    current: ResolvedDateRange
    previous: ResolvedDateRange
    clicks_change_total: int
    pages_losing: int
    pages: list[LosingPage]


class InspectedPage(BaseModel):
    page: str
    clicks: int
    inspection: UrlInspectionResult | None = None
    canonical_differs: bool | None = None


class IndexStatus(BaseModel):
    workflow: Literal["index_status"] = "index_status"
    period: ResolvedDateRange
    inspected: int
    indexed: int
    not_indexed: int
    pages: list[InspectedPage]
    notes: list[str] = Field(default_factory=list)


class SitemapOut(BaseModel):
    path: str
    type: str | None
    last_submitted: str | None
    last_downloaded: str | None
    days_since_download: int | None
    pending: bool
    is_index: bool
    errors: int
    warnings: int
    urls_submitted: int


class Sitemaps(BaseModel):
    workflow: Literal["sitemaps"] = "sitemaps"
    site_url: str
    sitemaps: list[SitemapOut]
    with_errors: int
    with_warnings: int
    notes: list[str] = Field(default_factory=list)


class AppearanceRow(BaseModel):
    appearance: str
    clicks: int
    impressions: int
    ctr: float
    position: float | None


class Appearances(BaseModel):
    workflow: Literal["appearances"] = "appearances"
    search_type: str
    period: ResolvedDateRange
    rows: list[AppearanceRow]
    notes: list[str] = Field(default_factory=list)


def _page_filter(page_contains: str | None) -> list[GscFilterGroup]:
    if not page_contains:
        return []
    condition = GscFilter(dimension="page", operator="contains", expression=page_contains)
    return [GscFilterGroup(filters=[condition])]


def _row(row: GscRow) -> QueryPageRow:
    return QueryPageRow(
        query=row.keys[0],
        page=row.keys[1],
        clicks=round(row.clicks),
        impressions=round(row.impressions),
        ctr=round(row.ctr, 4),
        position=round(row.position, 1),
    )


async def _query_pages(args: GscWorkflowInput, ctx: ToolContext) -> tuple[ResolvedDateRange, list[GscRow]]:
    period = gsc_range(args.start_date, args.end_date, ctx=ctx)
    response = await fetch_gsc(
        ctx, gsc_query(period, ["query", "page"], ROWS, filters=_page_filter(args.page_contains))
    )
    return period, response.rows


async def striking_distance(args: GscWorkflowInput, ctx: ToolContext) -> StrikingDistance:
    period, rows = await _query_pages(args, ctx)
    band = [row for row in rows if 8.0 <= row.position <= 20.0]
    impressions = sum(row.impressions for row in band)
    band_ctr = sum(row.clicks for row in band) / impressions if impressions else 0.0
    # "Many impressions": at least the median of the band, so the list is where the demand is.
    floor = statistics.median(row.impressions for row in band) if band else 0.0
    picked = [row for row in band if row.impressions >= floor and row.ctr <= band_ctr]
    picked.sort(key=lambda row: row.impressions, reverse=True)
    return StrikingDistance(
        period=period,
        rule="average position 8–20, impressions at least the band's median, CTR at or below the band's CTR",
        band_ctr=round(band_ctr, 4),
        candidates=len(picked),
        rows=[_row(row) for row in picked[: args.limit]],
    )


async def cannibalization(args: GscWorkflowInput, ctx: ToolContext) -> Cannibalization:
    period, rows = await _query_pages(args, ctx)
    by_query: dict[str, list[GscRow]] = defaultdict(list)
    for row in rows:
        by_query[row.keys[0]].append(row)
    found = []
    for query, ranking in by_query.items():
        total = sum(row.impressions for row in ranking)
        # A page counts when it gets at least 10 % of the query's impressions: a stray impression is no competition.
        competing = [row for row in ranking if total and row.impressions / total >= 0.10]
        if len(competing) >= 2:
            competing.sort(key=lambda row: row.clicks, reverse=True)
            found.append(
                CannibalizedQuery(
                    query=query,
                    impressions=round(total),
                    clicks=round(sum(row.clicks for row in ranking)),
                    pages=[_row(row) for row in competing[:5]],
                )
            )
    found.sort(key=lambda item: item.impressions, reverse=True)
    return Cannibalization(
        period=period,
        rule="two or more pages each getting at least 10 % of one query's impressions",
        queries_found=len(found),
        queries=found[: args.limit],
    )


def _cause(now: GscRow | None, before: GscRow) -> str:
    if now is None:
        return "gone from results (no impressions this period)"
    if now.position and before.position and now.position - before.position >= 1.0:
        return "rankings (average position fell)"
    if before.impressions and now.impressions / before.impressions <= 0.8:
        return "demand (fewer impressions at a similar position)"
    if before.ctr and now.ctr / before.ctr <= 0.8:
        return "click-through (lower CTR at similar position and impressions)"
    return "mixed"


async def losing_pages(args: GscWorkflowInput, ctx: ToolContext) -> LosingPages:
    current, previous = gsc_periods(DateRangeInput(start_date=args.start_date, end_date=args.end_date), None, ctx=ctx)
    filters = _page_filter(args.page_contains)
    now, before = await asyncio.gather(
        fetch_gsc(ctx, gsc_query(current, ["page"], ROWS, filters=filters, search_type=args.search_type)),
        fetch_gsc(ctx, gsc_query(previous, ["page"], ROWS, filters=filters, search_type=args.search_type)),
    )
    current_rows = {row.keys[0]: row for row in now.rows}
    losing: list[LosingPage] = []
    has_position = args.search_type not in ("discover", "googleNews")
    for before_row in before.rows:
        page = before_row.keys[0]
        now_row = current_rows.get(page)
        clicks = round(now_row.clicks) if now_row else 0
        change = clicks - round(before_row.clicks)
        if change >= 0:
            continue
        impressions = now_row.impressions if now_row else 0.0
        losing.append(
            LosingPage(
                page=page,
                clicks=clicks,
                clicks_previous=round(before_row.clicks),
                clicks_change=change,
                impressions_change_pct=round(100 * (impressions - before_row.impressions) / before_row.impressions, 1)
                if before_row.impressions
                else None,
                ctr=round(now_row.ctr, 4) if now_row else 0.0,
                ctr_previous=round(before_row.ctr, 4),
                position=round(now_row.position, 1) if now_row and has_position else None,
                position_previous=round(before_row.position, 1) if has_position else None,
                likely_cause=_cause(now_row, before_row) if has_position else "see impressions and CTR",
            )
        )
    losing.sort(key=lambda page: page.clicks_change)
    return LosingPages(
        search_type=args.search_type,
        current=current,
        previous=previous,
        clicks_change_total=round(sum(r.clicks for r in now.rows) - sum(r.clicks for r in before.rows)),
        pages_losing=len(losing),
        pages=losing[: args.limit],
    )


async def index_status(args: GscWorkflowInput, ctx: ToolContext) -> IndexStatus:
    gsc, site = require_gsc(ctx)
    period = gsc_range(args.start_date, args.end_date, ctx=ctx)
    wanted = min(args.limit, MAX_INSPECTIONS)
    top = await fetch_gsc(ctx, gsc_query(period, ["page"], wanted, filters=_page_filter(args.page_contains)))
    pages = [InspectedPage(page=row.keys[0], clicks=round(row.clicks)) for row in top.rows[:wanted]]
    notes = [
        f"Inspected the top {len(pages)} pages by clicks (at most {MAX_INSPECTIONS} per question: Search Console "
        "allows 2,000 URL inspections a day and 600 a minute per site)."
    ]
    exhausted = False
    for start in range(0, len(pages), INSPECT_AT_ONCE):
        batch = pages[start : start + INSPECT_AT_ONCE]
        results = await asyncio.gather(*(inspect_cached(ctx, gsc, site, p.page) for p in batch), return_exceptions=True)
        for page, result in zip(batch, results, strict=True):
            if isinstance(result, GoogleQuotaExhausted):
                exhausted = True
            elif isinstance(result, GoogleApiError):
                raise to_tool_error(result) from result
            elif isinstance(result, BaseException):
                raise result
            else:
                page.inspection = result
                if result.google_canonical:
                    page.canonical_differs = result.google_canonical != result.url
        if exhausted:
            break
    inspected = [p for p in pages if p.inspection is not None]
    if exhausted:
        notes.append(
            f"Search Console's URL Inspection quota for this site is used up for now: {len(inspected)} of "
            f"{len(pages)} pages were inspected. The quota is 2,000 a day (600 a minute); try later for the rest."
        )
    indexed = sum(1 for p in inspected if p.inspection and p.inspection.verdict == "PASS")
    return IndexStatus(
        period=period,
        inspected=len(inspected),
        indexed=indexed,
        not_indexed=len(inspected) - indexed,
        pages=pages,
        notes=notes,
    )


def _days_since(moment: str | None, now: datetime) -> int | None:
    if not moment:
        return None
    try:
        when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0, (now - (when if when.tzinfo else when.replace(tzinfo=UTC))).days)


async def sitemaps(args: GscWorkflowInput, ctx: ToolContext) -> Sitemaps:
    gsc, site = require_gsc(ctx)
    async with google_errors():
        listed = await ctx.cache.get_or_fetch(f"gsc:sitemaps:{site}", lambda: gsc.list_sitemaps(site), ttl=600.0)
    now = ctx.clock()
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    out = [
        SitemapOut(
            path=entry.path,
            type=entry.type,
            last_submitted=entry.last_submitted,
            last_downloaded=entry.last_downloaded,
            days_since_download=_days_since(entry.last_downloaded, now),
            pending=entry.is_pending,
            is_index=entry.is_sitemaps_index,
            errors=entry.errors,
            warnings=entry.warnings,
            urls_submitted=sum(content.submitted for content in entry.contents),
        )
        for entry in listed
    ]
    notes = [] if out else ["No sitemap is submitted for this site in Search Console."]
    return Sitemaps(
        site_url=site,
        sitemaps=out[: args.limit],
        with_errors=sum(1 for s in out if s.errors),
        with_warnings=sum(1 for s in out if s.warnings),
        notes=notes,
    )


async def appearances(args: GscWorkflowInput, ctx: ToolContext) -> Appearances:
    period = gsc_range(args.start_date, args.end_date, ctx=ctx)
    # Google allows no other dimension beside searchAppearance (nor a filter on one); step two is a
    # gsc_search_analytics call filtered on one appearance.
    response = await fetch_gsc(ctx, gsc_query(period, ["searchAppearance"], 100, search_type=args.search_type))
    has_position = args.search_type not in ("discover", "googleNews")
    rows = [
        AppearanceRow(
            appearance=row.keys[0],
            clicks=round(row.clicks),
            impressions=round(row.impressions),
            ctr=round(row.ctr, 4),
            position=round(row.position, 1) if has_position else None,
        )
        for row in response.rows
    ]
    notes = [
        "To break one appearance down by query, page, country, device or date, call gsc_search_analytics with a "
        "dimension filter searchAppearance equals that appearance (it cannot be grouped with other dimensions)."
    ]
    if not rows:
        notes.append(f"Search Console reports no search appearances for {args.search_type} in this period.")
    return Appearances(search_type=args.search_type, period=period, rows=rows[: args.limit], notes=notes)


_RUN = {
    "striking_distance": striking_distance,
    "cannibalization": cannibalization,
    "losing_pages": losing_pages,
    "index_status": index_status,
    "sitemaps": sitemaps,
    "appearances": appearances,
}


async def gsc_workflow(args: GscWorkflowInput, ctx: ToolContext) -> BaseModel:
    require_gsc(ctx)
    if args.search_type != "web" and args.workflow not in ("losing_pages", "appearances"):
        raise ToolError(f"search_type applies to losing_pages and appearances only, not {args.workflow}.")
    result: BaseModel = await _RUN[args.workflow](args, ctx)
    return result


GSC_WORKFLOW_DESCRIPTION = """Search Console workflows (default: last 28 days with data). striking_distance: queries
at position 8-20 with many impressions, low CTR; cannibalization: queries 2+ pages compete for; losing_pages: most
clicks lost vs previous period, likely cause; index_status: URL inspection of top pages (max 20, quota);
sitemaps: status, errors; appearances: clicks by search appearance. Discover/googleNews: no queries or position."""

GSC_WORKFLOW_TOOLS: list[Tool[Any, ToolContext]] = [
    Tool(name="gsc_workflow", description=GSC_WORKFLOW_DESCRIPTION, input_model=GscWorkflowInput, run=gsc_workflow),
]
