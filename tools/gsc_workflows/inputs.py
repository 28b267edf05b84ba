"""What the `gsc_workflow` tool takes: which workflow, the period, a page filter and the search type."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tools.google.gsc import GscFilter, GscFilterGroup
from tools.targets import OnSite

Workflow = Literal["striking_distance", "cannibalization", "losing_pages", "index_status", "sitemaps", "appearances"]
SearchType = Literal["web", "discover", "googleNews", "image", "video", "news"]
MAX_INSPECTIONS = 20  # URL Inspection allows 2,000 a day and 600 a minute per site; one question uses at most this


class GscWorkflowInput(OnSite):
    workflow: Workflow
    start_date: str = "30daysAgo"
    end_date: str = "3daysAgo"
    page_contains: str | None = Field(default=None, description="Only pages whose URL contains this, e.g. /blog/.")
    search_type: SearchType = Field(default="web", description="losing_pages and appearances only.")
    limit: int = Field(
        default=10, ge=1, le=25, description=f"Rows to return; index_status inspects ≤{MAX_INSPECTIONS}."
    )


def page_filter(page_contains: str | None) -> list[GscFilterGroup]:
    if not page_contains:
        return []
    condition = GscFilter(dimension="page", operator="contains", expression=page_contains)
    return [GscFilterGroup(filters=[condition])]
