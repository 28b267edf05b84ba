"""GA4 and Search Console clients that answer from a sample property in process: no credentials, no network, no port.

They implement the same `Ga4Api` / `GscApi` protocols as the real clients and take the SDK's own request objects,
serialise them exactly as the REST transport would, and answer through `tools.sample.wire`, the report engine the
loopback fakes serve too. So every tool, the digest and the alert check run unchanged on sample data, and a request
Google would reject (an unknown metric, bad dates) fails here with the same typed error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from google.analytics.data_v1alpha.types import RunFunnelReportRequest, RunFunnelReportResponse
from google.analytics.data_v1beta.types import (
    CheckCompatibilityRequest,
    CheckCompatibilityResponse,
    Metadata,
    RunRealtimeReportRequest,
    RunRealtimeReportResponse,
    RunReportRequest,
    RunReportResponse,
)

from tools.google.errors import GoogleAccessDenied, GoogleUnavailable, error_for_status
from tools.google.ga4 import property_name
from tools.google.gsc import (
    GscQuery,
    GscQueryResponse,
    Sitemap,
    UrlInspection,
    paged_search_analytics,
    read_inspection,
    read_sitemaps,
)
from tools.google.runtime import QuotaStatus
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

T = TypeVar("T")
DatasetSource = Callable[[], PropertyDataset]
"""The dataset to answer from, asked on every call (a source that follows the clock may rebuild it)."""


async def _answer(resource: str, compute: Callable[[], T]) -> T:
    """Run the engine off the event loop (it is numpy work on a cube of months of data) and type its refusals."""
    try:
        return await asyncio.to_thread(compute)
    except ApiError as error:
        raise error_for_status(error.status, error.message, resource=resource, other=GoogleUnavailable) from None


Answer = TypeVar("Answer", RunReportResponse, RunRealtimeReportResponse, Metadata, CheckCompatibilityResponse)


def _read(kind: type[Answer], answer: Json) -> Answer:
    """An engine answer as the SDK's response type, parsed as the REST transport parses Google's JSON."""
    message: Answer = kind.from_json(json.dumps(answer), ignore_unknown_fields=True)
    return message


def _wire(message: Any) -> Json:
    """A proto-plus request as the REST transport puts it on the wire (camelCase keys, enums as integers)."""
    loaded: Json = json.loads(type(message).to_json(message, indent=None))
    return loaded


class SampleGa4:
    """`Ga4Api` for one sample property id."""

    def __init__(self, *, dataset: DatasetSource, property_id: str) -> None:
        self._dataset = dataset
        self._resource = property_name(property_id)

    def _check(self, property_id: str) -> str:
        resource = property_name(property_id)
        if resource != self._resource:
            # As Google answers for a property the account cannot see.
            raise GoogleAccessDenied(
                "User does not have sufficient permissions for this property.", status=403, resource=resource
            )
        return resource

    async def run_report(self, request: RunReportRequest) -> RunReportResponse:
        resource = self._check(request.property)
        body = _wire(request)
        answer = await _answer(resource, lambda: run_report_json(self._dataset(), body, property_quota=None))
        return _read(RunReportResponse, answer)

    async def batch_run_reports(
        self, property_id: str, requests: Sequence[RunReportRequest]
    ) -> list[RunReportResponse]:
        resource = self._check(property_id)
        bodies = [_wire(request) for request in requests]

        def compute() -> list[Json]:
            dataset = self._dataset()
            return [run_report_json(dataset, body, property_quota=None) for body in bodies]

        answers = await _answer(resource, compute)
        return [_read(RunReportResponse, answer) for answer in answers]

    async def run_realtime_report(self, request: RunRealtimeReportRequest) -> RunRealtimeReportResponse:
        resource = self._check(request.property)
        body = _wire(request)
        answer = await _answer(resource, lambda: realtime_json(self._dataset(), body, property_quota=None))
        return _read(RunRealtimeReportResponse, answer)

    async def get_metadata(self, property_id: str) -> Metadata:
        resource = self._check(property_id)
        answer = metadata_json(resource.removeprefix("properties/"))
        return _read(Metadata, answer)

    async def check_compatibility(self, request: CheckCompatibilityRequest) -> CheckCompatibilityResponse:
        resource = self._check(request.property)
        body = _wire(request)
        answer = await _answer(resource, lambda: check_compatibility_json(body))
        return _read(CheckCompatibilityResponse, answer)

    async def run_funnel_report(self, request: RunFunnelReportRequest) -> RunFunnelReportResponse:
        resource = self._check(request.property)
        body = _wire(request)
        answer = await _answer(resource, lambda: funnel_json(self._dataset(), body, property_quota=None))
        message: RunFunnelReportResponse = RunFunnelReportResponse.from_json(
            json.dumps(answer), ignore_unknown_fields=True
        )
        return message

    def quota_status(self, property_id: str) -> QuotaStatus | None:
        del property_id
        return None  # sample data has no quota to run low on


class SampleGsc:
    """`GscApi` for one sample Search Console site."""

    def __init__(self, *, dataset: DatasetSource, site_url: str) -> None:
        self._dataset = dataset
        self._site_url = site_url

    def _check(self, site_url: str) -> None:
        if site_url != self._site_url:
            raise GoogleAccessDenied(
                f"User does not have sufficient permission for site '{site_url}'.", status=403, resource=site_url
            )

    async def search_analytics(
        self, site_url: str, query: GscQuery, *, max_rows: int | None = None
    ) -> GscQueryResponse:
        self._check(site_url)

        async def fetch(body: dict[str, Any]) -> dict[str, Any]:
            return await _answer(site_url, lambda: search_analytics_json(self._dataset(), body))

        return await paged_search_analytics(query, max_rows=max_rows, fetch=fetch)

    async def inspect_url(self, site_url: str, url: str) -> UrlInspection:
        self._check(site_url)
        body = {"inspectionUrl": url, "siteUrl": site_url}
        return read_inspection(await _answer(site_url, lambda: url_inspection_json(self._dataset(), body)))

    async def list_sitemaps(self, site_url: str) -> list[Sitemap]:
        self._check(site_url)
        return read_sitemaps(await _answer(site_url, lambda: sitemaps_json(self._dataset())))
