"""A question asked while a person must fix something first, as `lookout serve` wires it: no property chosen yet
gets the property picker in the thread, revoked Google access gets the Reconnect button, and both buttons work."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.agent.context import PreparedContext
from bot.fakes.llm_script import Fail, LLMFakeServer, RecordedRequest, Reply, Script, ScriptedToolCall
from bot.fakes.slack_api import FakeMessage, FakeSlack
from bot.google.connection import google_connections
from bot.google.problems import NoPropertyChosen
from bot.main.agent import build_agent_handler
from bot.platform.services import Services
from bot.text import google as google_messages
from storage.repos.google import get_connection
from tests.bot.google.test_slack_flow import _buttons, _connect, _dms, _workspace_id
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.consent import google_consent_url
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_TEAM, DEFAULT_USER, app_mention, send
from tools.fakes.google import FakeGoogle
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty, FakeSite
from tools.sample.dataset import PropertyDataset

NOW = datetime(2026, 11, 20, 15, 30)
MODEL = "anthropic:claude-haiku-5-5"
LAST_WEEK = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    auth = FakeGoogleAuth()
    async with FakeGoogle(auth=auth) as server:
        yield server


def _auth(google: FakeGoogle) -> FakeGoogleAuth:
    assert isinstance(google.auth, FakeGoogleAuth)
    return google.auth


async def _start(start_app: StartApp, google: FakeGoogle, claude: LLMFakeServer, **extra: Any) -> RunningApp:
    return await start_app(
        **extra,
        **_auth(google).settings_overrides(google.url),
        anthropic_api_key="test-key",
        anthropic_base_url=claude.url,
        lookout_models_fast=MODEL,
        lookout_models_deep=MODEL,
    )


async def _ask(app: RunningApp, text: str) -> FakeMessage:
    event = app_mention(text)
    await app.send_event(event)
    await app.settle(timeout=20)
    [reply] = app.slack.thread_replies(DEFAULT_CHANNEL, event["ts"])
    return reply


def _menus(blocks: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: block | {"element": element}
        for block in blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def _pick(app: RunningApp, *, block_id: str, value: str, label: str) -> dict[str, Any]:
    """The person chooses `value` in the thread's property menu; returns what the bot answered on the response URL."""
    payload = {
        "type": "block_actions",
        "user": {"id": DEFAULT_USER, "team_id": DEFAULT_TEAM},
        "team": {"id": DEFAULT_TEAM, "domain": "lookout-test"},
        "api_app_id": "A0LOOKOUT",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "response_url": app.slack.response_url_for("thread-picker"),
        "container": {"type": "message", "message_ts": "1.0", "channel_id": DEFAULT_CHANNEL},
        "channel": {"id": DEFAULT_CHANNEL},
        "actions": [
            {
                "type": "static_select",
                "action_id": google_messages.ACTION_PICK_PROPERTY,
                "block_id": block_id,
                "selected_option": {"text": {"type": "plain_text", "text": label}, "value": value},
                "action_ts": "1.1",
            }
        ],
    }
    ack = await send(
        app.events_url,
        urlencode({"payload": json.dumps(payload)}),
        signing_secret=app.sender.signing_secret,
        content_type="application/x-www-form-urlencoded",
    )
    assert ack.status == 200
    [answer] = await app.slack.wait_for_responses(1, key="thread-picker")
    await app.settle()
    return dict(answer.body)


