"""The Search Console client (`tools/google/gsc.py`) over the wire: paging with startRow, firstIncompleteDate,
an unknown site, URL inspection."""

from __future__ import annotations

from datetime import date

import pytest

from tools.fakes.google import FakeGoogle
from tools.google import (
    GoogleAccessDenied,
    GscClient,
    GscQuery,
)
from tools.sample.dataset import PropertyDataset


async def test_search_analytics_pages_with_start_row(
    google: FakeGoogle, gsc: GscClient, dataset: PropertyDataset
) -> None:
    query = GscQuery(
        startDate=date(2026, 10, 1), endDate=date(2026, 11, 15), dimensions=["query", "country"], rowLimit=100
    )

    response = await gsc.search_analytics(dataset.site_url, query, max_rows=250)

    bodies = [call.body for call in google.calls("searchAnalytics.query")]
    assert [(b["startRow"], b["rowLimit"]) for b in bodies] == [(0, 100), (100, 100), (200, 100)]
    assert len(response.rows) == 250
    assert len({tuple(row.keys) for row in response.rows}) == 250
    clicks = [row.clicks for row in response.rows]
    assert clicks == sorted(clicks, reverse=True)


async def test_search_analytics_reports_first_incomplete_date(gsc: GscClient, dataset: PropertyDataset) -> None:
    query = GscQuery(startDate=date(2026, 11, 1), endDate=date(2026, 11, 19), dimensions=["date"])

    response = await gsc.search_analytics(dataset.site_url, query)

    assert response.first_incomplete_date == date(2026, 11, 18)
    assert response.rows[-1].keys == ("2026-11-19",)


async def test_unknown_site_is_access_denied(gsc: GscClient) -> None:
    query = GscQuery(startDate=date(2026, 11, 1), endDate=date(2026, 11, 10))

    with pytest.raises(GoogleAccessDenied):
        await gsc.search_analytics("https://not-mine.example/", query)


async def test_inspect_url(gsc: GscClient, dataset: PropertyDataset) -> None:
    result = await gsc.inspect_url(dataset.site_url, dataset.page_url("/pricing"))

    assert result.index_status.verdict == "PASS"
    assert result.index_status.coverage_state == "Submitted and indexed"
