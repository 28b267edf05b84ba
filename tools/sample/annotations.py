"""GA4's reporting data annotations of a sample property, in the Admin API's wire format (v1alpha
`properties.reportingDataAnnotations.list`), for the loopback fake and for the in-process sample client alike."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date

from tools.google.admin import ReportingDataAnnotation, parse_page
from tools.google.errors import GoogleAccessDenied
from tools.sample.clients import DatasetSource
from tools.sample.dataset import Annotation
from tools.sample.wire import ApiError, Json

DEFAULT_PAGE_SIZE = 50  # the API's default
MAX_PAGE_SIZE = 200  # larger values are coerced to this


def _date(day: date) -> Json:
    return {"year": day.year, "month": day.month, "day": day.day}


def annotation_json(property_id: str, index: int, annotation: Annotation) -> Json:
    body: Json = {
        "name": f"properties/{property_id}/reportingDataAnnotations/{1000 + index}",
        "title": annotation.title,
        "color": annotation.color,
    }
    if annotation.description:
        body["description"] = annotation.description
    if annotation.system_generated:
        body["systemGenerated"] = True
    if annotation.start == annotation.end:
        body["annotationDate"] = _date(annotation.start)
    else:
        body["annotationDateRange"] = {"startDate": _date(annotation.start), "endDate": _date(annotation.end)}
    return body


def list_annotations_json(property_id: str, annotations: list[Annotation], params: Mapping[str, str]) -> Json:
    """One page of `annotations`; `pageToken` is the index of the first one (opaque to callers)."""
    try:
        size = int(params.get("pageSize") or DEFAULT_PAGE_SIZE)
        first = int(params.get("pageToken") or 0)
    except ValueError:
        raise ApiError(400, "Invalid pageSize or pageToken.") from None
    if size < 0 or first < 0:
        raise ApiError(400, "pageSize and pageToken must not be negative.")
    size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    page = annotations[first : first + size]
    body: Json = {"reportingDataAnnotations": [annotation_json(property_id, first + i, a) for i, a in enumerate(page)]}
    if first + size < len(annotations):
        body["nextPageToken"] = str(first + size)
    return body


class SampleGa4Admin:
    """`Ga4AdminApi` for one sample property: the same pages the fake serves, read the way the real client reads."""

    def __init__(self, *, dataset: DatasetSource, property_id: str) -> None:
        self._dataset = dataset
        self._property_id = property_id

    async def list_annotations(self, property_id: str) -> list[ReportingDataAnnotation]:
        resource = property_id if property_id.startswith("properties/") else f"properties/{property_id}"
        if resource != f"properties/{self._property_id}":
            raise GoogleAccessDenied("The sample data has only its own property.", status=403, resource=resource)
        dataset = await asyncio.to_thread(self._dataset)
        found: list[ReportingDataAnnotation] = []
        params: dict[str, str] = {"pageSize": str(MAX_PAGE_SIZE)}
        while True:
            page = parse_page(list_annotations_json(self._property_id, dataset.annotations, params), resource=resource)
            found.extend(page.reporting_data_annotations)
            if not page.next_page_token:
                return found
            params["pageToken"] = page.next_page_token
