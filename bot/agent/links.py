"""Links to the Google Analytics and Search Console reports that match a tool call, built by Lookout alone.

Only forms these products keep stable are used: GA4's standard reports by id (`#/p<property>/reports/explorer?r=…`)
with the dates in `_u.date00`/`_u.date01` (and `_u.date10`/`_u.date11` for a comparison), its realtime overview,
and Search Console's Performance report (`resource_id`, `start_date`/`end_date` as YYYYMMDD, `breakdown`, one
`page`/`query` filter) and URL inspection. Every value is URL-encoded: no text from data, a person or a model can
change where a link goes, only which report it opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import quote, urlencode

GA4_HOME = "https://analytics.google.com/analytics/web/"
SEARCH_CONSOLE_HOME = "https://search.google.com/search-console/"

# The standard GA4 report that shows a dimension (first match wins); anything else opens the reports snapshot.
_GA4_REPORTS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset(
            {
                "sessionDefaultChannelGroup",
                "sessionPrimaryChannelGroup",
                "sessionSource",
                "sessionMedium",
                "sessionSourceMedium",
                "sessionCampaignName",
                "sessionSourcePlatform",
            }
        ),
        "lifecycle-traffic-acquisition-v2",
    ),
    (
        frozenset({"firstUserDefaultChannelGroup", "firstUserSource", "firstUserMedium", "firstUserSourceMedium"}),
        "lifecycle-user-acquisition",
    ),
    (frozenset({"pagePath", "pageTitle", "pagePathPlusQueryString", "unifiedScreenName"}), "all-pages-and-screens"),
    (frozenset({"eventName"}), "top-events"),
    (frozenset({"country", "region", "city", "language"}), "user-demographics-detail"),
    (frozenset({"deviceCategory", "browser", "operatingSystem", "platform"}), "user-technology-detail"),
)
_GA4_SNAPSHOT = "reportinghub"


def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def ga4_report(*, property_id: str, dimensions: Sequence[str], ranges: Sequence[tuple[date, date]]) -> str | None:
    """The GA4 report closest to a report on `dimensions` for `ranges` (the first two: a period and its comparison)."""
    if not property_id.isdigit():
        return None
    report = next((name for fields, name in _GA4_REPORTS if fields.intersection(dimensions)), _GA4_SNAPSHOT)
    params: list[str] = []
    for index, (start, end) in enumerate(ranges[:2]):
        params += [f"_u.date{index}0={_ymd(start)}", f"_u.date{index}1={_ymd(end)}"]
    query = {"params": "&".join(params)} if params else {}
    path = f"#/p{property_id}/reports/explorer" if report != _GA4_SNAPSHOT else f"#/p{property_id}/reports/{report}"
    arguments = urlencode({**query, "r": report} if report != _GA4_SNAPSHOT else query, quote_via=quote)
    return f"{GA4_HOME}{path}" + (f"?{arguments}" if arguments else "")


def ga4_realtime(*, property_id: str) -> str | None:
    return f"{GA4_HOME}#/p{property_id}/realtime/overview" if property_id.isdigit() else None


def search_console_performance(
    *,
    site_url: str,
    ranges: Sequence[tuple[date, date]],
    breakdown: str | None = None,
    page_filter: tuple[str, str] | None = None,
    query_filter: tuple[str, str] | None = None,
) -> str:
    """The Performance report of `site_url`; a filter is (operator, expression), kept only when the report can show
    it (`contains` and `equals`)."""
    params: dict[str, str] = {"resource_id": site_url}
    if ranges:
        start, end = ranges[0]
        params.update(start_date=_ymd(start), end_date=_ymd(end))
        if len(ranges) > 1:
            before_start, before_end = ranges[1]
            params.update(compare_start_date=_ymd(before_start), compare_end_date=_ymd(before_end))
    if breakdown in ("query", "page", "country", "device", "date"):
        params["breakdown"] = breakdown
    for name, given in (("page", page_filter), ("query", query_filter)):
        if given is not None:
            operator, expression = given
            prefix = {"contains": "*", "equals": "!"}.get(operator)
            if prefix is not None and expression:
                params[name] = prefix + expression
    return f"{SEARCH_CONSOLE_HOME}performance/search-analytics?{urlencode(params, quote_via=quote)}"


def search_console_inspection(*, site_url: str, url: str) -> str:
    return f"{SEARCH_CONSOLE_HOME}inspect?{urlencode({'resource_id': site_url, 'id': url}, quote_via=quote)}"


def search_console_sitemaps(*, site_url: str) -> str:
    return f"{SEARCH_CONSOLE_HOME}sitemaps?{urlencode({'resource_id': site_url}, quote_via=quote)}"
