"""A thin async wrapper over google-api-python-client's Search Console service (static discovery document).

The discovery client is synchronous and httplib2 is not thread-safe, so every call runs in `GoogleRuntime`'s
threads with its own authorized HTTP object. Search Analytics pages with `startRow` when more rows are wanted.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from google.auth import exceptions as auth_exceptions
from google.auth.credentials import Credentials
from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass

from tools.google.errors import (
    GoogleApiError,
    GoogleAuthExpired,
    GoogleBadRequest,
    GoogleUnavailable,
    error_for_status,
)
from tools.google.runtime import GoogleRuntime

if TYPE_CHECKING:
    import google_auth_httplib2

T = TypeVar("T")

GscDimension = Literal["query", "page", "country", "device", "date", "searchAppearance"]
GscOperator = Literal["equals", "notEquals", "contains", "notContains", "includingRegex", "excludingRegex"]
GscSearchType = Literal["web", "image", "video", "news", "discover", "googleNews"]
MAX_ROW_LIMIT = 25_000  # the API's largest page


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class GscFilter(_Wire):
    dimension: Literal["query", "page", "country", "device", "searchAppearance"]
    operator: GscOperator = "equals"
    expression: str


class GscFilterGroup(_Wire):
    group_type: Literal["and"] = Field(default="and", alias="groupType")
    filters: list[GscFilter]


class GscQuery(_Wire):
    """A searchAnalytics.query body."""

    start_date: date = Field(alias="startDate")
    end_date: date = Field(alias="endDate")
    dimensions: list[GscDimension] = Field(default_factory=list)
    dimension_filter_groups: list[GscFilterGroup] = Field(default_factory=list, alias="dimensionFilterGroups")
    search_type: GscSearchType = Field(default="web", alias="type")
    row_limit: int = Field(default=1000, ge=1, le=MAX_ROW_LIMIT, alias="rowLimit")
    start_row: int = Field(default=0, ge=0, alias="startRow")
    data_state: Literal["final", "all"] = Field(default="all", alias="dataState")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=False)


@dataclass(frozen=True, slots=True, config=ConfigDict(extra="ignore"))
class GscRow:
    """One row of a searchAnalytics answer.

    A slotted, frozen dataclass rather than a model: answers run to thousands of rows (5,000 for the digest's clicks
    by date and query), each validated on the event loop, and a model row is four objects the garbage collector
    tracks (the model, its `__dict__`, its fields-set set, the keys list) where this is one (a tuple of strings is
    not tracked once collected). Validation takes half the time, and the collector's pauses while digests are in
    flight (which acks wait behind) walk fewer objects.
    """

    keys: tuple[str, ...] = ()
    clicks: float = 0.0
    impressions: float = 0.0
    ctr: float = 0.0
    position: float = 0.0  # Discover and Google News report none: 0 then


class GscQueryResponse(_Wire):
    rows: list[GscRow] = Field(default_factory=list)
    response_aggregation_type: str | None = Field(default=None, alias="responseAggregationType")
    first_incomplete_date: date | None = None


class IndexStatus(_Wire):
    verdict: str = "VERDICT_UNSPECIFIED"
    coverage_state: str | None = Field(default=None, alias="coverageState")
    robots_txt_state: str | None = Field(default=None, alias="robotsTxtState")
    indexing_state: str | None = Field(default=None, alias="indexingState")
    last_crawl_time: str | None = Field(default=None, alias="lastCrawlTime")
    page_fetch_state: str | None = Field(default=None, alias="pageFetchState")
    google_canonical: str | None = Field(default=None, alias="googleCanonical")
    user_canonical: str | None = Field(default=None, alias="userCanonical")
    crawled_as: str | None = Field(default=None, alias="crawledAs")
    sitemap: list[str] = Field(default_factory=list)
    referring_urls: list[str] = Field(default_factory=list, alias="referringUrls")


class UrlInspection(_Wire):
    inspection_result_link: str | None = Field(default=None, alias="inspectionResultLink")
    index_status: IndexStatus = Field(default_factory=IndexStatus, alias="indexStatusResult")
    mobile_usability_verdict: str | None = None


class SitemapContent(_Wire):
    type: str = "web"
    submitted: int = 0


class Sitemap(_Wire):
    """One entry of sitemaps.list (`WmxSitemap`); int64 counts arrive as strings and are read as numbers."""

    path: str
    type: str | None = None
    last_submitted: str | None = Field(default=None, alias="lastSubmitted")
    last_downloaded: str | None = Field(default=None, alias="lastDownloaded")
    is_pending: bool = Field(default=False, alias="isPending")
    is_sitemaps_index: bool = Field(default=False, alias="isSitemapsIndex")
    warnings: int = 0
    errors: int = 0
    contents: list[SitemapContent] = Field(default_factory=list)


def read_sitemaps(raw: dict[str, Any]) -> list[Sitemap]:
    """A sitemaps.list answer (`{"sitemap": [...]}`, no key at all when the site has none)."""
    return [Sitemap.model_validate(entry) for entry in raw.get("sitemap") or []]


class GscApi(Protocol):
    """What the tools need from Search Console; `GscClient` is the real one."""

    async def search_analytics(
        self, site_url: str, query: GscQuery, *, max_rows: int | None = None
    ) -> GscQueryResponse: ...

    async def inspect_url(self, site_url: str, url: str) -> UrlInspection: ...

    async def list_sitemaps(self, site_url: str) -> list[Sitemap]: ...


async def paged_search_analytics(
    query: GscQuery, *, max_rows: int | None, fetch: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
) -> GscQueryResponse:
    """Run `query` through `fetch` (one searchAnalytics.query body in, its JSON answer out), a page at a time until
    `max_rows` (default: the query's rowLimit) rows or the last page; shared by every `GscApi`."""
    wanted = max_rows if max_rows is not None else query.row_limit
    page_size = min(query.row_limit, wanted, MAX_ROW_LIMIT)
    start = query.start_row
    rows: list[GscRow] = []
    merged: GscQueryResponse | None = None
    while len(rows) < wanted:
        raw = await fetch(query.model_copy(update={"row_limit": page_size, "start_row": start}).body())
        page = GscQueryResponse.model_validate(raw)
        metadata = raw.get("metadata") or {}
        if merged is None:
            merged = page
        if metadata.get("firstIncompleteDate"):
            merged.first_incomplete_date = date.fromisoformat(str(metadata["firstIncompleteDate"]))
        rows.extend(page.rows)
        if len(page.rows) < page_size:
            break
        start += len(page.rows)
    assert merged is not None
    merged.rows = rows[:wanted]
    return merged


def read_inspection(raw: dict[str, Any]) -> UrlInspection:
    """An `index:inspect` answer as a `UrlInspection`."""
    result = raw.get("inspectionResult") or {}
    inspection = UrlInspection.model_validate(result)
    inspection.mobile_usability_verdict = (result.get("mobileUsabilityResult") or {}).get("verdict")
    return inspection


def translate_gsc_error(error: Exception, *, resource: str = "") -> GoogleApiError:
    # The client's first call imported these already; importing them at module level would load
    # google-api-python-client and httplib2 in every process that only needs `GscQuery`.
    import httplib2
    from googleapiclient.errors import HttpError

    if isinstance(error, GoogleApiError):
        return error
    if isinstance(error, auth_exceptions.RefreshError):
        return GoogleAuthExpired("Google refused to refresh the access token.", status=401, resource=resource)
    if isinstance(error, HttpError):
        status = int(error.resp.status)
        message = str(error.reason)
        other = GoogleUnavailable if status >= 500 else GoogleBadRequest
        return error_for_status(status, message, resource=resource, other=other)
    if isinstance(error, httplib2.HttpLib2Error | auth_exceptions.TransportError | OSError):
        return GoogleUnavailable(f"Could not reach Google: {type(error).__name__}", resource=resource)
    raise error


@functools.cache
def _shared_service(api_url: str) -> Any:
    """The Search Console service object for `api_url`, built once per process and shared by every workspace.

    Building one parses the discovery document (about 2,000 dicts and lists) and was done per client, that is per
    digest, alert check or answer: at 1,000 digests a minute those objects were a large part of what the garbage
    collector walked while acks waited. The service holds no credentials: every request is executed with the
    caller's own authorized HTTP object (`execute(http=...)`, as google-api-python-client's thread-safety guide
    does), so one workspace's requests never carry another's token. The `Http` it is built with is never used.
    (Two threads asking at once for the first time may both build one; the cache keeps one of them.)
    """
    import httplib2
    from googleapiclient.discovery import build

    return build(
        "searchconsole",
        "v1",
        http=httplib2.Http(),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": api_url},
    )


class GscClient:
    """Search Console API for one set of credentials.

    `api_url` is `SEARCH_CONSOLE_API_URL` (e.g. `https://searchconsole.googleapis.com` or a fake's loopback URL);
    the discovery document's paths (`webmasters/v3/...`, `v1/urlInspection/...`) are resolved against it.
    """

    def __init__(self, *, credentials: Credentials, api_url: str, runtime: GoogleRuntime | None = None) -> None:
        self._credentials = credentials
        self._api_url = api_url.rstrip("/") + "/"
        self._runtime = runtime or GoogleRuntime()
        self._timeout = self._runtime.timeout  # the socket gives up with the call, freeing the worker thread

    def _service_and_http(self) -> tuple[Any, google_auth_httplib2.AuthorizedHttp]:
        import google_auth_httplib2
        import httplib2

        http = google_auth_httplib2.AuthorizedHttp(self._credentials, http=httplib2.Http(timeout=self._timeout))
        return _shared_service(self._api_url), http

    async def _call(self, site_url: str, fn: Callable[[], T]) -> T:
        return await self._runtime.call(
            site_url, fn, translate=lambda e: translate_gsc_error(e, resource=site_url), api="search_console"
        )

    async def search_analytics(
        self, site_url: str, query: GscQuery, *, max_rows: int | None = None
    ) -> GscQueryResponse:
        """One query; with `max_rows` above the page size, further pages are fetched with `startRow`."""

        async def fetch(body: dict[str, Any]) -> dict[str, Any]:
            def execute() -> dict[str, Any]:
                service, http = self._service_and_http()
                result: dict[str, Any] = service.searchanalytics().query(siteUrl=site_url, body=body).execute(http=http)
                return result

            return await self._call(site_url, execute)

        return await paged_search_analytics(query, max_rows=max_rows, fetch=fetch)

    async def inspect_url(self, site_url: str, url: str) -> UrlInspection:
        def execute() -> dict[str, Any]:
            service, http = self._service_and_http()
            body = {"inspectionUrl": url, "siteUrl": site_url}
            result: dict[str, Any] = service.urlInspection().index().inspect(body=body).execute(http=http)
            return result

        return read_inspection(await self._call(site_url, execute))

    async def list_sitemaps(self, site_url: str) -> list[Sitemap]:
        def execute() -> dict[str, Any]:
            service, http = self._service_and_http()
            result: dict[str, Any] = service.sitemaps().list(siteUrl=site_url).execute(http=http)
            return result

        return read_sitemaps(await self._call(site_url, execute))
