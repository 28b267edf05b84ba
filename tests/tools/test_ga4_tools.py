"""GA4 tools over the wire: FakeGoogle behind the real google-analytics-data REST client."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.tools.conftest import PROPERTY_ID
from tools.base import ToolRegistry, ToolUserError
from tools.context import ToolContext
from tools.errors import ACCESS_DENIED, NO_PROPERTY
from tools.fakes.google import FakeGoogle, report_bodies
from tools.sample.dataset import PropertyDataset


async def run(
    registry: ToolRegistry[ToolContext], name: str, args: dict[str, object], ctx: ToolContext
) -> dict[str, object]:
    outcome = await registry.run(name, args, ctx)
    assert not outcome.is_error, outcome.content
    result: dict[str, object] = json.loads(outcome.content)
    return result


async def test_run_report_returns_typed_rows_totals_and_context(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["sessions", "engagementRate", "purchaseRevenue"],
            "dimensions": ["sessionDefaultChannelGroup"],
            "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}],
        },
        context,
    )

    sent = report_bodies(google)[0]
    assert sent["dateRanges"] == [{"startDate": "2026-11-13", "endDate": "2026-11-19"}]
    assert sent["metricAggregations"] == [1]  # TOTAL
    assert result["date_ranges"] == [{"start_date": "2026-11-13", "end_date": "2026-11-19"}]
    assert result["time_zone"] == "America/New_York"
    assert result["currency"] == "USD"
    rows = result["rows"]
    assert isinstance(rows, list)
    assert rows[0]["sessionDefaultChannelGroup"] == "Organic Search"
    assert isinstance(rows[0]["sessions"], int)
    assert 0 < rows[0]["engagementRate"] < 1
    totals = result["totals"]
    assert isinstance(totals, list)
    assert totals[0]["values"]["sessions"] == sum(row["sessions"] for row in rows)
    assert result["row_count"] == len(rows)


async def test_multi_date_range_report_labels_rows_with_date_range(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["sessions"],
            "dimensions": ["deviceCategory"],
            "date_ranges": [
                {"start_date": "2026-11-13", "end_date": "2026-11-19"},
                {"start_date": "2026-11-06", "end_date": "2026-11-12"},
                {"start_date": "2025-11-13", "end_date": "2025-11-19", "name": "last_year"},
            ],
        },
        context,
    )

    sent = report_bodies(google)[0]
    assert len(sent["dateRanges"]) == 3
    assert "name" not in sent["dateRanges"][0]  # GA4 names unnamed ranges date_range_N itself
    assert sent["dateRanges"][2]["name"] == "last_year"
    assert result["dimensions"] == ["deviceCategory", "dateRange"]
    rows = result["rows"]
    assert isinstance(rows, list)
    assert {row["dateRange"] for row in rows} == {"date_range_0", "date_range_1"}  # last year predates the data
    assert [t["date_range"] for t in result["totals"]] == ["date_range_0", "date_range_1", "last_year"]  # type: ignore[union-attr]
    assert result["totals"][2]["values"]["sessions"] == 0  # type: ignore[index]


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


async def test_incompatible_fields_are_explained_with_check_compatibility(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    outcome = await registry.run(
        "ga4_run_report",
        {
            "metrics": ["sessions"],
            "dimensions": ["itemName"],
            "date_ranges": [{"start_date": "7daysAgo", "end_date": "today"}],
        },
        context,
    )

    assert outcome.is_error
    assert "cannot combine" in outcome.content
    assert "Incompatible here: itemName" in outcome.content
    assert len(google.calls("checkCompatibility")) == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-11-19", "2026-11-12", "before start_date"),
        ("yesterday", "2026-11-25", "in the future"),
        ("last week", "today", "is not a date"),
    ],
)
async def test_dates_are_validated(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle, start: str, end: str, message: str
) -> None:
    outcome = await registry.run(
        "ga4_run_report", {"metrics": ["sessions"], "date_ranges": [{"start_date": start, "end_date": end}]}, context
    )

    assert outcome.is_error
    assert message in outcome.content
    assert not google.calls("runReport")


async def test_relative_dates_use_the_property_time_zone(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext], google: FakeGoogle
) -> None:
    # 15:30 in New York is already the next day in Tokyo.
    ctx = make_context(timezone="Asia/Tokyo")

    await run(
        registry,
        "ga4_run_report",
        {"metrics": ["sessions"], "date_ranges": [{"start_date": "today", "end_date": "today"}]},
        ctx,
    )

    assert report_bodies(google)[0]["dateRanges"] == [{"startDate": "2026-11-21", "endDate": "2026-11-21"}]


async def test_rows_are_capped_by_the_size_budget(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext]
) -> None:
    ctx = make_context()
    ctx = ToolContext(**{**ctx.__dict__, "result_budget_chars": 800})

    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["sessions"],
            "dimensions": ["date", "deviceCategory"],
            "date_ranges": [{"start_date": "28daysAgo", "end_date": "yesterday"}],
        },
        ctx,
    )

    assert result["row_count"] == 28 * 3
    assert 0 < result["rows_shown"] < 84  # type: ignore[operator]
    assert f"{84 - result['rows_shown']} more rows not shown" in str(result["more_rows"])  # type: ignore[operator]


async def test_cached_repeat_makes_no_second_api_call(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    args = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}

    first = await run(registry, "ga4_run_report", args, context)
    second = await run(registry, "ga4_run_report", args, context)

    assert first == second
    assert len(google.calls("runReport")) == 1
    assert len(google.calls("getMetadata")) == 1


async def test_two_workspaces_never_share_a_cache_entry(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext], google: FakeGoogle
) -> None:
    args = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}

    await run(registry, "ga4_run_report", args, make_context(workspace_id=1))
    await run(registry, "ga4_run_report", args, make_context(workspace_id=2))
    await run(registry, "ga4_run_report", args, make_context(workspace_id=2))

    assert len(google.calls("runReport")) == 2
    assert len(google.calls("getMetadata")) == 2


async def test_filters_and_order_reach_the_wire(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await run(
        registry,
        "ga4_run_report",
        {
            "metrics": ["sessions"],
            "dimensions": ["landingPage"],
            "date_ranges": [{"start_date": "28daysAgo", "end_date": "yesterday"}],
            "dimension_filter": {
                "filter": {
                    "field_name": "landingPage",
                    "string_filter": {"match_type": "BEGINS_WITH", "value": "/blog/"},
                }
            },
            "metric_filter": {
                "filter": {"field_name": "sessions", "numeric_filter": {"operation": "GREATER_THAN", "value": 1000}}
            },
            "order_bys": [{"dimension": {"dimension_name": "landingPage"}}],
            "limit": 3,
        },
        context,
    )

    rows = result["rows"]
    assert isinstance(rows, list)
    pages = [row["landingPage"] for row in rows]
    assert pages == sorted(pages)
    assert all(page.startswith("/blog/") for page in pages)
    assert all(row["sessions"] > 1000 for row in rows)
    assert len(rows) == 3
    assert result["row_count"] > 3  # type: ignore[operator]
    sent = report_bodies(google)[0]
    assert sent["dimensionFilter"]["filter"]["stringFilter"]["value"] == "/blog/"
    assert sent["limit"] == "3"


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


async def test_access_denied_asks_a_person_to_act(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    google.fail_next("getMetadata", status=403)

    with pytest.raises(ToolUserError) as raised:
        await registry.run(
            "ga4_run_report",
            {"metrics": ["sessions"], "date_ranges": [{"start_date": "yesterday", "end_date": "yesterday"}]},
            context,
        )

    assert raised.value.message_key == ACCESS_DENIED


async def test_no_property_chosen(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext]
) -> None:
    with pytest.raises(ToolUserError) as raised:
        await registry.run(
            "ga4_run_report",
            {"metrics": ["sessions"], "date_ranges": [{"start_date": "yesterday", "end_date": "yesterday"}]},
            make_context(property_id=None),
        )

    assert raised.value.message_key == NO_PROPERTY


async def test_low_quota_is_reported_in_the_result(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    google.quota(PROPERTY_ID).consumed_hour = 39_000

    result = await run(
        registry,
        "ga4_run_report",
        {"metrics": ["sessions"], "date_ranges": [{"start_date": "yesterday", "end_date": "yesterday"}]},
        context,
    )

    assert any("quota" in note for note in result["notes"])  # type: ignore[union-attr]
