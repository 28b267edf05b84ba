"""Verify first, then parse: junk at `/slack/events`, signed or not, gets a 4xx and at most one INFO line."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import NamedTuple

import aiohttp
import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from pydantic import SecretStr
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.fakes.slack_api import FakeSlack
from bot.slack import intake
from tests.helpers.app_harness import SIGNING_SECRET, RunningApp
from tests.helpers.slack_requests import (
    app_mention,
    block_actions_body,
    event_envelope,
    send,
    slash_command_body,
    view_submission_body,
)

FORM = "application/x-www-form-urlencoded"


class Junk(NamedTuple):
    what: str
    body: bytes
    content_type: str


JUNK = [
    Junk("malformed JSON", b'{"type": "event_callback", "event": {', "application/json"),
    Junk("a JSON array", b'[{"type": "event_callback"}]', "application/json"),
    Junk("a JSON string", b'"event_callback"', "application/json"),
    Junk("invalid UTF-8", b'{"type": "event_callback", "text": "\xff\xfe\xc3"}', "application/json"),
    Junk("a payload field that is not JSON", b"payload=%7Bnot+json", FORM),
    Junk("a payload field that is a JSON list", b"payload=%5B1%2C2%5D", FORM),
    Junk("a form body that is neither command nor interaction", b"hello=world", FORM),
    Junk("XML", b"<event><type>event_callback</type></event>", "application/xml"),
]


def _problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING or record.exc_info]


async def _post(app: RunningApp, body: bytes, content_type: str, *, signed: bool) -> int:
    # The helper signs text; these bodies may not be text, so sign the bytes by hand the way Slack does.
    headers = {"Content-Type": content_type}
    if signed:
        timestamp = str(int(time.time()))
        digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
        headers |= {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}
    async with aiohttp.ClientSession() as session, session.post(app.events_url, data=body, headers=headers) as r:
        await r.read()
        return r.status


@pytest.fixture(params=JUNK, ids=[case.what for case in JUNK])
def junk(request: pytest.FixtureRequest) -> Junk:
    """Each kind of body that is not a Slack request."""
    case: Junk = request.param
    return case


async def test_unsigned_junk_is_refused_before_it_is_read(
    slack_app: RunningApp, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, junk: Junk
) -> None:
    caplog.set_level(logging.INFO)

    status = await _post(slack_app, junk.body, junk.content_type, signed=False)

    assert status == 401, junk.what
    assert _problems(caplog) == []
    assert len([r for r in caplog.records if r.name == "bot.slack.web"]) == 1
    assert fake_slack.calls == []


async def test_signed_junk_gets_a_4xx_and_one_info_line(
    slack_app: RunningApp, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, junk: Junk
) -> None:
    caplog.set_level(logging.INFO)

    status = await _post(slack_app, junk.body, junk.content_type, signed=True)

    assert status == (415 if junk.content_type == "application/xml" else 400), junk.what
    assert _problems(caplog) == []
    assert [r.levelno for r in caplog.records if r.name.startswith(("bot", "slack_bolt"))] == [logging.INFO]
    assert fake_slack.calls == []


async def test_malformed_signature_headers_are_a_401_not_a_crash(
    slack_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(event_envelope(app_mention()))
    for headers in (
        {"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "1531420618", "X-Slack-Signature": "v0=\u00e9t\u00e9"},
    ):
        response = await send(
            slack_app.events_url, body, signing_secret=SIGNING_SECRET, signed=False, extra_headers=headers
        )
        assert response.status == 401
    assert _problems(caplog) == []


async def test_a_signed_event_naming_no_workspace_is_a_400(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    envelope = event_envelope(app_mention())
    envelope.pop("team_id")
    envelope.pop("authorizations")
    envelope["event"].pop("team")

    response = await slack_app.sender.envelope(envelope)

    assert response.status == 400
    assert fake_slack.calls == []


async def test_a_signed_block_action_without_actions_is_a_400(slack_app: RunningApp) -> None:
    payload = {"type": "block_actions", "team": {"id": "T0LOOKOUT"}, "user": {"id": "U0ALICE"}, "actions": []}
    body = f"payload={json.dumps(payload)}"

    response = await send(slack_app.events_url, body, signing_secret=SIGNING_SECRET, content_type=FORM)

    assert response.status == 400


async def test_a_slash_command_mentioning_payload_still_reaches_the_command(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    # bolt alone reads any form body containing the word "payload" as an empty interaction
    response = await slack_app.command("payload")
    answers = await fake_slack.wait_for_responses(1)

    assert response.status == 200
    assert "I don't know `/lookout payload`" in answers[0].body["text"]


async def test_a_slash_command_is_still_a_form_post(slack_app: RunningApp) -> None:
    body = slash_command_body("help", response_url=slack_app.sender.response_url)

    as_json = await send(slack_app.events_url, body, signing_secret=SIGNING_SECRET, content_type="application/json")

    assert as_json.status == 400


def _kinds_of_request() -> list[tuple[str, str]]:
    """(body, content type) of each kind of request Slack sends to `/slack/events`."""
    response_url = "https://hooks.slack.com/commands/T0LOOKOUT/1/abc"
    return [
        (json.dumps(event_envelope(app_mention())), "application/json"),
        (json.dumps(event_envelope(app_mention(), enterprise_id="E0GRID")), "application/json"),
        (slash_command_body("digest #growth", response_url=response_url), FORM),
        (block_actions_body(action_id="lookout_feedback_up", value="1", response_url=response_url), FORM),
        (view_submission_body(callback_id="lookout_subscription_add", values={}), FORM),
    ]


@pytest.mark.parametrize(("body", "content_type"), _kinds_of_request())
def test_the_request_handed_to_bolt_is_the_one_bolt_would_build_itself(body: str, content_type: str) -> None:
    # intake builds bolt's request from its own parse (no second parse); it must be indistinguishable from bolt's,
    # attribute for attribute, so that a bolt upgrade changing its request fails here.
    headers = CIMultiDictProxy(
        CIMultiDict({"Content-Type": content_type, "X-Slack-Retry-Num": "1", "User-Agent": "Slackbot 1.0"})
    )
    text, kind, payload = intake.parse(body=body.encode(), content_type=content_type)

    ours = intake.bolt_request(text=text, kind=kind, payload=payload, query="", headers=headers)
    bolts = AsyncBoltRequest(body=body, query="", headers=headers)  # type: ignore[arg-type]  # bolt reads any mapping

    assert vars(ours).keys() == vars(bolts).keys()
    for name in vars(bolts):
        if name != "context":
            assert getattr(ours, name) == getattr(bolts, name), name
    assert dict(ours.context) == dict(bolts.context)


def test_verify_accepts_slacks_published_vector_and_refuses_any_change_to_it() -> None:
    # Slack's example (docs.slack.dev, "Verifying requests from Slack"), checked at the moment it was signed.
    from tests.bot.slack.test_web import VECTOR_BODY, VECTOR_SECRET, VECTOR_SIGNATURE, VECTOR_TIMESTAMP

    secret = SecretStr(VECTOR_SECRET)
    body = VECTOR_BODY.encode()
    timestamp = str(VECTOR_TIMESTAMP)
    intake.verify(
        signing_secret=secret, body=body, timestamp=timestamp, signature=VECTOR_SIGNATURE, now=VECTOR_TIMESTAMP
    )

    changed_signature = VECTOR_SIGNATURE[:-1] + ("0" if VECTOR_SIGNATURE[-1] != "0" else "1")
    for kwargs in (
        {"body": body + b" "},
        {"body": body.replace(b"roadrunner", b"roadrunnex")},
        {"timestamp": str(VECTOR_TIMESTAMP + 1)},
        {"signature": changed_signature},
        {"signature": VECTOR_SIGNATURE.upper()},
        {"signing_secret": SecretStr(VECTOR_SECRET + "x")},
    ):
        arguments = {"signing_secret": secret, "body": body, "timestamp": timestamp, "signature": VECTOR_SIGNATURE}
        with pytest.raises(intake.Refused) as refused:
            intake.verify(**(arguments | kwargs), now=VECTOR_TIMESTAMP)  # type: ignore[arg-type]
        assert refused.value.status == 401
