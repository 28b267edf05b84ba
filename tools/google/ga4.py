"""A thin async wrapper over google-analytics-data's `BetaAnalyticsDataClient`, spoken over REST.

Calls run in `GoogleRuntime`'s threads with at most 10 in flight per property; 429 and 5xx are retried with
backoff; 400/401/403 become typed errors. Every report asks for `propertyQuota`; when the remaining quota is low,
later calls for that property go one at a time with a pause, and `quota_status()` says so.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta.types import (
    BatchRunReportsRequest,
    CheckCompatibilityRequest,
    CheckCompatibilityResponse,
    GetMetadataRequest,
    Metadata,
    PropertyQuota,
    RunRealtimeReportRequest,
    RunRealtimeReportResponse,
    RunReportRequest,
    RunReportResponse,
)
from google.api_core import exceptions as core_exceptions
from google.api_core.client_options import ClientOptions
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import Credentials

from tools.google.errors import GoogleApiError, GoogleAuthExpired, GoogleUnavailable, error_for_status
from tools.google.runtime import GoogleRuntime, QuotaStatus

if TYPE_CHECKING:
    from google.analytics.data_v1alpha import AlphaAnalyticsDataClient
    from google.analytics.data_v1alpha.types import RunFunnelReportRequest, RunFunnelReportResponse

T = TypeVar("T")
Request = TypeVar("Request", RunReportRequest, RunRealtimeReportRequest)
Response = TypeVar("Response", RunReportResponse, RunRealtimeReportResponse)

LOW_TOKENS_PER_HOUR = 4_000  # 10 % of a standard property's hourly tokens
LOW_TOKENS_PER_DAY = 20_000  # 10 % of a standard property's daily tokens
MAX_BATCH = 5  # batchRunReports takes at most 5 requests


def property_name(property_id: str) -> str:
    """`123` or `properties/123` → `properties/123`."""
    return property_id if property_id.startswith("properties/") else f"properties/{property_id}"


class Ga4Api(Protocol):
    """What the tools need from GA4; `Ga4Client` is the real one."""

    async def run_report(self, request: RunReportRequest) -> RunReportResponse: ...

    async def batch_run_reports(
        self, property_id: str, requests: Sequence[RunReportRequest]
    ) -> list[RunReportResponse]: ...

    async def run_realtime_report(self, request: RunRealtimeReportRequest) -> RunRealtimeReportResponse: ...

    async def get_metadata(self, property_id: str) -> Metadata: ...

    async def check_compatibility(self, request: CheckCompatibilityRequest) -> CheckCompatibilityResponse: ...

    async def run_funnel_report(self, request: RunFunnelReportRequest) -> RunFunnelReportResponse: ...

    def quota_status(self, property_id: str) -> QuotaStatus | None: ...


def translate_ga4_error(error: Exception, *, resource: str = "") -> GoogleApiError:
    """Map google-api-core / google-auth exceptions onto Lookout's Google error types."""
    if isinstance(error, GoogleApiError):
        return error
    if isinstance(error, auth_exceptions.RefreshError):
        return GoogleAuthExpired("Google refused to refresh the access token.", status=401, resource=resource)
    if isinstance(error, core_exceptions.GoogleAPICallError):
        status = int(error.code or 0)
        message = str(error.message or error)
        return error_for_status(status, message, resource=resource, other=GoogleUnavailable)
    if isinstance(error, auth_exceptions.TransportError | ConnectionError | OSError):
        return GoogleUnavailable(f"Could not reach Google: {type(error).__name__}", resource=resource)
    # requests' ConnectionError is an OSError subclass; anything else is a bug and keeps its type.
    raise error


def _quota_status(quota: PropertyQuota) -> QuotaStatus:
    hour = int(quota.tokens_per_hour.remaining)
    day = int(quota.tokens_per_day.remaining)
    return QuotaStatus(
        tokens_per_hour_remaining=hour,
        tokens_per_day_remaining=day,
        low=hour < LOW_TOKENS_PER_HOUR or day < LOW_TOKENS_PER_DAY,
    )


