"""Build and sign requests exactly as Slack sends them, and deliver them over real HTTP.

Signing follows https://docs.slack.dev/authentication/verifying-requests-from-slack: `v0=` + hex HMAC-SHA256 of
`v0:{timestamp}:{raw body}` keyed by the signing secret, in `X-Slack-Signature`, with `X-Slack-Request-Timestamp`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

JsonDict = dict[str, Any]

DEFAULT_TEAM = "T0LOOKOUT"
DEFAULT_BOT_USER = "U0LOOKOUT"
DEFAULT_APP = "A0LOOKOUT"
DEFAULT_USER = "U0ALICE"
DEFAULT_CHANNEL = "C0GROWTH"
DEFAULT_DM = "D0ALICE"

_ts_counter = itertools.count(1)


def new_ts() -> str:
    """A fresh, unique Slack message timestamp."""
    return f"{int(time.time())}.{next(_ts_counter):06d}"


def new_event_id() -> str:
    return "Ev" + uuid.uuid4().hex[:12].upper()


def signature(body: str, *, signing_secret: str, timestamp: int | str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: str, *, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds to every request; `timestamp` defaults to now."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, signing_secret=signing_secret, timestamp=ts),
    }


# ------------------------------------------------------------------------------------------------ events


def app_mention(
    text: str = "how did organic traffic do last week?",
    *,
    user: str = DEFAULT_USER,
    channel: str = DEFAULT_CHANNEL,
    ts: str | None = None,
    thread_ts: str | None = None,
    team: str = DEFAULT_TEAM,
    bot_user_id: str = DEFAULT_BOT_USER,
) -> JsonDict:
    """An `app_mention` event; the text is prefixed with the bot's mention as Slack does."""
    message_ts = ts or new_ts()
    event: JsonDict = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{bot_user_id}> {text}",
        "ts": message_ts,
        "channel": channel,
        "event_ts": message_ts,
        "team": team,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def message_im(
    text: str = "what were our top pages yesterday?",
    *,
    user: str = DEFAULT_USER,
    channel: str = DEFAULT_DM,
    ts: str | None = None,
    thread_ts: str | None = None,
    team: str = DEFAULT_TEAM,
    bot_id: str | None = None,
    subtype: str | None = None,
) -> JsonDict:
    """A `message` event in a DM (`message.im`); `bot_id`/`subtype` make it a bot's or an edit."""
    message_ts = ts or new_ts()
    event: JsonDict = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": message_ts,
        "event_ts": message_ts,
        "channel_type": "im",
        "team": team,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    if bot_id is not None:
        event["bot_id"] = bot_id
    if subtype is not None:
        event["subtype"] = subtype
    return event


def message_channel(
    text: str, *, user: str = DEFAULT_USER, channel: str = DEFAULT_CHANNEL, ts: str | None = None
) -> JsonDict:
    """The `message` event Slack sends alongside `app_mention` when the app also subscribes to channel messages."""
    event = message_im(text, user=user, channel=channel, ts=ts)
    event["channel_type"] = "channel"
    return event


def app_home_opened(*, user: str = DEFAULT_USER, channel: str = DEFAULT_DM, tab: str = "home") -> JsonDict:
    return {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab, "event_ts": new_ts()}


def app_uninstalled() -> JsonDict:
    return {"type": "app_uninstalled"}


def tokens_revoked(*, bot_user_ids: list[str] | None = None, user_ids: list[str] | None = None) -> JsonDict:
    return {"type": "tokens_revoked", "tokens": {"oauth": user_ids or [], "bot": bot_user_ids or [DEFAULT_BOT_USER]}}


def assistant_thread_started(*, user: str = DEFAULT_USER, channel: str = DEFAULT_DM) -> JsonDict:
    thread_ts = new_ts()
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": user,
            "context": {"channel_id": DEFAULT_CHANNEL, "team_id": DEFAULT_TEAM, "enterprise_id": None},
            "channel_id": channel,
            "thread_ts": thread_ts,
        },
        "event_ts": thread_ts,
    }


