"""Clicks and impressions by search appearance (rich results), the one dimension Google allows with it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.dates import ResolvedDateRange
from tools.gsc_tools import (
    fetch_gsc,
    gsc_query,
    gsc_range,
)
from tools.gsc_workflows.inputs import GscWorkflowInput


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