class Ga4Client:
    """GA4 Data API v1beta for one set of credentials.

    `data_api_url` is `GA4_DATA_API_URL` (e.g. `https://analyticsdata.googleapis.com` or a fake's loopback URL).
    Pass the process's shared `runtime` so the per-property concurrency limit and quota state are shared.
    """

    def __init__(
        self,
        *,
        credentials: Credentials,
        data_api_url: str,
        runtime: GoogleRuntime | None = None,
        low_quota_pause: float = 1.0,
    ) -> None:
        self._client = BetaAnalyticsDataClient(
            credentials=credentials,
            transport="rest",
            client_options=ClientOptions(api_endpoint=data_api_url.rstrip("/")),
        )
        self._runtime = runtime or GoogleRuntime()
        self._low_quota_pause = low_quota_pause
        self._credentials = credentials
        self._data_api_url = data_api_url.rstrip("/")
        self._alpha: AlphaAnalyticsDataClient | None = None

    def _alpha_client(self) -> AlphaAnalyticsDataClient:
        """The v1alpha client (funnels), built on first use: most processes never ask for a funnel."""
        if self._alpha is None:
            from google.analytics.data_v1alpha import AlphaAnalyticsDataClient

            self._alpha = AlphaAnalyticsDataClient(
                credentials=self._credentials,
                transport="rest",
                client_options=ClientOptions(api_endpoint=self._data_api_url),
            )
        return self._alpha

    def quota_status(self, property_id: str) -> QuotaStatus | None:
        return self._runtime.quotas.get(property_name(property_id))

    async def _call(self, resource: str, fn: Callable[[], T]) -> T:
        translate = functools.partial(translate_ga4_error, resource=resource)
        status = self._runtime.quotas.get(resource)
        if status is not None and status.low:
            async with self._runtime.slow_lane(resource):
                await asyncio.sleep(self._low_quota_pause)
                return await self._runtime.call(resource, fn, translate=translate, api="ga4")
        return await self._runtime.call(resource, fn, translate=translate, api="ga4")

    def _record_quota(self, resource: str, quota: PropertyQuota | None) -> None:
        if quota is not None and "tokens_per_hour" in quota:
            self._runtime.quotas[resource] = _quota_status(quota)

    async def _report(self, request: Request, run: Callable[..., Response]) -> Response:
        """`run` on a copy of `request` for its property, asking for (and recording) the property's quota."""
        request = type(request)(request)
        request.property = property_name(request.property)
        request.return_property_quota = True
        response = await self._call(request.property, lambda: run(request=request, timeout=self._runtime.timeout))
        self._record_quota(request.property, response.property_quota)
        return response

    async def run_report(self, request: RunReportRequest) -> RunReportResponse:
        return await self._report(request, self._client.run_report)

    async def batch_run_reports(
        self, property_id: str, requests: Sequence[RunReportRequest]
    ) -> list[RunReportResponse]:
        """Several reports in as few `batchRunReports` calls as possible (5 per call), answers in request order."""
        resource = property_name(property_id)
        prepared = []
        for request in requests:
            copy = RunReportRequest(request)
            copy.property = ""
            copy.return_property_quota = True
            prepared.append(copy)
        chunks = [prepared[i : i + MAX_BATCH] for i in range(0, len(prepared), MAX_BATCH)]

        async def one(chunk: list[RunReportRequest]) -> list[RunReportResponse]:
            batch = BatchRunReportsRequest(property=resource, requests=chunk)
            answer = await self._call(
                resource, lambda: self._client.batch_run_reports(request=batch, timeout=self._runtime.timeout)
            )
            return list(answer.reports)

        reports = [report for chunk in await asyncio.gather(*(one(c) for c in chunks)) for report in chunk]
        if reports:
            self._record_quota(resource, reports[-1].property_quota)
        return reports

    async def run_realtime_report(self, request: RunRealtimeReportRequest) -> RunRealtimeReportResponse:
        return await self._report(request, self._client.run_realtime_report)

    async def get_metadata(self, property_id: str) -> Metadata:
        resource = property_name(property_id)
        request = GetMetadataRequest(name=f"{resource}/metadata")
        return await self._call(
            resource, lambda: self._client.get_metadata(request=request, timeout=self._runtime.timeout)
        )

    async def run_funnel_report(self, request: RunFunnelReportRequest) -> RunFunnelReportResponse:
        """A funnel report (GA4 Data API v1alpha `runFunnelReport`), with the property's quota recorded."""
        from google.analytics.data_v1alpha.types import RunFunnelReportRequest

        request = RunFunnelReportRequest(request)
        request.property = property_name(request.property)
        request.return_property_quota = True
        client = self._alpha_client()
        response = await self._call(
            request.property, lambda: client.run_funnel_report(request=request, timeout=self._runtime.timeout)
        )
        quota = response.property_quota
        if quota is not None and "tokens_per_hour" in quota:
            hour, day = int(quota.tokens_per_hour.remaining), int(quota.tokens_per_day.remaining)
            self._runtime.quotas[request.property] = QuotaStatus(
                tokens_per_hour_remaining=hour,
                tokens_per_day_remaining=day,
                low=hour < LOW_TOKENS_PER_HOUR or day < LOW_TOKENS_PER_DAY,
            )
        return response

    async def check_compatibility(self, request: CheckCompatibilityRequest) -> CheckCompatibilityResponse:
        request = CheckCompatibilityRequest(request)
        request.property = property_name(request.property)
        return await self._call(
            request.property,
            lambda: self._client.check_compatibility(request=request, timeout=self._runtime.timeout),
        )
