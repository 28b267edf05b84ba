"""explain_change finds injected incidents: the decomposition ranks the incident's segment first; a partial day is set
against the same hours of another."""

from __future__ import annotations

from datetime import date

from tools.context import ToolContext
from tools.explain import ExplainChangeInput, explain_change, page_group
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import BotSpike, OrganicDrop, PropertyDataset, TrackingBroken, Uplift

CURRENT = {"start_date": "2026-11-09", "end_date": "2026-11-15"}


def test_page_groups() -> None:
    assert page_group("/blog/ga4-migration-guide") == "/blog/*"
    assert page_group("/blog/") == "/blog/*"
    assert page_group("/pricing") == "/pricing"
    assert page_group("https://www.example.com/docs/api") == "/docs/*"
    assert page_group("/") == "/"


async def test_ga4_organic_drop_on_blog_pages_ranks_first(
    dataset: PropertyDataset, context: ToolContext, google: FakeGoogle
) -> None:
    dataset.inject(OrganicDrop(start=date(2026, 11, 9), page_prefix="/blog/", remaining=0.45))

    result = await explain_change(
        ExplainChangeInput.model_validate({"metric": "sessions", "current": CURRENT}), context
    )

    assert result.total_change < 0
    top = result.segments[0]
    assert (top.dimension, top.value) == ("channel × landingPageGroup", "Organic Search × /blog/*")
    assert top.share_of_change is not None
    assert top.share_of_change > 0.7
    assert top.change_pct is not None
    assert -65 < top.change_pct < -45
    assert result.previous.start_date == date(2026, 11, 2)
    # Every breakdown in one batch of reports: 4 reports, 1 batchRunReports call.
    assert len(google.calls("batchRunReports")) == 1
    assert len(google.calls("batchRunReports")[0].body["requests"]) == 4


async def test_ga4_bot_spike_points_at_the_country(dataset: PropertyDataset, context: ToolContext) -> None:
    dataset.inject(
        BotSpike(start=date(2026, 11, 9), end=date(2026, 11, 15), country="Singapore", sessions_per_day=5000)
    )

    result = await explain_change(
        ExplainChangeInput.model_validate({"metric": "sessions", "current": CURRENT}), context
    )

    assert result.total_change > 0
    assert (result.segments[0].dimension, result.segments[0].value) == ("country", "Singapore")
    assert "Concentrated" in result.concentration


async def test_ga4_tracking_break_is_broad(dataset: PropertyDataset, context: ToolContext) -> None:
    dataset.inject(TrackingBroken(start=date(2026, 11, 12), end=date(2026, 11, 15)))

    result = await explain_change(
        ExplainChangeInput.model_validate({"metric": "sessions", "current": CURRENT}), context
    )

    assert result.total_change_pct is not None
    assert result.total_change_pct < -40
    assert result.concentration.startswith("Broad")


async def test_ratio_metrics_are_refused_with_advice(context: ToolContext) -> None:
    import pytest

    from tools.base import ToolError

    with pytest.raises(ToolError, match="engagedSessions"):
        await explain_change(
            ExplainChangeInput.model_validate({"metric": "engagementRate", "current": CURRENT}), context
        )


async def test_gsc_click_drop_on_blog_pages_ranks_first(
    dataset: PropertyDataset, context: ToolContext, google: FakeGoogle
) -> None:
    dataset.inject(OrganicDrop(start=date(2026, 11, 9), page_prefix="/blog/", remaining=0.45))

    result = await explain_change(ExplainChangeInput.model_validate({"metric": "clicks", "current": CURRENT}), context)

    assert result.source == "gsc"
    assert result.total_change < 0
    top = result.segments[0]
    assert (top.dimension, top.value) == ("pageGroup", "/blog/*")
    assert top.share_of_change is not None
    assert top.share_of_change > 0.8
    bodies = [call.body for call in google.calls("searchAnalytics.query")]
    assert {tuple(b["dimensions"]) for b in bodies} >= {("query",), ("page",), ("country",), ("device",)}


async def test_today_so_far_is_set_against_the_same_hours_a_week_before(
    dataset: PropertyDataset, context: ToolContext
) -> None:
    # A sale lifts today's sessions by half; at 15:30 the day is not over. A whole day a week before outweighs the
    # part of a lifted one, so every segment looked down; the same hours show the rise.
    dataset.inject(Uplift(start=date(2026, 11, 20), end=date(2026, 11, 20), traffic=1.5))
    today = {"start_date": "2026-11-20", "end_date": "2026-11-20"}
    week_before = {"start_date": "2026-11-13", "end_date": "2026-11-13"}
    asked = {"metric": "sessions", "current": today, "previous": week_before}

    whole_days = await explain_change(ExplainChangeInput.model_validate(asked), context)
    same_hours = await explain_change(ExplainChangeInput.model_validate({**asked, "hours": list(range(15))}), context)

    assert whole_days.total_change < 0  # what the alerts explained a rise with, before
    assert 1.3 < same_hours.total_current / same_hours.total_previous < 1.7
    assert all(segment.change > 0 for segment in same_hours.segments)
    assert any("00, 01" in note and "14." in note for note in same_hours.notes)


async def test_hours_are_refused_for_search_console_and_outside_a_day(context: ToolContext) -> None:
    import pytest
    from pydantic import ValidationError

    from tools.base import ToolError

    with pytest.raises(ToolError, match="whole days"):
        await explain_change(
            ExplainChangeInput.model_validate({"metric": "clicks", "current": CURRENT, "hours": [9, 10]}), context
        )
    for hours in ([], [24], [-1, 3]):
        with pytest.raises(ValidationError):
            ExplainChangeInput.model_validate({"metric": "sessions", "current": CURRENT, "hours": hours})
