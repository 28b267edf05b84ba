"""The GA4 Admin API's reporting data annotations (v1alpha), spoken over REST: the notes a property's people (and
Google itself) put on dates in GA4.

`GET {root}/v1alpha/properties/{id}/reportingDataAnnotations` with `pageSize` / `pageToken`; the answer is
`{"reportingDataAnnotations": [...], "nextPageToken": "..."}`. Reading needs only the `analytics.readonly` scope
Lookout already asks for. Calls run in `GoogleRuntime`'s threads, under the property's concurrency limit, with its
retries for 429 and 5xx.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from google.auth import exceptions as auth_exceptions
from google.auth.credentials import Credentials
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tools.google.errors import GoogleApiError, GoogleAuthExpired, GoogleUnavailable, error_for_status
from tools.google.runtime import GoogleRuntime

if TYPE_CHECKING:
    from google.auth.transport.requests import AuthorizedSession

PAGE_SIZE = 200  # the Admin API's largest page
MAX_PAGES = 10  # 2,000 annotations: far more than any property has; stops a server that pages forever


class _Wire(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class WireDate(_Wire):
    """`google.type.Date`."""

    year: int = 0
    month: int = 0
    day: int = 0

    def as_date(self) -> date | None:
        try:
            return date(self.year, self.month, self.day)
        except ValueError:
            return None


class WireDateRange(_Wire):
    start_date: WireDate = Field(alias="startDate")
    end_date: WireDate = Field(alias="endDate")


class ReportingDataAnnotation(_Wire):
    """One `ReportingDataAnnotation`: a date (or an inclusive date range, in the property's time zone) and a note."""

    name: str = ""
    title: str = ""
    description: str = ""
    color: str = "COLOR_UNSPECIFIED"
    system_generated: bool = Field(default=False, alias="systemGenerated")
    annotation_date: WireDate | None = Field(default=None, alias="annotationDate")
    annotation_date_range: WireDateRange | None = Field(default=None, alias="annotationDateRange")

    def span(self) -> tuple[date, date] | None:
        """First and last day it covers; None when Google sent no usable date."""
        if self.annotation_date is not None:
            day = self.annotation_date.as_date()
            return (day, day) if day is not None else None
        if self.annotation_date_range is not None:
            start = self.annotation_date_range.start_date.as_date()
            end = self.annotation_date_range.end_date.as_date()
            if start is not None and end is not None:
                return (min(start, end), max(start, end))
        return None


class ListReportingDataAnnotationsResponse(_Wire):
    reporting_data_annotations: list[ReportingDataAnnotation] = Field(
        default_factory=list, alias="reportingDataAnnotations"
    )
    next_page_token: str = Field(default="", alias="nextPageToken")


class Ga4AdminApi(Protocol):
    """What the tools need from the GA4 Admin API; `Ga4AdminClient` is the real one."""

    async def list_annotations(self, property_id: str) -> list[ReportingDataAnnotation]: ...


def parse_page(body: Any, *, resource: str) -> ListReportingDataAnnotationsResponse:
    """One page of Google's answer; an unexpected shape is Google's trouble, not the caller's."""
    try:
        return ListReportingDataAnnotationsResponse.model_validate(body if body is not None else {})
    except ValidationError:
        raise GoogleUnavailable("Google answered an unexpected annotations shape.", resource=resource) from None


def _translate(error: Exception, *, resource: str) -> GoogleApiError:
    if isinstance(error, GoogleApiError):
        return error
    if isinstance(error, auth_exceptions.RefreshError):
        return GoogleAuthExpired("Google refused to refresh the access token.", status=401, resource=resource)
    if isinstance(error, auth_exceptions.TransportError | ConnectionError | OSError | ValueError):
        return GoogleUnavailable(f"Could not reach Google: {type(error).__name__}", resource=resource)
    raise error


class Ga4AdminClient:
    """Reporting data annotations for one set of credentials. `admin_api_url` is `GA4_ADMIN_API_URL`."""

    def __init__(self, *, credentials: Credentials, admin_api_url: str, runtime: GoogleRuntime | None = None) -> None:
        self._credentials = credentials
        self._root = admin_api_url.rstrip("/")
        self._runtime = runtime or GoogleRuntime()
        self._session: AuthorizedSession | None = None

    def _http(self) -> AuthorizedSession:
        if self._session is None:
            from google.auth.transport.requests import AuthorizedSession

            self._session = AuthorizedSession(self._credentials)  # type: ignore[no-untyped-call]
        return self._session

    def _get(self, url: str, params: dict[str, str], *, resource: str) -> Any:
        """One GET in a worker thread; a status other than 200 becomes Google's typed error."""
        response = self._http().get(url, params=params, timeout=self._runtime.timeout)
        if response.status_code != 200:
            try:
                message = str(response.json().get("error", {}).get("message", ""))
            except ValueError:
                message = ""
            raise error_for_status(
                response.status_code,
                message or f"HTTP {response.status_code}",
                resource=resource,
                other=GoogleUnavailable,
            )
        return response.json()

    async def list_annotations(self, property_id: str) -> list[ReportingDataAnnotation]:
        """Every annotation of the property, following `nextPageToken`."""
        resource = property_id if property_id.startswith("properties/") else f"properties/{property_id}"
        url = f"{self._root}/v1alpha/{resource}/reportingDataAnnotations"
        translate = functools.partial(_translate, resource=resource)
        found: list[ReportingDataAnnotation] = []
        token = ""
        for _ in range(MAX_PAGES):
            params = {"pageSize": str(PAGE_SIZE), **({"pageToken": token} if token else {})}
            body = await self._runtime.call(
                resource, functools.partial(self._get, url, params, resource=resource), translate=translate
            )
            page = parse_page(body, resource=resource)
            found.extend(page.reporting_data_annotations)
            token = page.next_page_token
            if not token:
                break
        return found