def event_envelope(
    event: JsonDict,
    *,
    team_id: str = DEFAULT_TEAM,
    enterprise_id: str | None = None,
    event_id: str | None = None,
    api_app_id: str = DEFAULT_APP,
    bot_user_id: str = DEFAULT_BOT_USER,
) -> JsonDict:
    """The `event_callback` wrapper Slack posts to the Request URL."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "enterprise_id": enterprise_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + uuid.uuid4().hex,
    }


def url_verification(challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") -> JsonDict:
    return {"token": "legacy-verification-token", "challenge": challenge, "type": "url_verification"}


# ------------------------------------------------------------------------------------------------ commands, actions


def slash_command_body(
    text: str,
    *,
    response_url: str,
    command: str = "/lookout",
    team_id: str = DEFAULT_TEAM,
    user_id: str = DEFAULT_USER,
    channel_id: str = DEFAULT_CHANNEL,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> str:
    """The form-encoded body of a slash command invocation (`is_enterprise_install`: an org-wide install's)."""
    fields = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "lookout-test",
        "channel_id": channel_id,
        "channel_name": "growth",
        "user_id": user_id,
        "user_name": "alice",
        "command": command,
        "text": text,
        "api_app_id": DEFAULT_APP,
        "is_enterprise_install": "true" if is_enterprise_install else "false",
        "response_url": response_url,
        "trigger_id": f"{next(_ts_counter)}.{team_id}.{uuid.uuid4().hex[:16]}",
    }
    if enterprise_id:
        fields["enterprise_id"] = enterprise_id
    return urlencode(fields)


def block_actions_body(
    *,
    action_id: str,
    value: str = "",
    response_url: str,
    block_id: str = "lookout",
    team_id: str = DEFAULT_TEAM,
    user_id: str = DEFAULT_USER,
    channel_id: str = DEFAULT_CHANNEL,
    message_ts: str | None = None,
    view: JsonDict | None = None,
    selected_value: str | None = None,
    action_type: str = "button",
    thread_ts: str | None = None,
    message_blocks: list[JsonDict] | None = None,
) -> str:
    """The form-encoded `payload=` body of a `block_actions` interaction (a button click, or with `selected_value`
    a choice in a static menu). A click in App Home (`view` of type "home") carries no `response_url`, as on Slack.
    `action_type="feedback_buttons"` is a click on Slack's native feedback buttons (`value` is the chosen button's);
    `thread_ts` puts the clicked message in a thread; `message_blocks` are the clicked message's blocks."""
    payload: JsonDict = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "alice", "name": "alice", "team_id": team_id},
        "api_app_id": DEFAULT_APP,
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_ts_counter)}.{team_id}.{uuid.uuid4().hex[:16]}",
        "team": {"id": team_id, "domain": "lookout-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "type": action_type,
                "action_ts": new_ts(),
            }
            if selected_value is None
            else {
                "action_id": action_id,
                "block_id": block_id,
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": selected_value}, "value": selected_value},
                "action_ts": new_ts(),
            }
        ],
    }
    if view is not None and view.get("type") == "home":
        del payload["response_url"]
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0HOME")}
        payload["view"] = view
    else:
        ts = message_ts or new_ts()
        payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel_id, "is_ephemeral": False}
        payload["channel"] = {"id": channel_id, "name": "growth"}
        payload["message"] = {"type": "message", "ts": ts, "text": ""}
        if thread_ts is not None:
            payload["message"]["thread_ts"] = thread_ts
        if message_blocks is not None:
            payload["message"]["blocks"] = message_blocks
    return urlencode({"payload": json.dumps(payload)})


def message_shortcut_body(
    *,
    callback_id: str,
    message_text: str,
    message_ts: str,
    response_url: str,
    team_id: str = DEFAULT_TEAM,
    user_id: str = DEFAULT_USER,
    channel_id: str = DEFAULT_CHANNEL,
    author_id: str = "U0CAROL",
) -> str:
    """The form-encoded `payload=` body of a `message_action` (a message shortcut chosen on a message)."""
    payload: JsonDict = {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": f"{next(_ts_counter)}.{team_id}.{uuid.uuid4().hex[:16]}",
        "message_ts": message_ts,
        "response_url": response_url,
        "token": "legacy-verification-token",
        "action_ts": new_ts(),
        "team": {"id": team_id, "domain": "lookout-test"},
        "user": {"id": user_id, "username": "alice", "name": "alice", "team_id": team_id},
        "channel": {"id": channel_id, "name": "growth"},
        "message": {"type": "message", "user": author_id, "ts": message_ts, "text": message_text},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission_body(
    *,
    callback_id: str,
    values: JsonDict,
    team_id: str = DEFAULT_TEAM,
    user_id: str = DEFAULT_USER,
    blocks: list[JsonDict] | None = None,
    private_metadata: str = "",
) -> str:
    """The form-encoded `payload=` body of a `view_submission` (a modal's Submit); `values` is `view.state.values`,
    `private_metadata` what the app put in the view it opened."""
    payload: JsonDict = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "lookout-test"},
        "user": {"id": user_id, "username": "alice", "name": "alice", "team_id": team_id},
        "api_app_id": DEFAULT_APP,
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_ts_counter)}.{team_id}.{uuid.uuid4().hex[:16]}",
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {
            "id": f"V{uuid.uuid4().hex[:10].upper()}",
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "1700000000.abcdef",
            "title": {"type": "plain_text", "text": "Lookout"},
            "app_id": DEFAULT_APP,
            "bot_id": "B0LOOKOUT",
        },
        "response_urls": [],
    }
    return urlencode({"payload": json.dumps(payload)})


