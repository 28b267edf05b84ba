"""The Search Console tools: search analytics (with paging), period comparisons and URL inspection.

Search Console days are Pacific Time and the last 2–3 days are still being processed: queries ask for
`dataState: all` so fresh days appear, and results mark every day from `metadata.firstIncompleteDate` on.

`query` holds what every Search Console tool and workflow shares (the site, date ranges, cached queries, period
totals); then one module per tool (`search_analytics`, `compare`, `url_inspection`); `GSC_TOOLS` lists them.
`series` holds the digest's and alerts' reads (daily totals up to the latest complete day, clicks by query).
"""

from tools.gsc_tools.compare import COMPARE_ROWS, GscChange, GscComparePeriodsInput, GscComparison, gsc_compare_periods
from tools.gsc_tools.definitions import GSC_TOOLS
from tools.gsc_tools.query import (
    GSC_TTL,
    HISTORY_DAYS,
    GscPeriodTotals,
    fetch_gsc,
    gsc_period_totals,
    gsc_periods,
    gsc_query,
    gsc_range,
    require_gsc,
)
from tools.gsc_tools.search_analytics import (
    NO_QUERY_TYPES,
    GscResult,
    GscRowOut,
    GscSearchAnalyticsInput,
    GscTotals,
    check_search_type_rules,
    gsc_search_analytics,
)
from tools.gsc_tools.url_inspection import (
    INSPECT_TTL,
    GscInspectUrlInput,
    UrlInspectionResult,
    absolute_url,
    gsc_inspect_url,
    inspect_cached,
)

__all__ = [
    "COMPARE_ROWS",
    "GSC_TOOLS",
    "GSC_TTL",
    "HISTORY_DAYS",
    "INSPECT_TTL",
    "NO_QUERY_TYPES",
    "GscChange",
    "GscComparePeriodsInput",
    "GscComparison",
    "GscInspectUrlInput",
    "GscPeriodTotals",
    "GscResult",
    "GscRowOut",
    "GscSearchAnalyticsInput",
    "GscTotals",
    "UrlInspectionResult",
    "absolute_url",
    "check_search_type_rules",
    "fetch_gsc",
    "gsc_compare_periods",
    "gsc_inspect_url",
    "gsc_period_totals",
    "gsc_periods",
    "gsc_query",
    "gsc_range",
    "gsc_search_analytics",
    "inspect_cached",
    "require_gsc",
]
