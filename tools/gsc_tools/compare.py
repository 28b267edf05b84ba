"""`gsc_compare_periods`: two periods by one dimension: totals, the keys gaining and losing, new and lost keys."""

from __future__ import annotations

import asyncio
import math
from typing import Literal

from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange
from tools.google.gsc import (
    GscFilterGroup,
    GscRow,
)
from tools.gsc_tools.query import (
    GscPeriodTotals,
    fetch_gsc,
    gsc_period_totals,
    gsc_periods,
    gsc_query,
    incomplete_note,
    require_gsc,
)
from tools.gsc_tools.search_analytics import GscTotals, totals_of
from tools.targets import OnSite


class GscComparePeriodsInput(OnSite):
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
    note = incomplete_note(totals.current.first_incomplete_date, current)
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
        totals_previous=totals_of(totals.previous),
        gaining=gaining,
        losing=losing,
        new=new,
        lost=lost,
        keys_compared=len(changes),
        notes=notes,
    )
