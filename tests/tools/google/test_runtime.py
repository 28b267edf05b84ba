"""The runtime every Google call runs in (`tools/google/runtime.py`), seen through the real clients: at most ten
calls in flight per property, server errors retried, a persistent 429 given up on, the event loop never blocked."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from google.analytics.data_v1beta.types import DateRange, Metric, RunReportRequest

from tests.tools.conftest import PROPERTY_ID
from tools.fakes.google import FakeGoogle
from tools.google import (
    Ga4Client,
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
