"""The GA4 and Search Console clients over the wire: limits, retries, errors, quota and paging."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from google.analytics.data_v1beta.types import DateRange, Metric, RunReportRequest

from tests.tools.conftest import PROPERTY_ID
from tools.fakes.google import FakeGoogle
from tools.google import (
    Ga4Client,
    GoogleAccessDenied,
    GoogleBadRequest,
    GoogleUnavailable,
    GscClient,
    GscQuery,
)
from tools.sample.dataset import PropertyDataset


def sessions_request(start: str = "7daysAgo") -> RunReportRequest:
    return RunReportRequest(
        property=PROPERTY_ID,
        metrics=[Metric(name="sessions")],
        date_ranges=[DateRange(start_date=start, end_date="yesterday")],
    )


async def test_at_most_ten_concurrent_requests_per_property(google: FakeGoogle, ga4: Ga4Client) -> None:
    google.latency = 0.05

    await asyncio.gather(*(ga4.run_report(sessions_request(f"{n}daysAgo")) for n in range(2, 27)))

    assert len(google.calls("runReport")) == 25
    assert google.peak_concurrency(f"properties/{PROPERTY_ID}") == 10


async def test_server_errors_are_retried_then_succeed(google: FakeGoogle, ga4: Ga4Client) -> None:
    google.fail_next("runReport", status=503, times=2)

    response = await ga4.run_report(sessions_request())

    assert len(google.calls("runReport")) == 3
    assert int(response.rows[0].metric_values[0].value) > 0


async def test_persistent_429_gives_up_after_retries(google: FakeGoogle, ga4: Ga4Client) -> None:
    google.fail_next("runReport", status=500, times=10)

    with pytest.raises(GoogleUnavailable):
        await ga4.run_report(sessions_request())

    assert len(google.calls("runReport")) == 4  # the first try and three retries


async def test_403_is_access_denied_and_not_retried(google: FakeGoogle, ga4: Ga4Client) -> None:
    google.fail_next("runReport", status=403)

    with pytest.raises(GoogleAccessDenied) as raised:
        await ga4.run_report(sessions_request())

    assert raised.value.resource == f"properties/{PROPERTY_ID}"
    assert len(google.calls("runReport")) == 1


async def test_unknown_metric_is_a_bad_request(ga4: Ga4Client) -> None:
    request = sessions_request()
    request.metrics = [Metric(name="sesions")]

    with pytest.raises(GoogleBadRequest, match="sesions is not a valid metric"):
        await ga4.run_report(request)


async def test_property_quota_is_requested_and_low_quota_reported(google: FakeGoogle, ga4: Ga4Client) -> None:
    google.quota(PROPERTY_ID).consumed_hour = 38_000

    await ga4.run_report(sessions_request())

    assert google.calls("runReport")[0].body["returnPropertyQuota"] is True
    status = ga4.quota_status(PROPERTY_ID)
    assert status is not None
    assert status.low
    assert status.tokens_per_hour_remaining == 40_000 - 38_000 - 10


async def test_low_quota_serialises_later_calls(google: FakeGoogle, ga4: Ga4Client) -> None:
    google.quota(PROPERTY_ID).consumed_hour = 38_000
    await ga4.run_report(sessions_request())
    google.latency = 0.02
    google.reset_log()

    await asyncio.gather(*(ga4.run_report(sessions_request(f"{n}daysAgo")) for n in range(2, 8)))

    assert google.peak_concurrency(f"properties/{PROPERTY_ID}") == 1


async def test_batch_of_seven_reports_uses_two_batch_calls(google: FakeGoogle, ga4: Ga4Client) -> None:
    requests = [sessions_request(f"{n}daysAgo") for n in range(2, 9)]

    reports = await ga4.batch_run_reports(PROPERTY_ID, requests)

    assert len(reports) == 7
    assert sorted(len(call.body["requests"]) for call in google.calls("batchRunReports")) == [2, 5]
    assert not google.calls("runReport")
    # Longer ranges have more sessions: answers come back in request order.
    totals = [int(r.rows[0].metric_values[0].value) for r in reports]
    assert totals == sorted(totals)


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
    assert response.rows[-1].keys == ["2026-11-19"]


async def test_unknown_site_is_access_denied(gsc: GscClient) -> None:
    query = GscQuery(startDate=date(2026, 11, 1), endDate=date(2026, 11, 10))

    with pytest.raises(GoogleAccessDenied):
        await gsc.search_analytics("https://not-mine.example/", query)


async def test_inspect_url(gsc: GscClient, dataset: PropertyDataset) -> None:
    result = await gsc.inspect_url(dataset.site_url, dataset.page_url("/pricing"))

    assert result.index_status.verdict == "PASS"
    assert result.index_status.coverage_state == "Submitted and indexed"


async def test_slow_google_calls_do_not_block_the_event_loop(
    google: FakeGoogle, ga4: Ga4Client, gsc: GscClient, dataset: PropertyDataset
) -> None:
    google.latency = 0.3
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.gather(
        ga4.run_report(sessions_request()),
        gsc.search_analytics(dataset.site_url, GscQuery(startDate=date(2026, 11, 1), endDate=date(2026, 11, 10))),
    )
    task.cancel()

    assert ticks > 15  # the loop kept running while both SDK calls waited on the network
