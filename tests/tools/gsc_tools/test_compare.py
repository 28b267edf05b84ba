"""The `gsc_compare_periods` tool over the wire: what an organic drop lost."""

from __future__ import annotations

from tests.tools.tool_calls import run
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.sample.dataset import PropertyDataset


async def test_compare_periods_lists_losers_of_an_organic_drop(
    registry: ToolRegistry[ToolContext], context: ToolContext, dataset: PropertyDataset
) -> None:
    from datetime import date

    from tools.sample.dataset import OrganicDrop

    dataset.inject(OrganicDrop(start=date(2026, 11, 6), page_prefix="/blog/", remaining=0.4))

    result = await run(
        registry,
        "gsc_compare_periods",
        {"dimension": "page", "current": {"start_date": "2026-11-06", "end_date": "2026-11-15"}},
        context,
    )

    assert result["previous"] == {"name": "previous", "start_date": "2026-10-27", "end_date": "2026-11-05"}
    losing = result["losing"]
    assert isinstance(losing, list)
    assert losing
    assert all("/blog/" in item["key"] for item in losing[:4])
    assert sum("/blog/" in item["key"] for item in losing[:8]) >= 7
    assert losing[0]["clicks_change"] < 0
    assert losing[0]["position_change"] > 0  # a worse (higher) position
    assert result["totals_current"]["clicks"] < result["totals_previous"]["clicks"]  # type: ignore[index]
