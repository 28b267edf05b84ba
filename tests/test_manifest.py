"""manifest.yml declares everything the code relies on: scopes, events, the command, interactivity, App Home."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.fakes.slack_api import FakeSlack
from bot.google.consent_link import SIGN_IN_CALLBACK_PATH
from bot.platform.slack.sign_in import SCOPES as SIGN_IN_SCOPES
from bot.slack.surface import BOT_EVENTS, BOT_SCOPES, COMMAND, MESSAGE_SHORTCUTS
from bot.text import core as messages
from tests.helpers.app_harness import RunningApp

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"


def load() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_every_scope_event_and_command_the_code_uses_is_declared() -> None:
    manifest = load()

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(BOT_EVENTS)
    commands = {command["command"]: command for command in manifest["features"]["slash_commands"]}
    assert commands[COMMAND]["url"].endswith("/slack/events")
    assert commands[COMMAND]["should_escape"] is True
    shortcuts = {(s["callback_id"], s["name"]) for s in manifest["features"]["shortcuts"]}
    assert shortcuts == set(MESSAGE_SHORTCUTS)
    assert all(s["type"] == "message" and len(s["description"]) <= 150 for s in manifest["features"]["shortcuts"])
    assert "commands" in BOT_SCOPES  # shortcuts need it, as the slash command does
    # the only user scope is Sign in with Slack's, which binds a Google consent link to its person
    assert manifest["oauth_config"]["scopes"]["user"] == list(SIGN_IN_SCOPES)


def test_one_request_url_serves_events_commands_and_interactivity() -> None:
    settings = load()["settings"]

    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    redirects = load()["oauth_config"]["redirect_urls"]
    assert redirects[0].endswith("/slack/oauth_redirect")
    assert redirects[1].endswith(SIGN_IN_CALLBACK_PATH)


def test_app_home_bot_user_and_agent_view_with_the_bots_suggested_prompts() -> None:
    features = load()["features"]

    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["bot_user"]["display_name"] == "Lookout"
    prompts = [(p["title"], p["message"]) for p in features["agent_view"]["suggested_prompts"]]
    assert prompts == list(messages.SUGGESTED_PROMPTS)


async def test_the_app_subscribes_a_listener_to_every_declared_event(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    # given every declared event, when each is delivered, then none is left unhandled (bolt answers 404 for those)
    from tests.helpers import slack_requests as build

    declared = set(load()["settings"]["event_subscriptions"]["bot_events"])
    samples = {
        "app_home_opened": build.app_home_opened(),
        "app_mention": build.app_mention(),
        "app_uninstalled": build.app_uninstalled(),
        "assistant_thread_started": build.assistant_thread_started(),
        "message.im": build.message_im(),
        "tokens_revoked": build.tokens_revoked(user_ids=["U0ALICE"], bot_user_ids=[]),
    }
    assert set(samples) == declared
    statuses = {name: (await slack_app.send_event(event)).status for name, event in samples.items()}

    assert statuses == dict.fromkeys(declared, 200)
