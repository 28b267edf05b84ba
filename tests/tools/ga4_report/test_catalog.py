"""A model's guess at a GA4 name (`tools/ga4_report/catalog.py`): misspelled, renamed or misplaced names are fixed
or explained from the property's metadata, before any report is run."""

from __future__ import annotations

from tests.tools.tool_calls import run
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle, report_bodies


async def test_misspelled_metric_names_the_right_one_without_calling_the_report(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    outcome = await registry.run(
        "ga4_run_report",
        {"metrics": ["sesions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "today"}]},
        context,
    )

    assert outcome.is_error
    assert "Unknown metric 'sesions'" in outcome.content
    assert "sessions" in outcome.content.split("Closest valid metrics:")[1]
    assert not google.calls("runReport")


async def test_renamed_names_are_mapped_and_noted(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["conversions", "sessionConversionRate"],
            "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}],
        },
        context,
    )

    assert [m["name"] for m in report_bodies(google)[0]["metrics"]] == ["keyEvents", "sessionKeyEventRate"]
    notes = " ".join(result["notes"])  # type: ignore[arg-type]
    assert "conversions is now called keyEvents" in notes


async def test_metric_used_as_dimension_is_explained(registry: ToolRegistry[ToolContext], context: ToolContext) -> None:
    outcome = await registry.run(
        "ga4_run_report",
        {
            "metrics": ["totalUsers"],
            "dimensions": ["sessions"],
            "date_ranges": [{"start_date": "7daysAgo", "end_date": "today"}],
        },
        context,
    )

    assert outcome.is_error
    assert "sessions is a metric, not a dimension" in outcome.content
