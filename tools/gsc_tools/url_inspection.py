"""`gsc_inspect_url`: one page's index status (URL Inspection), cached for an hour."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.base import ToolError
from tools.context import ToolContext
from tools.errors import google_errors
from tools.google.gsc import (
    GscApi,
)
from tools.gsc_tools.query import require_gsc
from tools.targets import OnSite

INSPECT_TTL = 3600.0


class GscInspectUrlInput(OnSite):
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
