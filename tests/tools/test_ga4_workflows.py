"""GA4 workflows over the wire: FakeGoogle behind the google-analytics-data REST clients (v1beta and v1alpha)."""

from __future__ import annotations

import json
from typing import Any

from tools.base import ToolRegistry
from tools.context import ToolContext
from tools.fakes.google import FakeGoogle, report_bodies


async def workflow(registry: ToolRegistry[ToolContext], ctx: ToolContext, **args: object) -> dict[str, Any]:
    outcome = await registry.run("ga4_workflow", args, ctx)
    assert not outcome.is_error, outcome.content
    result: dict[str, Any] = json.loads(outcome.content)
    return result


async def test_key_events_by_name_list_only_key_events_and_add_up_to_the_total(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await workflow(registry, context, workflow="key_events")

    body = report_bodies(google)[-1]
    assert [d["name"] for d in body["dimensions"]] == ["eventName"]
    assert [m["name"] for m in body["metrics"]] == ["keyEvents"]
    assert len(body["dateRanges"]) == 2
    names = {row["key"] for row in result["rows"]}
    assert names == {"purchase", "sign_up", "generate_lead"}  # page_view & co. have no key events
    assert sum(row["key_events"]["current"] for row in result["rows"]) == result["total"]["current"]


async def test_one_key_event_by_channel_uses_the_key_events_colon_event_metric(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    everything = await workflow(registry, context, workflow="key_events")
    sign_ups = next(row for row in everything["rows"] if row["key"] == "sign_up")

    result = await workflow(registry, context, workflow="key_events", by="channel", event_name="sign_up")

    body = report_bodies(google)[-1]
    assert [m["name"] for m in body["metrics"]] == ["keyEvents:sign_up", "sessions"]
    assert result["total"]["current"] == sign_ups["key_events"]["current"]
    rates = [row["key_event_rate"] for row in result["rows"] if row["key_event_rate"] is not None]
    assert rates and all(0 <= rate < 1 for rate in rates)


async def test_an_unknown_key_event_goes_back_to_the_model(
    registry: ToolRegistry[ToolContext], context: ToolContext
) -> None:
    outcome = await registry.run(
        "ga4_workflow", {"workflow": "key_events", "by": "channel", "event_name": "signup"}, context
    )

    assert outcome.is_error and "keyEvents:sign_up" in outcome.content  # the closest valid metric is named


async def test_ai_assistant_traffic_counts_the_ga4_channel_and_assistants_filed_elsewhere(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    result = await workflow(registry, context, workflow="ai_assistant_traffic")

    sources = {row["source"]: row for row in result["sources"]}
    assert sources["chatgpt.com"]["channel"] == "AI Assistant"
    assert sources["perplexity.ai"]["channel"] == "Referral"  # not on Google's list, found by its referrer
    assert "partner-site.com" not in sources and "news.ycombinator.com" not in sources
    assert result["matched_by_source_only"] == sources["perplexity.ai"]["sessions"]["current"]
    assert result["in_ga4_ai_channel"] + result["matched_by_source_only"] == result["sessions"]["current"]
    assert 0 < result["share_of_all_sessions_pct"] < 5
    sent = report_bodies(google, "batchRunReports")
    assert any("orGroup" in (body.get("dimensionFilter") or {}) for body in sent)


async def test_a_funnel_is_asked_of_the_v1alpha_api_and_narrows_step_by_step(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    steps = [
        {"event_name": "session_start"},
        {"event_name": "page_view", "page_path_contains": "/signup"},
        {"event_name": "sign_up"},
    ]

    result = await workflow(registry, context, workflow="funnel", steps=steps, breakdown="deviceCategory")

    (call,) = google.calls("runFunnelReport")
    assert call.path == "/v1alpha/properties/123456:runFunnelReport"
    sent = call.body["funnel"]["steps"]
    assert sent[0]["filterExpression"] == {"funnelEventFilter": {"eventName": "session_start"}}
    assert "andGroup" in sent[1]["filterExpression"]
    users = [step["users"] for step in result["steps"]]
    assert users[0] > users[1] > users[2] > 0
    assert result["steps"][0]["step"].startswith("1. ")
    assert result["overall_conversion"] == round(users[2] / users[0], 4)
    assert {segment["value"] for segment in result["segments"]} == {"desktop", "mobile", "tablet"}
    assert sum(segment["steps"][0]["users"] for segment in result["segments"]) == users[0]


async def test_a_one_step_funnel_is_refused_before_asking(
    registry: ToolRegistry[ToolContext], context: ToolContext, google: FakeGoogle
) -> None:
    outcome = await registry.run("ga4_workflow", {"workflow": "funnel", "steps": [{"event_name": "purchase"}]}, context)

    assert outcome.is_error and "2 steps" in outcome.content
    assert google.calls("runFunnelReport") == []
