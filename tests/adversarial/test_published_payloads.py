"""Slack's own published example payloads, replayed against the running app, signed with the test secret.

The payloads are copied verbatim from the SDKs' tests (slack_published_payloads.json names the repository, commit,
file and variable of each): message subtypes, App Home, block actions with action ids Lookout never had, views,
shortcuts, dialogs, Enterprise Grid envelopes with `authorizations` and `is_enterprise_install`, a Slack Connect
delivery. Only their `hooks.slack.com` response URLs are pointed at the fake Slack's sink. Each is acked 2xx within
3 s, logs no error or traceback, and causes no post but the one it asks for.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.fakes.slack_api import FakeSlack
from bot.text import core as messages
from tests.adversarial.conftest import POSTING
from tests.bot.slack.test_oauth_install import install
from tests.helpers.app_harness import SIGNING_SECRET, RunningApp
from tests.helpers.slack_requests import SlackResponse, send

PAYLOADS: list[dict[str, Any]] = json.loads((Path(__file__).parent / "slack_published_payloads.json").read_text())
BY_NAME = {payload["name"]: payload for payload in PAYLOADS}
FORM = "application/x-www-form-urlencoded"

# What each payload may cause besides its ack: a reply in the mention's thread, a note that a button is outdated
# (through its response URL), a modal saying a shortcut is outdated. Anything else is an unexpected post.
MENTIONS = {"app_mention", "shared_channel_app_mention", "sdk_app_mention"}
OUTDATED_NOTES = {
    "block_actions": messages.STALE_BUTTON,
    "interactive_message": messages.STALE_BUTTON,
    "dialog_submission": messages.STALE_BUTTON,
    "dialog_cancellation": messages.STALE_BUTTON,
    "message_shortcut": messages.STALE_SHORTCUT,
}
OUTDATED_MODALS = {"global_shortcut", "sdk_shortcut"}


def _pointed_at(value: Any, sink: str) -> Any:
    """The payload with every `https://hooks.slack.com/…` response URL replaced by the fake's sink."""
    if isinstance(value, str):
        return sink if value.startswith("https://hooks.slack.com/") else value
    if isinstance(value, dict):
        return {key: _pointed_at(item, sink) for key, item in value.items()}
    if isinstance(value, list):
        return [_pointed_at(item, sink) for item in value]
    return value


async def replay(app: RunningApp, payload: dict[str, Any]) -> SlackResponse:
    body = _pointed_at(payload["body"], app.slack.response_url_for("replay"))
    if isinstance(body, str):  # a slash command's form body, as Slack posts it
        fields = _pointed_at(dict(parse_qsl(body, keep_blank_values=True)), app.slack.response_url_for("replay"))
        text, content_type = urlencode(fields), FORM
    elif "command" in body:  # the same, from the Socket Mode envelope: form-encoded over HTTP
        text, content_type = urlencode(body), FORM
    elif body.get("type") in ("event_callback", "url_verification"):
        text, content_type = json.dumps(body), "application/json"
    else:
        text, content_type = urlencode({"payload": json.dumps(body)}), FORM
    return await send(app.events_url, text, signing_secret=SIGNING_SECRET, content_type=content_type)


def _posting_methods(slack: FakeSlack) -> set[str]:
    return {method for method in POSTING if slack.calls_to(method)}


def _trouble(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info is not None]


