"""The agent as `lookout serve` wires it, with no test seams: a connected Google account, the channel's chosen
property, credentials from the connection service, the real tools, a model over the wire, the answer in Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.fakes.llm_script import LLMFakeServer, RecordedRequest, Reply, ScriptedToolCall
from bot.fakes.slack_api import FakeSlack
from bot.main.agent import LazyAgentHandler
from tests.bot.google.test_slack_flow import _connect
from tests.helpers.app_harness import StartApp
from tests.helpers.slack_requests import DEFAULT_CHANNEL, app_mention
from tools.fakes.google import FakeGoogle
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty
from tools.sample.dataset import PropertyDataset

NOW = datetime(2026, 11, 20, 15, 30)
LAST_WEEK = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    auth = FakeGoogleAuth()
    auth.add_account("ana@acme.test", properties=[FakeProperty("111", "Acme")])
    async with FakeGoogle(auth=auth) as server:
        server.add_property("111", PropertyDataset(seed=1, now=NOW, days=30))
        yield server


def total_from(recorded: RecordedRequest) -> int:
    return int(json.loads(recorded.tool_results[0])["totals"][0]["values"]["sessions"])


async def test_a_mention_is_answered_with_the_workspaces_own_google_connection(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    auth = google.auth
    assert isinstance(auth, FakeGoogleAuth)
    claude = fakes["anthropic"]
    app = await start_app(
        **auth.settings_overrides(google.url),
        anthropic_api_key="test-key",
        anthropic_base_url=claude.url,
        lookout_models_fast="anthropic:claude-haiku-4-5",
        lookout_models_deep="anthropic:claude-haiku-4-5",
    )
    assert isinstance(app.message_handler, LazyAgentHandler)
    await _connect(app, auth, "ana@acme.test")
    claude.script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))
    claude.responder = lambda recorded: Reply(text=f"Sessions last week: **{total_from(recorded):,}**.")
    event = app_mention("how many sessions last week?")

    await app.send_event(event)
    await app.settle(timeout=20)

    [answer] = fake_slack.thread_replies(DEFAULT_CHANNEL, event["ts"])
    assert f"**{total_from(claude.requests[1]):,}**" in answer.text
    assert [call.resource for call in google.calls("runReport")] == ["properties/111"]
    assert "properties/111" in claude.requests[0].body["system"][-1]["text"]  # after the cached rules
    footer = json.dumps(answer.blocks, ensure_ascii=False)
    assert "GA4 · Acme (properties/111)" in footer and "Claude Haiku 4.5" in footer
