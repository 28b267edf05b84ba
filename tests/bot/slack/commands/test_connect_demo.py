"""`/lookout connect demo` as a team meets it, through the real app with signed requests and the fake Slack API:
a manager puts the workspace on the built-in sample property (Demo Store); status and App Home say so with the next
step; a mention is answered from it, a digest and an alert are made from it, and each says "sample data"; an ordinary
member is refused; `/lookout connect` replaces it with the workspace's own Google and `/lookout disconnect` ends it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.fakes.llm_script import LLMFakeServer, RecordedRequest, Reply, ScriptedToolCall
from bot.google.connection import google_connections
from bot.main.agent import build_agent_handler
from bot.main.digest import digest
from bot.main.scheduling import build_scheduled_work
from bot.platform.services import Services
from bot.text import google as messages
from bot.text import subscriptions as subscription_messages
from bot.text.sample import SAMPLE_NOTE
from storage.repos import google as repo
from storage.repos.schedule import get_scheduled_subscription, list_subscriptions
from storage.tables import SettingsChange, Subscription
from tests.bot.agent.test_slack_answers import ask, footer, sessions_total
from tests.bot.google.test_slack_flow import _buttons, _connect, _lookout, _workspace_id
from tests.bot.llm.conftest import fakes as fakes
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_TEAM, DEFAULT_USER, app_home_opened
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty, FakeSite

# The demo's planted incident (the GA4 tag stopped firing 16 hours before now) is alerted at this hour.
NOW = datetime(2026, 12, 6, 15, 8, tzinfo=UTC)
MEMBER = "U0BOB"  # an ordinary member of the fake workspace (DEFAULT_USER is an admin)
GROWTH = "<#C0GROWTH|growth>"
LAST_WEEK = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogleAuth]:
    async with FakeGoogleAuth() as fake:
        yield fake


async def _start(start_app: StartApp, fakes: dict[str, LLMFakeServer], **overrides: Any) -> RunningApp:
    """The real app as `lookout serve` wires it: the real agent (Claude on its fake), the real tool contexts."""

    def configure(services: Services) -> None:
        services.clock = lambda: NOW
        return build_agent_handler(services)

    model = "anthropic:claude-haiku-4-5"
    return await start_app(
        configure=configure,
        anthropic_api_key="test-anthropic",
        anthropic_base_url=fakes["anthropic"].url,
        lookout_models_fast=model,
        lookout_models_deep=model,
        **overrides,
    )


async def _sample_since(app: RunningApp) -> datetime | None:
    async with app.services.database.session() as session:
        return await repo.sample_data_since(session=session, workspace_id=await _workspace_id(app))


async def _home_view(app: RunningApp) -> dict[str, Any]:
    before = len(app.slack.calls_to("views.publish"))
    await app.send_event(app_home_opened())
    publishes = await app.wait_for_calls("views.publish", before + 1)
    view: dict[str, Any] = publishes[-1].get("view")
    return view


def _view_text(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"])


def _answer_with_total(recorded: RecordedRequest) -> Reply:
    return Reply(text=f"Sessions last week were **{sessions_total(recorded):,}**.")


async def test_a_manager_tries_lookout_on_sample_data_then_connect_replaces_it(
    start_app: StartApp,
    fakes: dict[str, LLMFakeServer],
    google: FakeGoogleAuth,
    capsys: pytest.CaptureFixture[str],
) -> None:
    google.add_account(
        "ana@acme.test", properties=[FakeProperty("123456", "Acme web")], sites=[FakeSite("sc-domain:acme.test")]
    )
    app = await _start(start_app, fakes, **google.settings_overrides())

    # when an admin runs /lookout connect demo
    answer = await _lookout(app, "connect demo")

    # then the workspace is on the sample data, and the change is in the settings trail as typed
    assert answer["text"] == messages.SAMPLE_STARTED
    assert await _sample_since(app) == NOW
    async with app.services.database.session() as session:
        [change] = (await session.execute(select(SettingsChange))).scalars().all()
    assert (change.user_id, change.surface, change.detail) == (DEFAULT_USER, "slash", "/lookout connect demo")

    # and /lookout status and App Home say so, with the next step
    status = (await _lookout(app, "status"))["text"]
    assert "*sample data*" in status and "`/lookout connect` to use your own GA4 and Search Console" in status
    home = await _home_view(app)
    assert "*sample data*" in _view_text(home)
    assert [button["action_id"] for button in _buttons(home["blocks"])] == [
        messages.ACTION_CONNECT,
        messages.ACTION_STOP_SAMPLE,
    ]
    # whose next steps start with connecting Google, and ask for no property or site (the sample has both)
    home_text = _view_text(home)
    assert json.dumps(subscription_messages.STEP_CONNECT_FROM_SAMPLE)[1:-1] in home_text
    assert json.dumps(subscription_messages.STEP_CHOOSE)[1:-1] not in home_text

    # a mention is answered from the Demo Store, and the footer says it is sample data
    claude = fakes["anthropic"]
    claude.script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))
    claude.responder = _answer_with_total
    reply = await ask(app, "how many sessions did we have last week?")
    total = sessions_total(claude.requests[1])
    assert total > 0 and f"**{total:,}**" in reply.text
    assert SAMPLE_NOTE in footer(reply) and "Demo Store (properties/demo)" in footer(reply)
    assert "Demo Store" in json.dumps(claude.requests[0].body["system"])

    # a digest subscribed in Slack (the property's timezone pre-filled) says it is sample data
    subscribed = await _lookout(app, f"digest {GROWTH} 08:30")
    assert "America/New_York" in subscribed["text"]
    capsys.readouterr()
    assert await digest(settings=app.settings, team_id=DEFAULT_TEAM, channel_id="C0GROWTH", dry_run=True) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "(sample data)" in printed["text"]
    assert SAMPLE_NOTE in json.dumps(printed["blocks"])
    assert "Demo Store" in json.dumps(printed["blocks"])

    # and the scheduled alert check posts the planted incident, saying it is sample data
    await _lookout(app, f"alerts {GROWTH}")
    async with app.services.database.session() as session:
        rows = await list_subscriptions(session=session, workspace_id=await _workspace_id(app))
        [alerts_row] = [row for row in rows if row.kind == "alerts"]
        assert alerts_row.id is not None
        subscription = await get_scheduled_subscription(session=session, subscription_id=alerts_row.id)
    assert subscription is not None
    work = build_scheduled_work(app.services, claimant="test")
    result = await work.alerts.check(subscription)
    assert result.alerts, "the planted incident is alerted"
    [alert] = [call for call in app.slack.calls_to("chat.postMessage") if call.get("channel") == "C0GROWTH"]
    assert SAMPLE_NOTE in json.dumps(alert.get("blocks")) and "Sessions dropped" in str(alert.get("text"))

    # when the admin then connects Google, their own property replaces the sample data
    status_code, _, _ = await _connect(app, google, "ana@acme.test")
    assert status_code == 200
    assert await _sample_since(app) is None
    connected = (await _lookout(app, "status"))["text"]
    assert "✅ working" in connected and "sample data" not in connected
    async with app.services.database.session() as session:
        target = await google_connections(app.services).resolve_target(
            workspace_id=await _workspace_id(app), channel_id="C0GROWTH"
        )
        assert len((await session.execute(select(Subscription))).scalars().all()) == 2  # subscriptions are kept
    assert (target.sample, target.property_id) == (False, "123456")


async def test_the_connect_prompt_says_it_replaces_the_sample_data(
    start_app: StartApp, fakes: dict[str, LLMFakeServer], google: FakeGoogleAuth
) -> None:
    app = await _start(start_app, fakes, **google.settings_overrides())
    await _lookout(app, "connect demo")

    answer = await _lookout(app, "connect")

    assert messages.SAMPLE_REPLACED_NOTE in answer["text"]
    assert [button["text"]["text"] for button in _buttons(answer["blocks"])] == ["Connect Google"]


async def test_an_ordinary_member_cannot_put_the_workspace_on_sample_data(
    start_app: StartApp, fakes: dict[str, LLMFakeServer]
) -> None:
    app = await _start(start_app, fakes)

    answer = await _lookout(app, "connect demo", user_id=MEMBER)

    assert "Only Lookout managers can change" in answer["text"]
    assert await _sample_since(app) is None
    async with app.services.database.session() as session:
        assert (await session.execute(select(SettingsChange))).scalars().all() == []
    # nor take it off
    await _lookout(app, "connect demo")
    assert "Only Lookout managers" in (await _lookout(app, "disconnect", user_id=MEMBER))["text"]
    assert await _sample_since(app) is not None


async def test_sample_data_works_before_google_is_configured_and_disconnect_ends_it(
    start_app: StartApp, fakes: dict[str, LLMFakeServer]
) -> None:
    # given a Lookout with no Google OAuth client at all
    app = await _start(start_app, fakes)
    assert not app.settings.google_configured
    await _lookout(app, "connect demo")
    assert (await _lookout(app, "connect demo"))["text"] == messages.SAMPLE_ALREADY

    # status names what the operator must set before anyone can connect Google
    status = (await _lookout(app, "status"))["text"]
    assert "*sample data*" in status and "`GOOGLE_CLIENT_ID`" in status
    home = await _home_view(app)
    assert [button["action_id"] for button in _buttons(home["blocks"])] == [messages.ACTION_STOP_SAMPLE]

    # when a manager runs /lookout disconnect
    answer = await _lookout(app, "disconnect")

    # then the sample data is gone, and the next question hears that Google is not set up
    assert answer["text"] == messages.SAMPLE_DISCONNECTED
    assert await _sample_since(app) is None
    reply = await ask(app, "how many sessions did we have last week?")
    assert SAMPLE_NOTE not in json.dumps(reply.blocks) and "GOOGLE_CLIENT_ID" in reply.text
    assert fakes["anthropic"].requests == []
    assert (await _lookout(app, "disconnect"))["text"] == messages.NOTHING_TO_DISCONNECT


async def test_the_home_tab_button_stops_the_sample_data(start_app: StartApp, fakes: dict[str, LLMFakeServer]) -> None:
    app = await _start(start_app, fakes)
    await _lookout(app, "connect demo")

    await app.sender.action(action_id=messages.ACTION_STOP_SAMPLE, view={"type": "home", "id": "V0HOME"})
    await app.settle()

    assert await _sample_since(app) is None
    dms = [call for call in app.slack.calls_to("chat.postMessage") if call.get("channel") == DEFAULT_USER]
    assert dms[-1].get("text") == messages.SAMPLE_DISCONNECTED
    async with app.services.database.session() as session:
        actions = [change.action for change in (await session.execute(select(SettingsChange))).scalars()]
    assert actions == ["connect", messages.ACTION_STOP_SAMPLE]


async def test_a_workspace_connected_to_google_is_not_switched_to_sample_data(
    start_app: StartApp, fakes: dict[str, LLMFakeServer], google: FakeGoogleAuth
) -> None:
    google.add_account("ana@acme.test", properties=[FakeProperty("123456", "Acme web")])
    app = await _start(start_app, fakes, **google.settings_overrides())
    await _connect(app, google, "ana@acme.test")

    answer = await _lookout(app, "connect demo")

    assert answer["text"] == messages.SAMPLE_REFUSED_CONNECTED
    assert await _sample_since(app) is None
