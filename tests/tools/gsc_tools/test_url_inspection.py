"""The `gsc_inspect_url` tool over the wire: a path is inspected as the site's URL."""

from __future__ import annotations

from tests.tools.tool_calls import run
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import IndexStatus, PropertyDataset


async def test_inspect_url_accepts_a_path(
    registry: ToolRegistry[ToolContext], context: ToolContext, dataset: PropertyDataset, google: FakeGoogle
) -> None:
    dataset.set_index_status(
        "/blog/cohort-analysis",
        IndexStatus(
            verdict="NEUTRAL", coverage_state="Crawled - currently not indexed", indexing_state="INDEXING_ALLOWED"
        ),
    )

    result = await run(registry, "gsc_inspect_url", {"url": "/blog/cohort-analysis"}, context)

    assert result["url"] == dataset.page_url("/blog/cohort-analysis")
    assert result["verdict"] == "NEUTRAL"
    assert result["coverage_state"] == "Crawled - currently not indexed"
    assert google.calls("urlInspection.index.inspect")[0].body == {
        "inspectionUrl": dataset.page_url("/blog/cohort-analysis"),
        "siteUrl": dataset.site_url,
    }
