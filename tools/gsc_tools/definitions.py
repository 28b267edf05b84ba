"""The Search Console tools as the model sees them: name, description, input model and the function that runs."""

from __future__ import annotations

from typing import Any

from tools.base import Tool
from tools.context import ToolContext
from tools.gsc_tools.compare import GscComparePeriodsInput, gsc_compare_periods
from tools.gsc_tools.search_analytics import GscSearchAnalyticsInput, gsc_search_analytics
from tools.gsc_tools.url_inspection import GscInspectUrlInput, gsc_inspect_url
from tools.retarget import on_named_target

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
        run=on_named_target(gsc_search_analytics),
    ),
    Tool(
        name="gsc_compare_periods",
        description=(
            "Compare two Search Console periods by query, page, country or device: totals, and the items gaining and "
            "losing clicks, impressions or position, plus new and lost items."
        ),
        input_model=GscComparePeriodsInput,
        run=on_named_target(gsc_compare_periods),
    ),
    Tool(
        name="gsc_inspect_url",
        description="Index status of one page on the site (URL Inspection): indexed or not, why, last crawl, canonical.",
        input_model=GscInspectUrlInput,
        run=on_named_target(gsc_inspect_url),
    ),
]
