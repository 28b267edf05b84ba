"""Running reports (`tools/ga4_report/run.py`): the workspace's cache, incompatible fields explained, Google's
refusals and a low quota told to the person who can act."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.tools.conftest import PROPERTY_ID
from tests.tools.tool_calls import run
from tools.base import ToolRegistry, ToolUserError
from tools.context import ToolContext
from tools.errors import ACCESS_DENIED, NO_PROPERTY
from tools.fakes.google import FakeGoogle


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


async def test_cached_repeat_makes_no_second_api_call(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    args = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}

    first = await run(registry, "ga4_run_report", args, context)
    second = await run(registry, "ga4_run_report", args, context)

    assert first == second
    assert len(google.calls("runReport")) == 1
    assert len(google.calls("getMetadata")) == 1


async def test_only_the_very_same_request_is_answered_from_the_cache(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    week = [{"start_date": "7daysAgo", "end_date": "yesterday"}]
    asked = [
        {"metrics": ["sessions"], "date_ranges": week},
        {"metrics": ["sessions"], "date_ranges": week, "limit": 5},
        {"metrics": ["totalUsers"], "date_ranges": week},
        {"metrics": ["sessions"], "date_ranges": [{"start_date": "14daysAgo", "end_date": "yesterday"}]},
        {"metrics": ["sessions"], "date_ranges": week, "dimensions": ["date"]},
        {"metrics": ["sessions"], "date_ranges": week},  # the first again
        {"metrics": ["sessions"], "date_ranges": week, "limit": 5},
    ]

    for args in asked:
        await run(registry, "ga4_run_report", args, context)

    assert len(google.calls("runReport")) == 5


async def test_two_workspaces_never_share_a_cache_entry(
    registry: ToolRegistry[ToolContext], make_context: Callable[..., ToolContext], google: FakeGoogle
) -> None:
    args = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}

    await run(registry, "ga4_run_report", args, make_context(workspace_id=1))
    await run(registry, "ga4_run_report", args, make_context(workspace_id=2))
    await run(registry, "ga4_run_report", args, make_context(workspace_id=2))

    assert len(google.calls("runReport")) == 2
    assert len(google.calls("getMetadata")) == 2


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
