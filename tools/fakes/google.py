"""One loopback aiohttp server for every Google API Lookout calls, used by tests and benchmarks alike.

It serves the GA4 Data API v1beta (and v1alpha runFunnelReport), the Admin API's reportingDataAnnotations.list, and Search Console (searchAnalytics.query, urlInspection with its quota,
sitemaps.list) from `PropertyDataset`s
in their real REST wire formats (see `tools.sample.wire`), records every request, can add latency, inject
errors for the next N requests of a route, simulates GA4 property token quotas, and tracks peak concurrent requests
per property or site. Access control is pluggable: by default any `Bearer` token sees everything; the OAuth fake
(`tools.fakes.google_auth.FakeGoogleAuth`) plugs in as `auth=` and adds its own routes (token, revoke, Admin API,
sites.list) on the same server.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote

from aiohttp import web

from tools.fakes.loopback import LoopbackServer
from tools.sample.annotations import list_annotations_json
from tools.sample.dataset import PropertyDataset
from tools.sample.funnel import funnel_json
from tools.sample.search_console import search_analytics_json, sitemaps_json, url_inspection_json
from tools.sample.wire import (
    ApiError,
    Json,
    check_compatibility_json,
    metadata_json,
    realtime_json,
    run_report_json,
)

ROUTES = (
    "runReport",
    "batchRunReports",
    "runRealtimeReport",
    "getMetadata",
    "checkCompatibility",
    "searchAnalytics.query",
    "urlInspection.index.inspect",
    "sitemaps.list",
    "runFunnelReport",
    "reportingDataAnnotations.list",
)
_GA4_POST = re.compile(r"^/v1beta/properties/(?P<id>[^/:]+):(?P<method>[A-Za-z]+)$")
_GA4_ALPHA_POST = re.compile(r"^/v1alpha/properties/(?P<id>[^/:]+):runFunnelReport$")
_ANNOTATIONS = re.compile(r"^/v1alpha/properties/(?P<id>[^/:]+)/reportingDataAnnotations$")
_GA4_METADATA = re.compile(r"^/v1beta/properties/(?P<id>[^/:]+)/metadata$")
_GSC_QUERY = re.compile(r"^/webmasters/v3/sites/(?P<site>[^/]+)/searchAnalytics/query$")
_INSPECT = "/v1/urlInspection/index:inspect"
_SITEMAPS = re.compile(r"^/webmasters/v3/sites/(?P<site>[^/]+)/sitemaps$")


class GoogleAuthorizer(Protocol):
    """Who may read what. `FakeGoogleAuth` implements this; raising an aiohttp HTTP error refuses the request."""

    def add_routes(self, app: web.Application) -> None: ...

    def authorize_property(self, request: web.Request, property_id: str) -> object: ...

    def authorize_site(self, request: web.Request, site_url: str) -> object: ...


def _error_response(status: int, message: str) -> web.Response:
    return web.json_response(ApiError(status, message).body(), status=status)


class AnyBearerToken:
    """The default authorizer: any `Authorization: Bearer …` header may read every property and site."""

    def add_routes(self, app: web.Application) -> None:
        del app

    def authorize_property(self, request: web.Request, property_id: str) -> object:
        del property_id
        return self._bearer(request)

    def authorize_site(self, request: web.Request, site_url: str) -> object:
        del site_url
        return self._bearer(request)

    @staticmethod
    def _bearer(request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header.removeprefix("Bearer ").strip():
            raise web.HTTPUnauthorized(
                text=json.dumps(
                    ApiError(
                        401, "Request is missing required authentication credential. Expected OAuth 2 access token."
                    ).body()
                ),
                content_type="application/json",
            )
        return header.removeprefix("Bearer ").strip()


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received: which API method, for which property/site, and its JSON body."""

    route: str
    method: str
    path: str
    resource: str  # "properties/123" or the Search Console site URL
    body: Json
    at: float


@dataclass
class PropertyQuota:
    """GA4's per-property token buckets, as `propertyQuota` reports them (standard property limits)."""

    tokens_per_day: int = 200_000
    tokens_per_hour: int = 40_000
    tokens_per_project_per_hour: int = 14_000
    consumed_day: int = 0
    consumed_hour: int = 0
    cost: int = 10  # tokens a report consumes here

    def spend(self) -> None:
        self.consumed_day += self.cost
        self.consumed_hour += self.cost

    @property
    def exhausted(self) -> bool:
        return self.consumed_hour >= self.tokens_per_hour or self.consumed_day >= self.tokens_per_day

    def to_json(self, *, concurrent: int) -> Json:
        return {
            "tokensPerDay": {"consumed": self.cost, "remaining": max(0, self.tokens_per_day - self.consumed_day)},
            "tokensPerHour": {"consumed": self.cost, "remaining": max(0, self.tokens_per_hour - self.consumed_hour)},
            "concurrentRequests": {"consumed": 0, "remaining": max(0, 10 - concurrent)},
            "serverErrorsPerProjectPerHour": {"consumed": 0, "remaining": 10},
            "potentiallyThresholdedRequestsPerHour": {"consumed": 0, "remaining": 120},
            "tokensPerProjectPerHour": {
                "consumed": self.cost,
                "remaining": max(0, self.tokens_per_project_per_hour - self.consumed_hour),
            },
        }


