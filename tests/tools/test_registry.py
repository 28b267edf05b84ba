"""The registry exposes the stable tool names with schemas generated from the input models."""

from __future__ import annotations

import json

import pytest

from tools.base import ToolUserError
from tools.cache import ResultCache
from tools.context import ToolContext
from tools.registry import default_registry

STABLE = {
    "ga4_workflow",
    "gsc_workflow",
    "ga4_run_report",
    "ga4_compare_periods",
    "ga4_realtime",
    "ga4_metadata",
    "gsc_search_analytics",
    "gsc_compare_periods",
    "gsc_inspect_url",
    "explain_change",
    "chart",
    "annotations",
    "propose_alert_rule",
}


def test_every_tool_is_registered_with_a_schema_and_description() -> None:
    registry = default_registry()

    assert {tool.name for tool in registry.all()} == STABLE
    for tool in registry.all():
        assert len(tool.description) > 40
        assert tool.json_schema()["type"] == "object"


def test_interface_argument_names() -> None:
    registry = default_registry()

    report = registry.get("ga4_run_report").json_schema()
    assert set(report["required"]) == {"metrics", "date_ranges"}
    assert {"dimensions", "dimension_filter", "order_bys", "limit"} <= set(report["properties"])
    search = registry.get("gsc_search_analytics").json_schema()
    assert set(search["required"]) == {"start_date", "end_date"}
    assert {"dimensions", "dimension_filter_groups", "search_type", "row_limit"} <= set(search["properties"])


async def test_cache_entries_expire_and_stay_per_workspace() -> None:
    now = [0.0]
    cache = ResultCache(monotonic=lambda: now[0])
    calls: list[int] = []

    async def fetch() -> int:
        calls.append(1)
        return len(calls)

    one, two = cache.for_workspace(1), cache.for_workspace(2)
    assert await one.get_or_fetch("k", fetch, ttl=10) == 1
    assert await one.get_or_fetch("k", fetch, ttl=10) == 1
    assert await two.get_or_fetch("k", fetch, ttl=10) == 2
    now[0] = 11
    assert await one.get_or_fetch("k", fetch, ttl=10) == 3
    cache.clear_workspace(1)
    assert one.peek("k") == (False, None)
    assert two.peek("k") == (False, None)  # workspace 2's entry expired too (same clock)


def test_schemas_carry_no_titles_or_null_branches_but_keep_property_names() -> None:
    registry = default_registry()

    text = json.dumps([tool.json_schema() for tool in registry.all()])
    assert '"title": "' not in text.replace('"title": {"type"', "")  # only the chart's `title` argument remains
    assert '{"type": "null"}' not in text
    chart = registry.get("chart").json_schema()
    assert "title" in chart["properties"]
    report = registry.get("ga4_run_report").json_schema()
    assert report["properties"]["limit"]["type"] == "integer"
    assert "description" not in report  # the tool's description says it once


async def test_a_compacted_optional_argument_still_accepts_null() -> None:
    """Validation is the input model's: leaving null out of the schema does not make null an error."""
    registry = default_registry()
    ctx = ToolContext.for_workspace(1, cache=ResultCache(), ga4=None, gsc=None)

    arguments = {"metrics": ["sessions"], "date_ranges": [{"start_date": "yesterday", "end_date": "yesterday"}]}

    with pytest.raises(ToolUserError):  # past validation, to "connect Google first"
        await registry.run("ga4_run_report", {**arguments, "limit": None}, ctx)
