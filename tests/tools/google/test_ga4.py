"""The GA4 Data API client (`tools/google/ga4.py`) over the wire: typed errors, the property quota, batches of
at most five reports."""

from __future__ import annotations

import asyncio

import pytest
from google.analytics.data_v1beta.types import DateRange, Metric, RunReportRequest

from tests.tools.conftest import PROPERTY_ID
from tools.fakes.google import FakeGoogle
from tools.google import (
    Ga4Client,
    GoogleAccessDenied,
    GoogleBadRequest,
)


def sessions_request(start: str = "7daysAgo") -> RunReportRequest:
    return RunReportRequest(
        property=PROPERTY_ID,
        metrics=[Metric(name="sessions")],
        date_ranges=[DateRange(start_date=start, end_date="yesterday")],
    )


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
