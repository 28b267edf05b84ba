"""The GA4 tools beside `ga4_run_report` (`tools/ga4_tools.py`) over the wire: period comparisons, realtime and
the metadata search, FakeGoogle behind the real google-analytics-data REST client."""

from __future__ import annotations

from tests.tools.tool_calls import run
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import PropertyDataset


async def test_compare_periods_sorts_by_size_of_change(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    from datetime import date

    from tools.sample.dataset import BotSpike

    dataset.inject(BotSpike(start=date(2026, 11, 13), end=date(2026, 11, 19), country="Singapore"))

    result = await run(
        registry,
        "ga4_compare_periods",
        {
            "metrics": ["sessions", "keyEvents"],
            "dimensions": ["country"],
            "current": {"start_date": "7daysAgo", "end_date": "yesterday"},
        },
        context,
    )

    assert result["previous"] == {"name": "previous", "start_date": "2026-11-06", "end_date": "2026-11-12"}
    rows = result["rows"]
    assert isinstance(rows, list)
    top = rows[0]
    assert top["dimensions"] == {"country": "Singapore"}
    assert top["metrics"]["sessions"]["change"] > 30_000
    assert abs(top["metrics"]["keyEvents"]["change_pct"]) < 50
    totals = result["totals"]
    assert isinstance(totals, dict)
    assert totals["sessions"]["change"] == totals["sessions"]["current"] - totals["sessions"]["previous"]
    assert len(google.calls("runReport")) == 1  # both periods in one request


async def test_realtime(registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle) -> None:
    result = await run(registry, "ga4_realtime", {"dimensions": ["country"]}, context)

    assert result["window"] == "the last 30 minutes"
    rows = result["rows"]
    assert isinstance(rows, list)
    assert rows
    assert result["totals"]["values"]["activeUsers"] == sum(r["activeUsers"] for r in rows)  # type: ignore[index]
    assert google.calls("runRealtimeReport")[0].body["minuteRanges"] == [{"startMinutesAgo": 29, "endMinutesAgo": 0}]


async def test_metadata_search_finds_custom_and_renamed_fields(
    registry: ToolRegistry[ToolContext], context: ToolContext
) -> None:
    result = await run(registry, "ga4_metadata", {"search": "key event"}, context)
    names = [f["api_name"] for f in result["fields"]]  # type: ignore[union-attr]
    assert names[0] in ("keyEvents", "sessionKeyEventRate")
    assert "sessionKeyEventRate" in names

    custom = await run(registry, "ga4_metadata", {"custom_only": True}, context)
    assert {f["api_name"] for f in custom["fields"]} == {"customEvent:content_group", "customEvent:demo_requests"}  # type: ignore[union-attr]
