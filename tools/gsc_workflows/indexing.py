"""Workflows over the site's indexing: URL Inspection of the top pages (within quota), and sitemaps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.dates import ResolvedDateRange
from tools.errors import google_errors, to_tool_error
from tools.google.errors import GoogleApiError, GoogleQuotaExhausted
from tools.gsc_tools import (
    UrlInspectionResult,
    fetch_gsc,
    gsc_query,
    gsc_range,
    inspect_cached,
    require_gsc,
)
from tools.gsc_workflows.inputs import MAX_INSPECTIONS, GscWorkflowInput, page_filter

INSPECT_AT_ONCE = 5


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


async def index_status(args: GscWorkflowInput, ctx: ToolContext) -> IndexStatus:
    gsc, site = require_gsc(ctx)
    period = gsc_range(args.start_date, args.end_date, ctx=ctx)
    wanted = min(args.limit, MAX_INSPECTIONS)
    top = await fetch_gsc(ctx, gsc_query(period, ["page"], wanted, filters=page_filter(args.page_contains)))
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