async def test_a_question_before_any_property_is_chosen_gets_the_picker_in_the_thread_and_it_works(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> None:
    auth = _auth(google)
    auth.add_account(
        "ana@agency.test",
        properties=[FakeProperty("111", "Client A", account_id="1"), FakeProperty("222", "Client B", account_id="2")],
        sites=[FakeSite("https://a.test/"), FakeSite("https://b.test/")],
    )
    google.add_property("222", PropertyDataset(seed=1, now=NOW, days=30))
    claude = fakes["anthropic"]
    app = await _start(start_app, google, claude)
    await _connect(app, auth, "ana@agency.test")  # two of each: nothing is picked automatically

    reply = await _ask(app, "how many sessions last week?")

    assert reply.text.startswith("Which GA4 property")
    menus = _menus(reply.blocks)
    menu = menus[google_messages.ACTION_PICK_PROPERTY]
    options = [option["value"] for group in menu["element"]["option_groups"] for option in group["options"]]
    assert options == ["111", "222"]
    assert google_messages.ACTION_PICK_SITE in menus
    assert claude.requests == []  # no model was asked

    answer = await _pick(app, block_id=menu["block_id"], value="222", label="Client B (222)")

    assert "Client B" in answer["text"] and "for this workspace" in answer["text"]
    target = await google_connections(app.services).resolve_target(
        workspace_id=await _workspace_id(app), channel_id=DEFAULT_CHANNEL
    )
    assert target.property_id == "222"


async def test_an_account_that_sees_no_property_gets_the_text_instead_of_an_empty_picker(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> None:
    auth = _auth(google)
    auth.add_account("ana@agency.test", sites=[FakeSite("https://a.test/"), FakeSite("https://b.test/")])
    app = await _start(start_app, google, fakes["anthropic"])
    await _connect(app, auth, "ana@agency.test")

    reply = await _ask(app, "how many sessions last week?")

    assert reply.text == google_messages.NO_PROPERTY
    assert not _menus(reply.blocks)


async def test_revoked_access_shows_the_reconnect_button_on_each_question_but_dms_once(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    auth = _auth(google)
    auth.add_account("ana@acme.test", properties=[FakeProperty("111", "Acme")])
    google.add_property("111", PropertyDataset(seed=1, now=NOW, days=30))
    auth.access_token_lifetime = 60  # every use needs a refresh
    claude = fakes["anthropic"]
    claude.responder = lambda recorded: Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),))
    app = await _start(start_app, google, claude)
    await _connect(app, auth, "ana@acme.test")
    auth.revoke_grants("ana@acme.test")
    dms_before = len(_dms(fake_slack))

    replies = [await _ask(app, "sessions last week?"), await _ask(app, "and the week before?")]

    for reply in replies:
        assert "the access was revoked or has expired" in reply.text
        assert "invalid_grant" not in reply.text
        assert [button["action_id"] for button in _buttons(reply.blocks or [])] == [google_messages.ACTION_CONNECT]
    new_dms = _dms(fake_slack)[dms_before:]
    assert len(new_dms) == 1  # the one DM to the person who connected

    # the thread's button DMs whoever clicked it a fresh consent link
    await app.sender.action(action_id=google_messages.ACTION_CONNECT)
    await app.settle()
    [link] = _buttons(_dms(fake_slack)[-1]["blocks"])
    assert link["action_id"] == google_messages.ACTION_CONNECT_LINK
    # which leads the person who clicked (and only them: Sign in with Slack) to Google's consent page
    assert link["url"].startswith(app.url + "/google/oauth/start?state=")
    async with aiohttp.ClientSession() as browser:
        consent = await google_consent_url(browser, link["url"], slack=fake_slack, user_id=DEFAULT_USER)
    assert consent.startswith(auth.settings_overrides(google.url)["google_auth_url"])


