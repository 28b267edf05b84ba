"""The in-process sample clients answer exactly what the loopback fake answers over HTTP: one report engine."""

from __future__ import annotations

from datetime import date

import pytest
from google.analytics.data_v1beta.types import DateRange, Dimension, Metric, OrderBy, RunReportRequest

from tests.tools.conftest import PROPERTY_ID
from tools.google import Ga4Client, GoogleAccessDenied, GoogleBadRequest, GscClient, GscQuery
from tools.sample.clients import SampleGa4, SampleGsc
from tools.sample.dataset import PropertyDataset


def _request(property_id: str, metric: str = "sessions") -> RunReportRequest:
    return RunReportRequest(
        property=f"properties/{property_id}",
        dimensions=[Dimension(name="sessionDefaultChannelGroup"), Dimension(name="dateHour")],
        metrics=[Metric(name=metric), Metric(name="totalRevenue")],
        date_ranges=[DateRange(start_date="3daysAgo", end_date="yesterday")],
        order_bys=[OrderBy(metric=OrderBy.MetricOrderBy(metric_name=metric), desc=True)],
        limit=50,
    )


async def test_ga4_reports_match_the_fake_over_http(dataset: PropertyDataset, ga4: Ga4Client) -> None:
    sample = SampleGa4(dataset=lambda: dataset, property_id=PROPERTY_ID)

    over_http = await ga4.run_report(_request(PROPERTY_ID))
    in_process = await sample.run_report(_request(PROPERTY_ID))
    batch = await sample.batch_run_reports(PROPERTY_ID, [_request(PROPERTY_ID)] * 6)

    assert len(in_process.rows) == 50
    assert in_process.rows == over_http.rows
    assert in_process.row_count == over_http.row_count
    assert in_process.metadata.currency_code == "USD"
    assert [report.rows for report in batch] == [over_http.rows] * 6


async def test_search_console_matches_the_fake_over_http(dataset: PropertyDataset, gsc: GscClient) -> None:
    sample = SampleGsc(dataset=lambda: dataset, site_url=dataset.site_url)
    query = GscQuery(
        start_date=date(2026, 11, 1), end_date=date(2026, 11, 19), dimensions=["date", "query"], row_limit=100
    )

    over_http = await gsc.search_analytics(dataset.site_url, query, max_rows=250)
    in_process = await sample.search_analytics(dataset.site_url, query, max_rows=250)

    assert len(in_process.rows) == 250  # three pages of 100, as the real client pages
    assert in_process == over_http


async def test_what_google_would_refuse_fails_with_the_same_typed_errors(dataset: PropertyDataset) -> None:
    ga4 = SampleGa4(dataset=lambda: dataset, property_id=PROPERTY_ID)
    gsc = SampleGsc(dataset=lambda: dataset, site_url=dataset.site_url)

    with pytest.raises(GoogleBadRequest, match="not a valid metric"):
        await ga4.run_report(_request(PROPERTY_ID, metric="sessionz"))
    with pytest.raises(GoogleAccessDenied):
        await ga4.run_report(_request("999"))
    with pytest.raises(GoogleAccessDenied):
        await gsc.search_analytics(
            "sc-domain:someone-else.example", GscQuery(start_date=date(2026, 11, 1), end_date=date(2026, 11, 2))
        )


async def test_funnels_and_sitemaps_match_the_fake_over_http(
    dataset: PropertyDataset, ga4: Ga4Client, gsc: GscClient
) -> None:
    from google.analytics.data_v1alpha import types as alpha

    steps = [
        alpha.FunnelStep(
            name=name,
            filter_expression=alpha.FunnelFilterExpression(
                funnel_event_filter=alpha.FunnelEventFilter(event_name=name)
            ),
        )
        for name in ("session_start", "generate_lead")
    ]
    request = alpha.RunFunnelReportRequest(
        property=f"properties/{PROPERTY_ID}",
        date_ranges=[alpha.DateRange(start_date="28daysAgo", end_date="yesterday")],
        funnel=alpha.Funnel(steps=steps),
    )
    sample_ga4 = SampleGa4(dataset=lambda: dataset, property_id=PROPERTY_ID)
    sample_gsc = SampleGsc(dataset=lambda: dataset, site_url=dataset.site_url)

    in_process = await sample_ga4.run_funnel_report(request)
    over_http = await ga4.run_funnel_report(request)

    assert in_process.funnel_table.rows == over_http.funnel_table.rows
    assert [row.dimension_values[0].value for row in in_process.funnel_table.rows] == [
        "1. session_start",
        "2. generate_lead",
    ]
    assert await sample_gsc.list_sitemaps(dataset.site_url) == await gsc.list_sitemaps(dataset.site_url)
