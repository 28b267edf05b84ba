"""Indexing workflows (`tools/gsc_workflows/indexing.py`) over the wire: URL Inspection of the top pages within
quota, and sitemaps."""

from __future__ import annotations

from tests.tools.tool_calls import gsc_workflow
from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import IndexStatus, PropertyDataset, Sitemap


async def test_index_status_inspects_the_top_pages_within_the_per_question_bound(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    dataset.set_index_status(
        "/features", IndexStatus(verdict="NEUTRAL", coverage_state="Crawled - currently not indexed")
    )

    result = await gsc_workflow(registry, context, workflow="index_status", limit=25)

    assert len(google.calls("urlInspection.index.inspect")) == result["inspected"] <= 20
    assert google.calls("searchAnalytics.query")[0].body["rowLimit"] == 20
    features = next(p for p in result["pages"] if p["page"] == dataset.page_url("/features"))
    assert features["inspection"]["coverage_state"] == "Crawled - currently not indexed"
    assert result["not_indexed"] == 1
    assert "2,000" in result["notes"][0]


async def test_index_status_stops_at_the_inspection_quota_and_keeps_what_it_has(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    google.inspection_quota(dataset.site_url).per_day = 3

    result = await gsc_workflow(registry, context, workflow="index_status", limit=10)

    assert result["inspected"] == 3
    assert "quota" in result["notes"][-1] and "3 of 10" in result["notes"][-1]


async def test_sitemaps_reports_errors_and_last_download(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    dataset.sitemaps.append(Sitemap("/docs/sitemap.xml", submitted=40, days_since_download=12, errors=3))

    result = await gsc_workflow(registry, context, workflow="sitemaps")

    assert google.calls("sitemaps.list")[0].method == "GET"
    docs = next(s for s in result["sitemaps"] if s["path"].endswith("/docs/sitemap.xml"))
    assert (docs["errors"], docs["urls_submitted"], docs["days_since_download"]) == (3, 40, 12)
    assert result["with_errors"] == 1