async def test_when_google_cannot_list_properties_the_question_gets_the_text(
    start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> None:
    async def no_property(*, workspace_id: int, channel_id: str | None) -> PreparedContext:
        raise NoPropertyChosen

    def configure(services: Services) -> None:
        return build_agent_handler(services, contexts=no_property)

    # Google is set up but this workspace never connected: the property list can't be read
    app = await start_app(
        configure=configure,
        **_auth(google).settings_overrides(google.url),
        anthropic_api_key="test-key",
        anthropic_base_url=fakes["anthropic"].url,
        lookout_models_fast=MODEL,
        lookout_models_deep=MODEL,
    )

    reply = await _ask(app, "how many sessions last week?")

    assert reply.text == google_messages.NO_PROPERTY
    assert not _menus(reply.blocks)


def _shown(reply: FakeMessage) -> str:
    """Everything a person reads in the message: its blocks' text (Slack shows `text` only without blocks)."""
    if not reply.blocks:
        return reply.text
    return json.dumps(reply.blocks, ensure_ascii=False)


_THINKING = timedelta(seconds=0.6)  # each model turn: more than half a 1 s token's life, less than all of it


@pytest.mark.parametrize(("lifetime", "skew_minutes"), [(1, 0), (60, 0), (299, 0), (3599, 0), (60, 7), (60, -7)])
async def test_google_tokens_of_any_lifetime_and_a_skewed_clock_still_answer_from_ga4(
    start_app: StartApp,
    google: FakeGoogle,
    fakes: dict[str, LLMFakeServer],
    fake_slack: FakeSlack,
    lifetime: int,
    skew_minutes: int,
) -> None:
    auth = _auth(google)
    auth.add_account("ana@acme.test", properties=[FakeProperty("111", "Acme")])
    google.add_property("111", PropertyDataset(seed=1, now=NOW, days=30))
    auth.access_token_lifetime = lifetime
    # One timeline for Lookout and Google that moves only while the model thinks: a 1 s token is due (and renewed)
    # between the two reports however fast or loaded the machine is, and never dies in wall time between being
    # issued and being used (on a loaded machine that took over a second, and fresh tokens were refused).
    timeline = [datetime.now(UTC)]
    auth.clock = lambda: timeline[0].timestamp()
    replies: list[Script] = [
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)),
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK | {"dimensions": ["date"]}),)),
        Reply(text="Sessions held steady last week."),
    ]

    def thinks(recorded: RecordedRequest) -> Script:
        timeline[0] += _THINKING
        return replies.pop(0) if replies else Fail(status=500, message="fake: no scripted reply left")  # as a script

    claude = fakes["anthropic"]
    claude.responder = thinks

    def skewed(services: Services) -> None:
        services.clock = lambda: timeline[0] + timedelta(minutes=skew_minutes)

    app = await _start(start_app, google, claude, configure=skewed)
    await _connect(app, auth, "ana@acme.test")
    dms_before = len(_dms(fake_slack))
    refreshes_before = len(auth.refresh_exchanges())

    reply = await _ask(app, "sessions last week?")

    assert "Sessions held steady last week." in reply.text
    if lifetime == 1:
        assert len(auth.refresh_exchanges()) > refreshes_before  # renewed mid-question, not only at the start
    assert "revoked" not in _shown(reply)
    assert len(google.calls("runReport")) == 2  # both reports reached GA4
    assert len(_dms(fake_slack)) == dms_before
    async with app.services.database.session() as session:
        connection = await get_connection(session=session, workspace_id=await _workspace_id(app))
    assert connection is not None and connection.status == "healthy"


@pytest.mark.parametrize(
    ("status", "error", "expected", "not_expected"),
    [
        (401, "invalid_client", "an admin must fix `GOOGLE_CLIENT_ID`", "revoked"),
        (500, None, "Google didn't answer just now", "revoked"),
        (400, "invalid_grant", "the access was revoked or has expired", "admin"),
    ],
)
async def test_each_google_auth_failure_gets_its_own_message_once(
    start_app: StartApp,
    google: FakeGoogle,
    fakes: dict[str, LLMFakeServer],
    status: int,
    error: str | None,
    expected: str,
    not_expected: str,
) -> None:
    auth = _auth(google)
    auth.add_account("ana@acme.test", properties=[FakeProperty("111", "Acme")])
    google.add_property("111", PropertyDataset(seed=1, now=NOW, days=30))
    auth.access_token_lifetime = 1
    claude = fakes["anthropic"]
    claude.responder = lambda recorded: Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),))
    app = await _start(start_app, google, claude)
    await _connect(app, auth, "ana@acme.test")
    await asyncio.sleep(0.6)  # the 1 s token is due: the question needs a refresh
    auth.fail_token_requests(status=status, error=error, times=5)

    reply = await _ask(app, "sessions last week?")

    shown = _shown(reply)
    assert shown.count(expected) == 1, shown
    assert not_expected not in shown
    assert google.calls("runReport") == []
