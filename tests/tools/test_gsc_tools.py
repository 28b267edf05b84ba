"""Search Console tools over the wire: FakeGoogle behind google-api-python-client's static discovery client."""

from __future__ import annotations

import json

from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import IndexStatus, PropertyDataset


async def run(
    registry: ToolRegistry[ToolContext], name: str, args: dict[str, object], ctx: ToolContext
) -> dict[str, object]:
    outcome = await registry.run(name, args, ctx)
    assert not outcome.is_error, outcome.content
    result: dict[str, object] = json.loads(outcome.content)
    return result


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


async def test_no_site_chosen_is_a_user_error(registry: ToolRegistry[ToolContext], make_context) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from tools.base import ToolUserError
    from tools.errors import NO_SITE

    with pytest.raises(ToolUserError) as raised:
        await registry.run(
            "gsc_search_analytics", {"start_date": "7daysAgo", "end_date": "yesterday"}, make_context(site_url=None)
        )

    assert raised.value.message_key == NO_SITE
