"""Workflows over query × page rows: striking-distance queries, cannibalized queries, pages losing clicks."""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange
from tools.google.gsc import GscRow
from tools.gsc_tools import (
    fetch_gsc,
    gsc_periods,
    gsc_query,
    gsc_range,
)
from tools.gsc_workflows.inputs import GscWorkflowInput, page_filter

ROWS = 5000  # query × page rows read per period: enough for every query with a meaningful number of impressions


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
    response = await fetch_gsc(ctx, gsc_query(period, ["query", "page"], ROWS, filters=page_filter(args.page_contains)))
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
    filters = page_filter(args.page_contains)
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