@dataclass
class InspectionQuota:
    """URL Inspection's per-site quota: 2,000 inspections a day and 600 a minute (Search Console API limits).

    The fake's "day" is its lifetime; the minute is a sliding window.
    """

    per_day: int = 2000
    per_minute: int = 600
    used: list[float] = field(default_factory=list)

    def spend(self, site_url: str) -> None:
        now = time.monotonic()
        recent = sum(1 for moment in self.used if now - moment < 60.0)
        if len(self.used) >= self.per_day or recent >= self.per_minute:
            # Google's answer, as quoted in public bug reports: 429 RESOURCE_EXHAUSTED naming the property.
            raise ApiError(429, f"Quota exceeded for {site_url}.")
        self.used.append(now)


@dataclass
class _Failure:
    status: int
    remaining: int
    message: str


_DEFAULT_MESSAGES = {
    403: "User does not have sufficient permissions for this property.",
    429: "Exhausted concurrent requests quota.",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
}


@dataclass
class FakeGoogle(LoopbackServer):
    """`async with FakeGoogle() as google:`; register data with `add_property` / `add_site`; read `requests`."""

    auth: GoogleAuthorizer = field(default_factory=AnyBearerToken)
    latency: float = 0.0  # seconds added to every data request (benchmarks use 0.15)
    requests: list[RecordedRequest] = field(default_factory=list)
    properties: dict[str, PropertyDataset] = field(default_factory=dict)
    sites: dict[str, PropertyDataset] = field(default_factory=dict)
    quotas: dict[str, PropertyQuota] = field(default_factory=dict)
    inspection_quotas: dict[str, InspectionQuota] = field(default_factory=dict)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _in_flight: Counter[str] = field(default_factory=Counter)
    _peak: Counter[str] = field(default_factory=Counter)
    _peak_total: int = 0  # most data requests in flight at once, whatever their property or site

    # ----- set-up -----
    def add_property(self, property_id: str, dataset: PropertyDataset) -> None:
        self.properties[str(property_id).removeprefix("properties/")] = dataset

    def add_site(self, site_url: str, dataset: PropertyDataset) -> None:
        self.sites[site_url] = dataset

    def add_dataset(self, dataset: PropertyDataset, *, property_id: str, site_url: str | None = None) -> None:
        """The usual case: one site's GA4 property and its Search Console property share a dataset."""
        self.add_property(property_id, dataset)
        self.add_site(site_url or dataset.site_url, dataset)

    def fail_next(self, route: str, *, status: int, times: int = 1, message: str | None = None) -> None:
        """The next `times` requests of `route` (one of ROUTES, or "*") answer `status` with Google's error body."""
        if route != "*" and route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; known: {', '.join(ROUTES)}")
        failure = _Failure(status, times, message or _DEFAULT_MESSAGES.get(status, "Error."))
        self._failures.setdefault(route, []).append(failure)

    def quota(self, property_id: str) -> PropertyQuota:
        return self.quotas.setdefault(property_id, PropertyQuota())

    def inspection_quota(self, site_url: str) -> InspectionQuota:
        return self.inspection_quotas.setdefault(site_url, InspectionQuota())

    # ----- what happened -----
    def calls(self, route: str | None = None, *, resource: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if (route is None or r.route == route) and (resource is None or r.resource == resource)
        ]

    def peak_concurrency(self, resource: str) -> int:
        """Most requests that were in flight at once for `properties/123` or a site URL."""
        return self._peak[resource]

    def peak_total_concurrency(self) -> int:
        """Most data requests that were in flight at once, across every property and site."""
        return self._peak_total

    def reset_log(self) -> None:
        self.requests.clear()
        self._peak.clear()
        self._peak_total = 0

    # ----- lifecycle -----
    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        self.auth.add_routes(app)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    # ----- serving -----
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.rel_url.raw_path
        match = _GA4_POST.match(path)
        if match and request.method == "POST":
            method = match.group("method")
            if method not in ("runReport", "batchRunReports", "runRealtimeReport", "checkCompatibility"):
                return _error_response(404, f"Method {method} is not served by the fake.")
            return await self._serve_property(request, method, match.group("id"))
        match = _GA4_ALPHA_POST.match(path)
        if match and request.method == "POST":
            return await self._serve_property(request, "runFunnelReport", match.group("id"))
        match = _GA4_METADATA.match(path) or _ANNOTATIONS.match(path)
        if match and request.method == "GET":
            route = "getMetadata" if match.re is _GA4_METADATA else "reportingDataAnnotations.list"
            return await self._serve_property(request, route, match.group("id"))
        match = _GSC_QUERY.match(path)
        if match and request.method == "POST":
            return await self._serve_site(request, "searchAnalytics.query", unquote(match.group("site")))
        match = _SITEMAPS.match(path)
        if match and request.method == "GET":
            return await self._serve_site(request, "sitemaps.list", unquote(match.group("site")))
        if path == _INSPECT and request.method == "POST":
            body = await self._json(request)
            return await self._serve_site(request, "urlInspection.index.inspect", str(body.get("siteUrl", "")))
        return _error_response(404, f"No fake Google route for {request.method} {path}.")

    @staticmethod
    async def _json(request: web.Request) -> Json:
        if not request.body_exists:
            return {}
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise web.HTTPBadRequest(
                text=json.dumps(ApiError(400, "Invalid JSON payload received.").body()), content_type="application/json"
            ) from None
        return body if isinstance(body, dict) else {}

    def _take_failure(self, route: str) -> _Failure | None:
        for key in (route, "*"):
            queue = self._failures.get(key, [])
            while queue and queue[0].remaining <= 0:
                queue.pop(0)
            if queue:
                queue[0].remaining -= 1
                return queue[0]
        return None

    async def _serve(
        self, request: web.Request, route: str, resource: str, answer: Callable[[Json], Awaitable[Json]]
    ) -> web.StreamResponse:
        body = await self._json(request)
        self.requests.append(
            RecordedRequest(
                route=route,
                method=request.method,
                path=request.rel_url.raw_path,
                resource=resource,
                body=body,
                at=time.monotonic(),
            )
        )
        self._in_flight[resource] += 1
        self._peak[resource] = max(self._peak[resource], self._in_flight[resource])
        self._peak_total = max(self._peak_total, sum(self._in_flight.values()))
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            failure = self._take_failure(route)
            if failure is not None:
                return _error_response(failure.status, failure.message)
            try:
                return web.json_response(await answer(body))
            except ApiError as error:
                return web.json_response(error.body(), status=error.status)
        finally:
            self._in_flight[resource] -= 1

    async def _serve_property(self, request: web.Request, route: str, property_id: str) -> web.StreamResponse:
        resource = f"properties/{property_id}"
        self.auth.authorize_property(request, property_id)
        dataset = self.properties.get(property_id)
        if dataset is None:
            return _error_response(
                403,
                "User does not have sufficient permissions for this property. To learn more about Property ID, "
                "see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
            )

        async def answer(body: Json) -> Json:
            if route == "getMetadata":
                return metadata_json(property_id)
            if route == "checkCompatibility":
                return check_compatibility_json(body)
            if route == "reportingDataAnnotations.list":
                return list_annotations_json(property_id, dataset.annotations, request.query)
            if route == "batchRunReports":
                requests = body.get("requests", [])
                if not 1 <= len(requests) <= 5:
                    raise ApiError(400, "batchRunReports takes between 1 and 5 requests.")
                reports = [self._report(property_id, dataset, r, realtime=False) for r in requests]
                return {"reports": reports, "kind": "analyticsData#batchRunReports"}
            if route == "runFunnelReport":
                return self._report(property_id, dataset, body, realtime=False, funnel=True)
            return self._report(property_id, dataset, body, realtime=route == "runRealtimeReport")

        return await self._serve(request, route, resource, answer)

    def _report(
        self, property_id: str, dataset: PropertyDataset, body: Json, *, realtime: bool, funnel: bool = False
    ) -> Json:
        quota = self.quota(property_id)
        if quota.exhausted:
            raise ApiError(429, "Exhausted property tokens per hour. Please try again later.")
        quota.spend()
        property_quota: Json | None = None
        if body.get("returnPropertyQuota"):
            property_quota = quota.to_json(concurrent=self._in_flight[f"properties/{property_id}"])
        if funnel:
            return funnel_json(dataset, body, property_quota=property_quota)
        if realtime:
            return realtime_json(dataset, body, property_quota=property_quota)
        return run_report_json(dataset, body, property_quota=property_quota)

    async def _serve_site(self, request: web.Request, route: str, site_url: str) -> web.StreamResponse:
        self.auth.authorize_site(request, site_url)
        dataset = self.sites.get(site_url)
        if dataset is None:
            return _error_response(
                403,
                f"User does not have sufficient permission for site '{site_url}'. "
                "See also: https://support.google.com/webmasters/answer/2451999.",
            )

        async def answer(body: Json) -> Json:
            if route == "searchAnalytics.query":
                return search_analytics_json(dataset, body)
            if route == "sitemaps.list":
                return sitemaps_json(dataset)
            self.inspection_quota(site_url).spend(site_url)
            return url_inspection_json(dataset, body)

        return await self._serve(request, route, site_url, answer)


def report_bodies(google: FakeGoogle, route: str = "runReport") -> list[dict[str, Any]]:
    """The JSON bodies of every request of `route`, batch requests expanded: handy for asserting on the wire."""
    bodies: list[dict[str, Any]] = []
    for recorded in google.calls(route):
        bodies.extend(recorded.body.get("requests", [recorded.body]) if route == "batchRunReports" else [recorded.body])
    return bodies
