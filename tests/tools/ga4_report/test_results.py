"""A GA4 response read for a model (`tools/ga4_report/results.py`): typed rows, totals and context, rows labelled
with their date range, and rows capped by the size budget."""

from __future__ import annotations

from collections.abc import Callable

from tests.tools.tool_calls import run
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle, report_bodies


async def test_run_report_returns_typed_rows_totals_and_context(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["sessions", "engagementRate", "purchaseRevenue"],
            "dimensions": ["sessionDefaultChannelGroup"],
            "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}],
        },
        context,
    )

    sent = report_bodies(google)[0]
    assert sent["dateRanges"] == [{"startDate": "2026-11-13", "endDate": "2026-11-19"}]
    assert sent["metricAggregations"] == [1]  # TOTAL
    assert result["date_ranges"] == [{"start_date": "2026-11-13", "end_date": "2026-11-19"}]
    assert result["time_zone"] == "America/New_York"
    assert result["currency"] == "USD"
    rows = result["rows"]
    assert isinstance(rows, list)
    assert rows[0]["sessionDefaultChannelGroup"] == "Organic Search"
    assert isinstance(rows[0]["sessions"], int)
    assert 0 < rows[0]["engagementRate"] < 1
    totals = result["totals"]
    assert isinstance(totals, list)
    assert totals[0]["values"]["sessions"] == sum(row["sessions"] for row in rows)
    assert result["row_count"] == len(rows)


async def test_multi_date_range_report_labels_rows_with_date_range(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["sessions"],
            "dimensions": ["deviceCategory"],
            "date_ranges": [
                {"start_date": "2026-11-13", "end_date": "2026-11-19"},
                {"start_date": "2026-11-06", "end_date": "2026-11-12"},
                {"start_date": "2025-11-13", "end_date": "2025-11-19", "name": "last_year"},
            ],
        },
        context,
    )

    sent = report_bodies(google)[0]
    assert len(sent["dateRanges"]) == 3
    assert "name" not in sent["dateRanges"][0]  # GA4 names unnamed ranges date_range_N itself
    assert sent["dateRanges"][2]["name"] == "last_year"
    assert result["dimensions"] == ["deviceCategory", "dateRange"]
    rows = result["rows"]
    assert isinstance(rows, list)
    assert {row["dateRange"] for row in rows} == {"date_range_0", "date_range_1"}  # last year predates the data
    assert [t["date_range"] for t in result["totals"]] == ["date_range_0", "date_range_1", "last_year"]  # type: ignore[union-attr]
    assert result["totals"][2]["values"]["sessions"] == 0  # type: ignore[index]


async def test_rows_are_capped_by_the_size_budget(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext]
) -> None:
    ctx = make_context()
    ctx = ToolContext(**{**ctx.__dict__, "result_budget_chars": 800})

    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["sessions"],
            "dimensions": ["date", "deviceCategory"],
            "date_ranges": [{"start_date": "28daysAgo", "end_date": "yesterday"}],
        },
        ctx,
    )

    assert result["row_count"] == 28 * 3
    assert 0 < result["rows_shown"] < 84  # type: ignore[operator]
    assert f"{84 - result['rows_shown']} more rows not shown" in str(result["more_rows"])  # type: ignore[operator]
