"""The agent as `lookout serve` wires it, with no test seams: a connected Google account, the channel's chosen
property, credentials from the connection service, the real tools, a model over the wire, the answer in Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.fakes.llm_script import LLMFakeServer, RecordedRequest, Reply, ScriptedToolCall
from bot.fakes.slack_api import FakeSlack
from bot.main.agent import LazyAgentHandler
from tests.bot.google.test_slack_flow import _connect
from tests.helpers.app_harness import StartApp
from tests.helpers.fresh_interpreter import in_fresh_interpreter
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


_BUILD_AND_LIST_MODULES = """
import json, sys
from bot.config.settings import Settings
from bot.llm.registry import Depth
from bot.main.agent import build_agent_handler
from bot.main.build import build_services

handler = build_agent_handler(build_services(Settings(_env_file=None, **json.loads(sys.argv[1]))))
assert handler.agent.models.chain(Depth.FAST) and handler.agent.models.chain(Depth.DEEP)
print(json.dumps(sorted(sys.modules)))
"""


async def test_the_agent_with_only_anthropic_configured_loads_no_other_providers_sdk_nor_charts(tmp_path: Path) -> None:
    settings = {
        "database_url": f"sqlite:///{tmp_path}/lookout.db",
        "lookout_secret_key": Fernet.generate_key().decode(),
        "anthropic_api_key": "only-anthropic",
        "lookout_models_fast": "anthropic:claude-haiku-4-5, gemini:gemini-2.5-flash, openai:gpt-5-mini",
        "lookout_models_deep": "anthropic:claude-sonnet-4-5, xai:grok-4",
        "lookout_scheduler_enabled": False,
    }
    modules = set(await in_fresh_interpreter(_BUILD_AND_LIST_MODULES, settings=settings, cwd=tmp_path))

    unwanted = ("google.genai", "openai", "matplotlib", "numpy", "googleapiclient")
    assert "anthropic" in modules and "tools.registry" in modules  # the agent was built, with its tools
    assert sorted(name for name in modules if name.split(".")[0] in unwanted or name.startswith(unwanted)) == []


_PREPARE_AND_LIST_MAIN_THREAD_IMPORTS = """
import asyncio, json, sys, threading

from bot.config.settings import Settings
from bot.main.build import build_services
from bot.main.serve import start_server  # what `lookout serve` has imported before its first message

on_main_thread = set()


class Watch:
    # Sees every import first: notes those made by the main thread (the event loop's), then lets the others find it.
    def find_spec(self, name, path=None, target=None):
        if threading.current_thread() is threading.main_thread():
            on_main_thread.add(name)
        return None


from bot.llm.registry import Depth
from bot.main.agent import LazyAgentHandler

handler = LazyAgentHandler(build_services(Settings(_env_file=None, **json.loads(sys.argv[1]))))
sys.meta_path.insert(0, Watch())
asyncio.run(handler.prepare())
assert handler._handler is None  # prepared, not built
print(json.dumps({"main": sorted(on_main_thread), "all": sorted(sys.modules)}))
"""


async def test_the_first_message_imports_the_agent_and_its_providers_sdk_off_the_event_loops_thread(
    tmp_path: Path,
) -> None:
    settings = {
        "database_url": f"sqlite:///{tmp_path}/lookout.db",
        "lookout_secret_key": Fernet.generate_key().decode(),
        "anthropic_api_key": "only-anthropic",
        "lookout_models_fast": "anthropic:claude-haiku-4-5",
        "lookout_models_deep": "anthropic:claude-sonnet-4-5",
        "lookout_scheduler_enabled": False,
    }
    imports = await in_fresh_interpreter(
        _PREPARE_AND_LIST_MAIN_THREAD_IMPORTS, settings=settings, cwd=tmp_path, timeout=120
    )

    # The agent, its tools, GA4's SDK and anthropic's were imported, none of them by the event loop's thread.
    assert {"anthropic", "bot.llm.anthropic", "bot.agent.answer", "tools.registry", "google.analytics"} <= set(
        imports["all"]
    )
    heavy = ("anthropic", "bot.agent", "bot.llm", "tools", "google.analytics", "grpc")
    assert [name for name in imports["main"] if name.startswith(heavy)] == []
