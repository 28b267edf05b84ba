"""The Search Console client (`tools/google/gsc.py`) over the wire: paging with startRow, firstIncompleteDate,
an unknown site, URL inspection."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from aiohttp import web
from google.oauth2.credentials import Credentials

from tools.fakes.google import AnyBearerToken, FakeGoogle
from tools.google import (
    GoogleAccessDenied,
    GscClient,
    GscQuery,
)
from tools.google.runtime import GoogleRuntime
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


class _RecordingTokens(AnyBearerToken):
    """Any bearer token may read, and each Search Console request's (site, token) is recorded."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def authorize_site(self, request: web.Request, site_url: str) -> object:
        token = self._bearer(request)
        self.seen.append((site_url, token))
        return token


async def test_clients_of_different_workspaces_each_send_their_own_token(
    runtime: GoogleRuntime, dataset: PropertyDataset
) -> None:
    # The service object behind the clients is built once per process; the credentials go with each request.
    tokens = _RecordingTokens()
    async with FakeGoogle(auth=tokens) as google:
        google.add_site("https://a.example/", dataset)
        google.add_site("https://b.example/", dataset)
        first = GscClient(credentials=Credentials(token="token-a"), api_url=google.url, runtime=runtime)
        second = GscClient(credentials=Credentials(token="token-b"), api_url=google.url, runtime=runtime)
        query = GscQuery(startDate=date(2026, 11, 1), endDate=date(2026, 11, 10), dimensions=["date"])

        await asyncio.gather(
            *(first.search_analytics("https://a.example/", query) for _ in range(3)),
            *(second.search_analytics("https://b.example/", query) for _ in range(3)),
            first.list_sitemaps("https://a.example/"),
        )

    assert sorted(set(tokens.seen)) == [("https://a.example/", "token-a"), ("https://b.example/", "token-b")]
    assert len(tokens.seen) == 7
