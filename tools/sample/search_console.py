"""The Search Console API's wire formats (searchAnalytics.query, urlInspection.index.inspect, sitemaps.list),
answered from a `PropertyDataset`.

Pure functions from a decoded request to a JSON-ready response, raising `ApiError` with Google's error envelope
where Google refuses the request. The rules each search type has are Google's: Discover and Google News report no
queries and no average position (asking for the `query` dimension, or filtering on it, is an error); grouping by
`searchAppearance` allows no other dimension in the same request (Google's "two-step process": list the
appearances, then filter on one and group by anything else). The error *texts* are ours; status and shape are
Google's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from tools.sample.dataset import GscRankings, PropertyDataset
from tools.sample.wire import ApiError, Json

GSC_DIMENSIONS = ("date", "query", "page", "country", "device", "searchAppearance")
GSC_OPERATORS = ("equals", "notEquals", "contains", "notContains", "includingRegex", "excludingRegex")
SEARCH_TYPES = ("web", "image", "video", "news", "discover", "googleNews")
NO_QUERY_TYPES = ("discover", "googleNews")  # no query dimension, no position
_AXIS = {"date": 0, "query": 1, "page": 1, "country": 2, "device": 3}

FloatArray = npt.NDArray[np.float64]


def _matches(operator: str, expression: str, value: str) -> bool:
    if operator == "equals":
        return value == expression
    if operator == "notEquals":
        return value != expression
    if operator == "contains":
        return expression.lower() in value.lower()
    if operator == "notContains":
        return expression.lower() not in value.lower()
    if operator == "includingRegex":
        return re.search(expression, value) is not None
    return re.search(expression, value) is None


def _search_type(body: Json) -> str:
    raw = str(body.get("type") or body.get("searchType") or "web")
    for known in SEARCH_TYPES:
        if raw.lower() == known.lower():
            return known
    raise ApiError(400, f"Invalid value at 'type': {raw}. Allowed: {', '.join(SEARCH_TYPES)}.")


def _filters(body: Json) -> list[tuple[str, str, str]]:
    found = []
    for group in body.get("dimensionFilterGroups", []):
        if str(group.get("groupType", "and")).lower() != "and":
            raise ApiError(400, "Only groupType 'and' is supported.")
        for spec in group.get("filters", []):
            name, operator = str(spec.get("dimension", "")), str(spec.get("operator", "equals"))
            if name not in _AXIS and name != "searchAppearance":
                raise ApiError(400, f"Invalid filter dimension: {name}.")
            if operator not in GSC_OPERATORS:
                raise ApiError(400, f"Invalid filter operator: {operator}.")
            found.append((name, operator, str(spec.get("expression", ""))))
    return found


def _check_rules(search_type: str, dimensions: Sequence[str], filters: Sequence[tuple[str, str, str]]) -> None:
    if "searchAppearance" in dimensions and len(dimensions) > 1:
        raise ApiError(
            400,
            "searchAppearance cannot be grouped with other dimensions in one request: group by searchAppearance "
            "alone, then filter on one appearance and group by the other dimensions.",
        )
    if search_type in NO_QUERY_TYPES and ("query" in dimensions or any(f[0] == "query" for f in filters)):
        raise ApiError(400, f"The query dimension is not supported for search type {search_type}.")


class _Labels:
    def __init__(self, dataset: PropertyDataset, rankings: GscRankings) -> None:
        self.dataset, self.rankings = dataset, rankings

    def __call__(self, name: str, index: Mapping[int, int]) -> str:
        if name == "date":
            return self.rankings.cube.days[index[0]].isoformat()
        if name == "query":
            return self.rankings.queries[index[1]]
        if name == "page":
            return self.dataset.page_url(self.rankings.pages[index[1]])
        if name == "country":
            return self.dataset.catalog.countries[index[2]][2]
        return self.dataset.catalog.gsc_devices[index[3]]


def _appearance_share(dataset: PropertyDataset, pages: Sequence[str], pick: Callable[[str], bool]) -> FloatArray:
    """Per ranking, the share of its impressions shown with an appearance `pick` accepts."""
    return np.array([sum(share for name, share in dataset.search_appearances(page) if pick(name)) for page in pages])


@dataclass(frozen=True)
class _Query:
    """A searchAnalytics.query body, validated."""

    start: date
    end: date
    dimensions: list[str]
    row_limit: int
    start_row: int
    search_type: str
    filters: list[tuple[str, str, str]]
    data_state: str


def _query(body: Json) -> _Query:
    """Reject what Search Console rejects: bad dates, unknown dimensions, a row limit out of range, broken rules."""
    try:
        start = date.fromisoformat(str(body.get("startDate", "")))
        end = date.fromisoformat(str(body.get("endDate", "")))
    except ValueError:
        raise ApiError(400, "startDate and endDate must be YYYY-MM-DD.") from None
    if end < start:
        raise ApiError(400, "startDate must be earlier than or equal to endDate.")
    dimensions = [str(d) for d in body.get("dimensions", [])]
    for name in dimensions:
        if name not in GSC_DIMENSIONS:
            raise ApiError(400, f"Invalid dimension: {name}. Allowed: {', '.join(GSC_DIMENSIONS)}.")
    row_limit = int(body.get("rowLimit", 1000) or 1000)
    if not 1 <= row_limit <= 25000:
        raise ApiError(400, "rowLimit must be between 1 and 25000.")
    start_row = int(body.get("startRow", 0) or 0)
    search_type = _search_type(body)
    filters = _filters(body)
    _check_rules(search_type, dimensions, filters)
    return _Query(
        start=start,
        end=end,
        dimensions=dimensions,
        row_limit=row_limit,
        start_row=start_row,
        search_type=search_type,
        filters=filters,
        data_state=str(body.get("dataState", "final")).lower(),
    )


def search_analytics_json(dataset: PropertyDataset, body: Json) -> Json:
    """`POST /webmasters/v3/sites/{site}/searchAnalytics/query`."""
    query = _query(body)
    dimensions, search_type = query.dimensions, query.search_type
    page_level = "page" in dimensions or any(name == "page" for name, _, _ in query.filters)
    response: Json = {"responseAggregationType": "byPage" if page_level else "byProperty"}
    if search_type not in ("web", "discover"):
        return response  # the sample site has no image, video or news results

    rankings = dataset.gsc_rankings()
    labels = _Labels(dataset, rankings)
    days = rankings.cube.days
    last_complete = dataset.gsc_first_incomplete_date - timedelta(days=1)
    last_allowed = days[-1] if query.data_state in ("all", "hourly_all") else last_complete
    first = max(0, (query.start - days[0]).days)
    last = min((min(query.end, last_allowed) - days[0]).days, len(days) - 1)
    if last < first:
        return response
    values = _filtered_values(dataset, query, rankings=rankings, labels=labels, first=first, last=last)
    if dimensions == ["searchAppearance"]:
        groups = _by_appearance(dataset, rankings, values)
    else:
        groups = _grouped(dimensions, values, labels, first)
    items = [(key, sums) for key, sums in groups.items() if sums[1] > 0]
    if "date" in dimensions:
        items.sort(key=lambda kv: kv[0])
    else:
        items.sort(key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    rows = []
    for key, (clicks, impressions, position_sum) in items[query.start_row : query.start_row + query.row_limit]:
        row: Json = {"keys": list(key), "clicks": clicks, "impressions": impressions, "ctr": clicks / impressions}
        if search_type not in NO_QUERY_TYPES:
            row["position"] = position_sum / 100.0 / impressions
        rows.append(row)
    if rows:
        response["rows"] = rows
    incomplete = dataset.gsc_first_incomplete_date
    fresh = query.data_state in ("all", "hourly_all") and "date" in dimensions
    if fresh and query.start <= days[-1] and query.end >= incomplete:
        response["metadata"] = {"firstIncompleteDate": incomplete.isoformat()}
    return response


def _filtered_values(
    dataset: PropertyDataset, query: _Query, *, rankings: GscRankings, labels: _Labels, first: int, last: int
) -> dict[str, FloatArray]:
    """The rankings' cells from day `first` to `last`, scaled for Discover and appearance filters, zero where the
    other filters do not match."""
    values = {name: atoms[first : last + 1].astype(np.float64) for name, atoms in rankings.cube.atoms.items()}
    shape = values["clicks"].shape

    def scale(weights: FloatArray) -> None:
        """Keep `weights` (per ranking) of every cell, rounded down as counts are."""
        for name in ("clicks", "impressions"):
            values[name] = np.floor(values[name] * weights[None, :, None, None])
        values["positionSum"] = values["positionSum"] * weights[None, :, None, None]

    if query.search_type == "discover":
        scale(np.array([dataset.discover_share(page) for page in rankings.pages]))
    mask = np.ones(shape, dtype=bool)
    for name, operator, expression in query.filters:
        if name == "searchAppearance":
            pick = functools.partial(_matches, operator, expression)
            scale(_appearance_share(dataset, rankings.pages, pick))
            continue
        axis = _AXIS[name]
        expression = expression.upper() if name == "device" else expression.lower() if name == "country" else expression
        size = shape[axis]
        offset = first if axis == 0 else 0
        hits = np.array([_matches(operator, expression, labels(name, {axis: i + offset})) for i in range(size)])
        view = [1, 1, 1, 1]
        view[axis] = size
        mask &= np.broadcast_to(hits.reshape(view), shape)
    for name in values:
        values[name] = np.where(mask, values[name], 0.0)
    return values


def _grouped(
    dimensions: Sequence[str], values: Mapping[str, FloatArray], labels: _Labels, first: int
) -> dict[tuple[str, ...], list[float]]:
    axes = sorted({_AXIS[d] for d in dimensions})
    drop = tuple(a for a in range(4) if a not in axes)
    reduced = {name: array.sum(axis=drop) for name, array in values.items()}
    groups: dict[tuple[str, ...], list[float]] = {}
    for position in np.ndindex(*reduced["clicks"].shape):
        index = dict(zip(axes, position, strict=True))
        if 0 in index:
            index[0] += first
        bucket = groups.setdefault(tuple(labels(d, index) for d in dimensions), [0.0, 0.0, 0.0])
        bucket[0] += float(reduced["clicks"][position])
        bucket[1] += float(reduced["impressions"][position])
        bucket[2] += float(reduced["positionSum"][position])
    return groups


def _by_appearance(
    dataset: PropertyDataset, rankings: GscRankings, values: Mapping[str, FloatArray]
) -> dict[tuple[str, ...], list[float]]:
    names = sorted({name for page in set(rankings.pages) for name, _ in dataset.search_appearances(page)})
    groups: dict[tuple[str, ...], list[float]] = {}
    for appearance in names:
        # Per cell, as a filter on the appearance counts, so step one and step two agree.
        share = _appearance_share(dataset, rankings.pages, appearance.__eq__)[None, :, None, None]
        groups[(appearance,)] = [
            float(np.floor(values["clicks"] * share).sum()),
            float(np.floor(values["impressions"] * share).sum()),
            float((values["positionSum"] * share).sum()),
        ]
    return groups


def sitemaps_json(dataset: PropertyDataset) -> Json:
    """`GET /webmasters/v3/sites/{site}/sitemaps` (sitemaps.list): int64 counts are strings on the wire."""
    entries = []
    for sitemap in dataset.sitemaps:
        downloaded = dataset.now - timedelta(days=sitemap.days_since_download, hours=3)
        entries.append(
            {
                "path": dataset.page_url(sitemap.path),
                "lastSubmitted": f"{(downloaded - timedelta(days=30)).isoformat(timespec='seconds')}Z",
                "isPending": sitemap.is_pending,
                "isSitemapsIndex": sitemap.is_index,
                "type": "sitemap",
                "lastDownloaded": f"{downloaded.isoformat(timespec='seconds')}Z",
                "warnings": str(sitemap.warnings),
                "errors": str(sitemap.errors),
                "contents": [{"type": "web", "submitted": str(sitemap.submitted), "indexed": "0"}],
            }
        )
    return {"sitemap": entries} if entries else {}


def url_inspection_json(dataset: PropertyDataset, body: Json) -> Json:
    """`POST /v1/urlInspection/index:inspect`."""
    url = str(body.get("inspectionUrl", ""))
    site = str(body.get("siteUrl", ""))
    root = dataset.page_url("/")
    if not url.startswith(root.rstrip("/")):
        raise ApiError(400, f"URL '{url}' does not belong to Search Console property '{site}'.")
    path = "/" + url[len(root.rstrip("/")) :].lstrip("/")
    crawl_day = dataset.today - timedelta(days=3 + len(path) % 5)
    link = f"https://search.google.com/search-console/inspect?resource_id={site}&id={url}"
    if path not in dataset.pages:
        status: Json = {
            "verdict": "NEUTRAL",
            "coverageState": "URL is unknown to Google",
            "robotsTxtState": "ROBOTS_TXT_STATE_UNSPECIFIED",
            "indexingState": "INDEXING_STATE_UNSPECIFIED",
            "pageFetchState": "PAGE_FETCH_STATE_UNSPECIFIED",
        }
    else:
        known = dataset.index_statuses.get(path)
        verdict = known.verdict if known else "PASS"
        status = {
            "verdict": verdict,
            "coverageState": known.coverage_state if known else "Submitted and indexed",
            "robotsTxtState": known.robots_txt_state if known else "ALLOWED",
            "indexingState": known.indexing_state if known else "INDEXING_ALLOWED",
            "lastCrawlTime": f"{crawl_day.isoformat()}T06:14:09Z",
            "pageFetchState": known.page_fetch_state if known else "SUCCESSFUL",
            "googleCanonical": url,
            "userCanonical": url,
            "sitemap": [dataset.page_url("/sitemap.xml")],
            "referringUrls": [dataset.page_url("/blog/")],
            "crawledAs": "MOBILE",
        }
    return {
        "inspectionResult": {
            "inspectionResultLink": link,
            "indexStatusResult": status,
            "mobileUsabilityResult": {"verdict": "PASS"}
            if path in dataset.pages
            else {"verdict": "VERDICT_UNSPECIFIED"},
        }
    }