@pytest.mark.parametrize("payload", PAYLOADS, ids=[payload["name"] for payload in PAYLOADS])
async def test_a_published_payload_is_acked_quickly_quietly_and_causes_only_what_it_asks_for(
    slack_app: RunningApp, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, payload: dict[str, Any]
) -> None:
    caplog.set_level(logging.INFO)
    # The clicker is a workspace admin, so the roles check lets a settings button through to what handles it.
    clicker = (payload["body"].get("user") or {}) if isinstance(payload["body"], dict) else {}
    if isinstance(clicker, dict) and clicker.get("id"):
        fake_slack.add_user(clicker["id"])
        fake_slack.users[clicker["id"]]["is_admin"] = True

    response = await replay(slack_app, payload)
    if payload["name"] in MENTIONS:
        await slack_app.wait_for_calls("chat.postMessage")
    elif payload["name"] in OUTDATED_NOTES:
        await fake_slack.wait_for_responses(1, key="replay")
    elif payload["name"] in OUTDATED_MODALS:
        await slack_app.wait_for_calls("views.open")
    await slack_app.settle()

    assert 200 <= response.status < 300, response.text
    assert response.elapsed < 3.0
    assert _trouble(caplog) == []
    name = payload["name"]
    expected = {"chat.postMessage"} if name in MENTIONS else {"views.open"} if name in OUTDATED_MODALS else set()
    assert _posting_methods(fake_slack) == expected
    if name in MENTIONS:
        [reply] = fake_slack.calls_to("chat.postMessage")
        event = payload["body"]["event"]
        assert (reply.get("channel"), reply.get("thread_ts")) == (event["channel"], event["ts"])
    notes = [response.body["text"] for response in fake_slack.responses_for("replay")]
    assert notes == ([OUTDATED_NOTES[name]] if name in OUTDATED_NOTES else [])


@pytest.mark.parametrize("name", ["message_changed", "message_deleted", "bot_message", "classic_bot_message"])
async def test_edits_deletions_and_bot_posts_in_a_dm_are_not_questions(
    slack_app: RunningApp, fake_slack: FakeSlack, name: str
) -> None:
    body = json.loads(json.dumps(BY_NAME[name]["body"]))
    body["event"]["channel_type"], body["event"]["channel"] = "im", "D0ALICE"

    response = await replay(slack_app, {"body": body})
    await slack_app.settle()

    assert response.status == 200
    assert _posting_methods(fake_slack) == set()


@pytest.mark.parametrize("name", ["file_share", "thread_broadcast", "user_message"])
async def test_a_persons_file_share_or_broadcast_in_a_dm_is_answered_once_in_its_thread(
    slack_app: RunningApp, fake_slack: FakeSlack, name: str
) -> None:
    body = json.loads(json.dumps(BY_NAME[name]["body"]))
    body["event"]["channel_type"], body["event"]["channel"] = "im", "D0ALICE"

    response = await replay(slack_app, {"body": body})
    [reply] = await slack_app.wait_for_calls("chat.postMessage")

    assert response.status == 200
    event = body["event"]
    assert reply.get("channel") == "D0ALICE"
    assert reply.get("thread_ts") == (event.get("thread_ts") or event["ts"])


async def test_the_shared_channel_mention_is_answered_by_its_installation_in_multi_workspace_mode(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack
) -> None:
    # bolt-python's shared-channel mention: envelope enterprise E_SOURCE, authorizations[0] E_INSTALLED/T_INSTALLED
    grant = fake_slack.add_oauth_code("code", team_id="T_INSTALLED", enterprise_id="E_INSTALLED")
    assert (await install(multi_workspace_app, code="code"))[0] < 400

    response = await replay(multi_workspace_app, BY_NAME["shared_channel_app_mention"])
    [reply] = await multi_workspace_app.wait_for_calls("chat.postMessage")

    assert response.status == 200
    assert reply.token == grant.workspace.bot_token


async def test_an_enterprise_grid_org_wide_delivery_for_an_uninstalled_org_is_acked_without_a_post(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # bolt-python's org-app message (authorizations[0]: E111, no team, is_enterprise_install) to an app that has
    # no installation for that org: bolt finds none; nothing is posted and nothing crashes
    response = await replay(multi_workspace_app, BY_NAME["org_message"])
    await multi_workspace_app.settle()

    assert 200 <= response.status < 300
    assert _posting_methods(fake_slack) == set()
    assert not [r for r in caplog.records if r.exc_info is not None]