# ------------------------------------------------------------------------------------------------ delivery


@dataclass(frozen=True)
class SlackResponse:
    """What the app answered to one delivery."""

    status: int
    text: str
    headers: dict[str, str]
    elapsed: float

    def json(self) -> Any:
        return json.loads(self.text)


async def send(
    url: str,
    body: str,
    *,
    signing_secret: str,
    content_type: str = "application/json",
    timestamp: int | None = None,
    retry_num: int | None = None,
    extra_headers: dict[str, str] | None = None,
    signed: bool = True,
    session: aiohttp.ClientSession | None = None,
) -> SlackResponse:
    """POST `body` to `url` as Slack would: signed (unless `signed=False`), with retry headers when asked."""
    headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
    if signed:
        headers.update(signed_headers(body, signing_secret=signing_secret, timestamp=timestamp))
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    headers.update(extra_headers or {})
    own = session is None
    client = session or aiohttp.ClientSession()
    try:
        started = time.perf_counter()
        async with client.post(url, data=body.encode(), headers=headers) as response:
            text = await response.text()
            elapsed = time.perf_counter() - started
            return SlackResponse(status=response.status, text=text, headers=dict(response.headers), elapsed=elapsed)
    finally:
        if own:
            await client.close()


class SlackSender:
    """Delivers signed events, slash commands and interactions to one running app's `/slack/events`."""

    def __init__(self, events_url: str, *, signing_secret: str, response_url: str) -> None:
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.response_url = response_url

    async def event(self, event: JsonDict, *, retry_num: int | None = None, **envelope: Any) -> SlackResponse:
        """Wrap `event` in an envelope (keyword arguments go to `event_envelope`) and deliver it."""
        return await self.envelope(event_envelope(event, **envelope), retry_num=retry_num)

    async def envelope(
        self, envelope: JsonDict, *, retry_num: int | None = None, timestamp: int | None = None, signed: bool = True
    ) -> SlackResponse:
        return await send(
            self.events_url,
            json.dumps(envelope),
            signing_secret=self.signing_secret,
            retry_num=retry_num,
            timestamp=timestamp,
            signed=signed,
        )

    async def command(self, text: str, *, response_url: str | None = None, **fields: Any) -> SlackResponse:
        body = slash_command_body(text, response_url=response_url or self.response_url, **fields)
        return await send(
            self.events_url,
            body,
            signing_secret=self.signing_secret,
            content_type="application/x-www-form-urlencoded",
        )

    async def action(self, *, action_id: str, response_url: str | None = None, **fields: Any) -> SlackResponse:
        body = block_actions_body(action_id=action_id, response_url=response_url or self.response_url, **fields)
        return await send(
            self.events_url,
            body,
            signing_secret=self.signing_secret,
            content_type="application/x-www-form-urlencoded",
        )

    async def message_shortcut(
        self, *, callback_id: str, response_url: str | None = None, **fields: Any
    ) -> SlackResponse:
        body = message_shortcut_body(callback_id=callback_id, response_url=response_url or self.response_url, **fields)
        return await send(
            self.events_url,
            body,
            signing_secret=self.signing_secret,
            content_type="application/x-www-form-urlencoded",
        )

    async def view_submission(self, *, callback_id: str, values: JsonDict, **fields: Any) -> SlackResponse:
        body = view_submission_body(callback_id=callback_id, values=values, **fields)
        return await send(
            self.events_url,
            body,
            signing_secret=self.signing_secret,
            content_type="application/x-www-form-urlencoded",
        )
