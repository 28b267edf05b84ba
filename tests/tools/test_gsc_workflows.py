"""Search Console workflows over the wire: FakeGoogle behind google-api-python-client, as in production."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import IndexStatus, OrganicDrop, PropertyDataset, SharedRanking, Sitemap


async def workflow(registry: ToolRegistry[ToolContext], ctx: ToolContext, **args: object) -> dict[str, Any]:
    outcome = await registry.run("gsc_workflow", args, ctx)
    assert not outcome.is_error, outcome.content
    result: dict[str, Any] = json.loads(outcome.content)
    return result


async def test_striking_distance_lists_queries_at_positions_8_to_20_with_low_ctr_by_impressions(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await workflow(registry, context, workflow="striking_distance")

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
    assert (await workflow(registry, make_context(1), workflow="cannibalization"))["queries_found"] == 0

    dataset.share_ranking(SharedRanking(query="utm builder", page="/blog/dashboard-templates", share=0.4))
    result = await workflow(registry, make_context(2), workflow="cannibalization")  # another cache slice

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

    result = await workflow(registry, context, workflow="losing_pages", start_date="14daysAgo")

    top = result["pages"][0]
    assert top["page"] == dataset.page_url("/blog/utm-parameters")
    assert top["clicks_change"] == top["clicks"] - top["clicks_previous"] < 0
    assert top["likely_cause"].startswith("rankings")
    assert result["current"]["start_date"] > result["previous"]["end_date"]
    assert [page["clicks_change"] for page in result["pages"]] == sorted(p["clicks_change"] for p in result["pages"])


async def test_index_status_inspects_the_top_pages_within_the_per_question_bound(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    dataset.set_index_status(
        "/features", IndexStatus(verdict="NEUTRAL", coverage_state="Crawled - currently not indexed")
    )

    result = await workflow(registry, context, workflow="index_status", limit=25)

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

    result = await workflow(registry, context, workflow="index_status", limit=10)

    assert result["inspected"] == 3
    assert "quota" in result["notes"][-1] and "3 of 10" in result["notes"][-1]


async def test_sitemaps_reports_errors_and_last_download(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle, dataset: PropertyDataset
) -> None:
    dataset.sitemaps.append(Sitemap("/docs/sitemap.xml", submitted=40, days_since_download=12, errors=3))

    result = await workflow(registry, context, workflow="sitemaps")

    assert google.calls("sitemaps.list")[0].method == "GET"
    docs = next(s for s in result["sitemaps"] if s["path"].endswith("/docs/sitemap.xml"))
    assert (docs["errors"], docs["urls_submitted"], docs["days_since_download"]) == (3, 40, 12)
    assert result["with_errors"] == 1


async def test_appearances_are_asked_alone_then_one_is_broken_down_by_filter(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await workflow(registry, context, workflow="appearances")

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


async def test_the_fake_refuses_what_google_refuses_with_googles_error_shape(google: FakeGoogle) -> None:
    import aiohttp

    site = next(iter(google.sites))
    url = f"{google.url}/webmasters/v3/sites/{site.replace(':', '%3A').replace('/', '%2F')}/searchAnalytics/query"
    bodies = [
        {"startDate": "2026-11-01", "endDate": "2026-11-10", "dimensions": ["searchAppearance", "query"]},
        {"startDate": "2026-11-01", "endDate": "2026-11-10", "dimensions": ["query"], "type": "googleNews"},
    ]
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
        for body in bodies:
            async with http.post(url, json=body) as response:
                error = (await response.json())["error"]
                assert (response.status, error["code"], error["status"]) == (400, 400, "INVALID_ARGUMENT")
