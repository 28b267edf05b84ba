"""Search appearances (`tools/gsc_workflows/appearances.py`) over the wire: asked alone, then one broken down by
a filter; never combined with another dimension."""

from __future__ import annotations

import json

from tests.tools.tool_calls import gsc_workflow
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle


async def test_appearances_are_asked_alone_then_one_is_broken_down_by_filter(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await gsc_workflow(registry, context, workflow="appearances")

    assert google.calls("searchAnalytics.query")[0].body["dimensions"] == ["searchAppearance"]
    names = {row["appearance"] for row in result["rows"]}
    assert {"VIDEO", "REVIEW_SNIPPET"} <= names

    video = next(row for row in result["rows"] if row["appearance"] == "VIDEO")
    filters = [{"filters": [{"dimension": "searchAppearance", "operator": "equals", "expression": "VIDEO"}]}]
    outcome = await registry.run(
        "gsc_search_analytics",
        {"start_date": "30daysAgo", "end_date": "3daysAgo", "dimensions": ["page"], "dimension_filter_groups": filters},
        context,
    )
    pages = json.loads(outcome.content)
    assert pages["totals"]["impressions"] == video["impressions"]
    assert all("/blog/" in row["keys"]["page"] for row in pages["rows"])


async def test_search_appearance_with_another_dimension_is_explained_not_sent(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    outcome = await registry.run(
        "gsc_search_analytics",
        {"start_date": "30daysAgo", "end_date": "3daysAgo", "dimensions": ["searchAppearance", "page"]},
        context,
    )

    assert outcome.is_error and "alone" in outcome.content
    assert google.calls("searchAnalytics.query") == []
