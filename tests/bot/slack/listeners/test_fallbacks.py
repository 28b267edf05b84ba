"""Outdated buttons, forms, shortcuts and commands are acked (never Slack's 404 error) and explained where it helps."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from bot.fakes.slack_api import FakeSlack
from bot.text import core as messages
from tests.helpers.app_harness import SIGNING_SECRET, RunningApp
from tests.helpers.slack_requests import DEFAULT_TEAM, DEFAULT_USER, SlackResponse, send

FORM = "application/x-www-form-urlencoded"


async def _interaction(app: RunningApp, payload: dict[str, Any]) -> SlackResponse:
    body = urlencode({"payload": json.dumps(payload)})
    return await send(app.events_url, body, signing_secret=SIGNING_SECRET, content_type=FORM)


def _who() -> dict[str, Any]:
    return {
        "team": {"id": DEFAULT_TEAM, "domain": "lookout-test"},
        "user": {"id": DEFAULT_USER, "team_id": DEFAULT_TEAM},
        "enterprise": None,
        "is_enterprise_install": False,
        "api_app_id": "A0LOOKOUT",
        "token": "legacy-verification-token",
        "trigger_id": "111.222.stale",
    }


async def test_a_button_from_an_old_message_is_acked_and_the_person_told_it_is_outdated(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    response = await slack_app.sender.action(action_id="lookout_retired_button_v1", value="42")
    [note] = await fake_slack.wait_for_responses(1)

    assert response.status == 200
    assert note.body["text"] == messages.STALE_BUTTON
    assert note.body["response_type"] == "ephemeral" and note.body["replace_original"] is False
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_a_button_from_an_old_home_tab_is_acked_quietly(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    # As Slack sends it for a Home tab button: a view container and no response_url
    payload = {
        **_who(),
        "type": "block_actions",
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "callback_id": "", "team_id": DEFAULT_TEAM},
        "actions": [{"action_id": "lookout_retired_home_button", "block_id": "b", "type": "button", "value": "1"}],
    }

    response = await _interaction(slack_app, payload)
    await slack_app.settle()

    assert response.status == 200
    assert fake_slack.responses == []
    assert not [call.method for call in fake_slack.calls if call.method.startswith(("chat.", "views."))]


async def test_an_unknown_form_is_replaced_by_a_modal_saying_it_is_outdated(slack_app: RunningApp) -> None:
    payload = {**_who(), "type": "view_submission", "view": {"id": "V0OLD", "type": "modal", "callback_id": "old_form"}}

    response = await _interaction(slack_app, payload)

    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "update"
    assert messages.STALE_FORM in json.dumps(answer["view"])


async def test_an_unknown_global_shortcut_opens_a_modal_saying_so(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    payload = {**_who(), "type": "shortcut", "callback_id": "retired_shortcut", "action_ts": "1.2"}

    response = await _interaction(slack_app, payload)
    [opened] = await slack_app.wait_for_calls("views.open")

    assert response.status == 200
    assert messages.STALE_SHORTCUT in json.dumps(opened.get("view"))


async def test_another_slash_command_is_acked_with_what_to_use_instead(slack_app: RunningApp) -> None:
    response = await slack_app.command("anything", command="/lookout-old")

    assert response.status == 200
    assert "`/lookout-old`" in response.text and "/lookout help" in response.text


async def test_an_event_nobody_listens_to_is_acked(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    reaction = {
        "type": "reaction_added",
        "user": DEFAULT_USER,
        "item": {"type": "message", "channel": "C0GROWTH", "ts": "1599529504.000400"},
        "reaction": "eyes",
        "event_ts": "1599616881.000800",
    }

    response = await slack_app.send_event(reaction)
    await slack_app.settle()

    assert response.status == 200
    assert fake_slack.calls_to("chat.postMessage") == []
