"""The `gsc_search_analytics` tool over the wire (FakeGoogle behind google-api-python-client's static discovery
client): incomplete days marked, paging, filters on the wire, and what Discover allows."""

from __future__ import annotations

import json

from tests.tools.tool_calls import run
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle


async def test_search_analytics_by_date_marks_incomplete_days(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "gsc_search_analytics",
        {"start_date": "14daysAgo", "end_date": "yesterday", "dimensions": ["date"]},
        context,
    )

    sent = google.calls("searchAnalytics.query")
    assert {call.body["dataState"] for call in sent} == {"all"}
    assert sorted(len(call.body["dimensions"]) for call in sent) == [0, 1]  # the rows, and the totals
    assert result["date_range"] == {"start_date": "2026-11-06", "end_date": "2026-11-19"}
    assert result["first_incomplete_date"] == "2026-11-18"
    rows = result["rows"]
    assert isinstance(rows, list)
    incomplete = [row["keys"]["date"] for row in rows if row.get("incomplete")]
    assert incomplete == ["2026-11-18", "2026-11-19"]
    assert "incomplete" in " ".join(result["notes"])  # type: ignore[arg-type]
    totals = result["totals"]
    assert isinstance(totals, dict)
    assert totals["clicks"] == sum(row["clicks"] for row in rows)


async def test_search_analytics_pages_beyond_25000_rows_are_refused_but_large_limits_page(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    outcome = await registry.run(
        "gsc_search_analytics", {"start_date": "2026-10-01", "end_date": "2026-11-10", "row_limit": 30000}, context
    )
    assert outcome.is_error
    assert "row_limit" in outcome.content

    result = await run(
        registry,
        "gsc_search_analytics",
        {"start_date": "2026-10-01", "end_date": "2026-11-10", "dimensions": ["query", "date"], "row_limit": 1200},
        context,
    )
    assert result["rows_fetched"] == 1200
    assert "more rows" in str(result["more_rows"])


async def test_search_analytics_filters_reach_the_wire(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "gsc_search_analytics",
        {
            "start_date": "28daysAgo",
            "end_date": "3daysAgo",
            "dimensions": ["page"],
            "dimension_filter_groups": [
                {"filters": [{"dimension": "page", "operator": "contains", "expression": "/blog/"}]}
            ],
        },
        context,
    )

    rows = result["rows"]
    assert isinstance(rows, list)
    assert rows
    assert all("/blog/" in row["keys"]["page"] for row in rows)
    first = google.calls("searchAnalytics.query")[0].body
    assert first["dimensionFilterGroups"] == [
        {"groupType": "and", "filters": [{"dimension": "page", "operator": "contains", "expression": "/blog/"}]}
    ]


async def test_discover_has_pages_but_no_queries_or_position(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    outcome = await registry.run(
        "gsc_search_analytics",
        {"start_date": "30daysAgo", "end_date": "3daysAgo", "dimensions": ["query"], "search_type": "discover"},
        context,
    )
    assert outcome.is_error and "no queries" in outcome.content

    outcome = await registry.run(
        "gsc_search_analytics",
        {"start_date": "30daysAgo", "end_date": "3daysAgo", "dimensions": ["page"], "search_type": "discover"},
        context,
    )
    result = json.loads(outcome.content)
    assert result["rows"] and all("/blog/" in row["keys"]["page"] for row in result["rows"])
    assert all("position" not in row for row in result["rows"])
    assert "position" not in result["totals"]
    assert {call.body["type"] for call in google.calls("searchAnalytics.query")} == {"discover"}
