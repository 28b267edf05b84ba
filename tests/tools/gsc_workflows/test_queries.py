"""Workflows over query x page rows (`tools/gsc_workflows/queries.py`) over the wire: striking distance,
cannibalization, pages losing clicks."""

from __future__ import annotations

from collections.abc import Callable

from tests.tools.tool_calls import gsc_workflow
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import OrganicDrop, PropertyDataset, SharedRanking


async def test_striking_distance_lists_queries_at_positions_8_to_20_with_low_ctr_by_impressions(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await gsc_workflow(registry, context, workflow="striking_distance")

    sent = google.calls("searchAnalytics.query")[0].body
    assert sent["dimensions"] == ["query", "page"]
    assert (sent["startDate"], sent["endDate"]) == ("2026-10-21", "2026-11-17")  # 28 complete days, Pacific Time
    rows = result["rows"]
    assert rows, result
    assert all(8.0 <= row["position"] <= 20.0 and row["ctr"] <= result["band_ctr"] for row in rows)
    assert [row["impressions"] for row in rows] == sorted((row["impressions"] for row in rows), reverse=True)
    assert "web analytics tool" in {row["query"] for row in rows}  # position ~14 and 900 impressions a day
    assert "acme analytics" not in {row["query"] for row in rows}  # position 1


async def test_cannibalization_finds_a_query_two_pages_share(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext], dataset: PropertyDataset
) -> None:
    assert (await gsc_workflow(registry, make_context(1), workflow="cannibalization"))["queries_found"] == 0

    dataset.share_ranking(SharedRanking(query="utm builder", page="/blog/dashboard-templates", share=0.4))
    result = await gsc_workflow(registry, make_context(2), workflow="cannibalization")  # another cache slice

    assert result["queries_found"] == 1
    found = result["queries"][0]
    assert found["query"] == "utm builder"
    pages = [page["page"] for page in found["pages"]]
    assert pages == [dataset.page_url("/blog/utm-parameters"), dataset.page_url("/blog/dashboard-templates")]
    # The query's totals are unchanged: the second page took its part of the same impressions.
    assert found["impressions"] == sum(page["impressions"] for page in found["pages"])


async def test_losing_pages_ranks_by_clicks_lost_and_names_rankings_as_the_cause(
    registry: ToolRegistry[ToolContext], context: ToolContext, dataset: PropertyDataset
) -> None:
    dataset.inject(OrganicDrop(start=dataset.today.replace(day=1), page_prefix="/blog/utm", position_loss=3.0))

    result = await gsc_workflow(registry, context, workflow="losing_pages", start_date="14daysAgo")

    top = result["pages"][0]
    assert top["page"] == dataset.page_url("/blog/utm-parameters")
    assert top["clicks_change"] == top["clicks"] - top["clicks_previous"] < 0
    assert top["likely_cause"].startswith("rankings")
    assert result["current"]["start_date"] > result["previous"]["end_date"]
    assert [page["clicks_change"] for page in result["pages"]] == sorted(p["clicks_change"] for p in result["pages"])
