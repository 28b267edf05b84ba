"""A report spec turned into the GA4 request (`tools/ga4_report/prepare.py`): dates checked and resolved in the
property's time zone, filters and orderings on the wire as GA4 takes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.tools.tool_calls import run
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle, report_bodies


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-11-19", "2026-11-12", "before start_date"),
        ("yesterday", "2026-11-25", "in the future"),
        ("last week", "today", "is not a date"),
    ],
)
async def test_dates_are_validated(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle, start: str, end: str, message: str
) -> None:
    outcome = await registry.run(
        "ga4_run_report", {"metrics": ["sessions"], "date_ranges": [{"start_date": start, "end_date": end}]}, context
    )

    assert outcome.is_error
    assert message in outcome.content
    assert not google.calls("runReport")


async def test_relative_dates_use_the_property_time_zone(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext], google: FakeGoogle
) -> None:
    # 15:30 in New York is already the next day in Tokyo.
    ctx = make_context(timezone="Asia/Tokyo")

    await run(
        registry,
        "ga4_run_report",
        {"metrics": ["sessions"], "date_ranges": [{"start_date": "today", "end_date": "today"}]},
        ctx,
    )

    assert report_bodies(google)[0]["dateRanges"] == [{"startDate": "2026-11-21", "endDate": "2026-11-21"}]


async def test_filters_and_order_reach_the_wire(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["sessions"],
            "dimensions": ["landingPage"],
            "date_ranges": [{"start_date": "28daysAgo", "end_date": "yesterday"}],
            "dimension_filter": {
                "filter": {
                    "field_name": "landingPage",
                    "string_filter": {"match_type": "BEGINS_WITH", "value": "/blog/"},
                }
            },
            "metric_filter": {
                "filter": {"field_name": "sessions", "numeric_filter": {"operation": "GREATER_THAN", "value": 1000}}
            },
            "order_bys": [{"dimension": {"dimension_name": "landingPage"}}],
            "limit": 3,
        },
        context,
    )

    rows = result["rows"]
    assert isinstance(rows, list)
    pages = [row["landingPage"] for row in rows]
    assert pages == sorted(pages)
    assert all(page.startswith("/blog/") for page in pages)
    assert all(row["sessions"] > 1000 for row in rows)
    assert len(rows) == 3
    assert result["row_count"] > 3  # type: ignore[operator]
    sent = report_bodies(google)[0]
    assert sent["dimensionFilter"]["filter"]["stringFilter"]["value"] == "/blog/"
    assert sent["limit"] == "3"
