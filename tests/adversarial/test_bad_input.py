"""Hostile or broken input at the front door: each gets a clear answer or a 4xx, nothing crashes or pings."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.fakes.slack_api import FakeSlack
from bot.slack.listeners.messages import MAX_QUESTION_CHARS
from bot.slack.web import MAX_BODY_BYTES
from storage.tables.core import Workspace
from tests.adversarial.conftest import assert_nothing_pings_or_links, everything_posted
from tests.helpers.app_harness import SIGNING_SECRET, RunningApp
from tests.helpers.slack_requests import app_mention, event_envelope, message_im, send

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def _no_tracebacks(caplog: pytest.LogCaptureFixture) -> object:
    caplog.set_level(logging.INFO)
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


async def _lookout(app: RunningApp, text: str) -> str:
    before = len(app.slack.responses)
    ack = await app.command(text)
    assert ack.status == 200
    answers = await app.slack.wait_for_responses(before + 1)
    await app.settle()
    return str(answers[before].body["text"])


async def test_malformed_json_is_a_400(slack_app: RunningApp) -> None:
    response = await send(slack_app.events_url, '{"type": "event_callback", "event": ', signing_secret=SIGNING_SECRET)
    assert response.status == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x", ""])
async def test_a_content_type_slack_never_sends_is_a_415(slack_app: RunningApp, content_type: str) -> None:
    body = json.dumps(event_envelope(app_mention()))
    response = await send(slack_app.events_url, body, signing_secret=SIGNING_SECRET, content_type=content_type)
    assert response.status == 415


async def test_a_body_over_the_size_limit_is_a_413_even_unsigned(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    body = "payload=" + "x" * (MAX_BODY_BYTES + 10)
    response = await send(slack_app.events_url, body, signing_secret=SIGNING_SECRET, content_type=FORM, signed=False)
    assert response.status == 413
    assert fake_slack.calls == []


@pytest.mark.parametrize("payload", ["{not json", "[1, 2]", '"block_actions"', "null"])
async def test_a_payload_field_that_is_not_a_json_object_is_a_400(slack_app: RunningApp, payload: str) -> None:
    body = urlencode({"payload": payload})
    response = await send(slack_app.events_url, body, signing_secret=SIGNING_SECRET, content_type=FORM)
    assert response.status == 400


async def test_an_event_without_any_team_id_is_a_400(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    envelope = event_envelope(message_im())
    del envelope["team_id"], envelope["authorizations"], envelope["event"]["team"]

    response = await slack_app.sender.envelope(envelope)

    assert response.status == 400
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_a_40000_character_mention_gets_a_clear_answer_and_no_model_call(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    asked: list[str] = []

    async def handler(**kwargs: object) -> None:
        asked.append("called")

    slack_app.message_handler = handler  # type: ignore[assignment]
    response = await slack_app.send_event(app_mention("why? " * 8000))
    [note] = await slack_app.wait_for_calls("chat.postEphemeral")

    assert response.status == 200 and response.elapsed < 3.0
    assert f"over {MAX_QUESTION_CHARS:,} characters" in note.get("text")
    assert asked == []


@pytest.mark.parametrize(
    "text",
    [
        "<!channel>",
        "<!here|here> now",
        "<@U1> please",
        "<https://evil.example|ok>",
        "digest <!channel> 09:00",
        "digest #growth <!everyone> <https://evil.example|Europe/Paris>",
        "alerts <#C0GROWTH|growth> <@U1>",
        "property <https://evil.example|ok>",
        "site <https://evil.example|ok>",
        "unsubscribe <!subteam^S1|@marketing>",
        "[Log in to Google](https://evil.example/b)",
    ],
)
async def test_slash_arguments_with_slack_markup_get_a_clear_answer_that_pings_and_links_nothing(
    slack_app: RunningApp, fake_slack: FakeSlack, text: str
) -> None:
    answer = await _lookout(slack_app, text)

    assert answer.strip()
    assert_nothing_pings_or_links(everything_posted(fake_slack))


@pytest.mark.parametrize(
    "text",
    [
        "property 1; DROP TABLE workspace;--",
        "property ' OR '1'='1",
        "site ' OR 1=1 --",
        "site ../../../../etc/passwd",
        "site file:///etc/passwd",
        "digest #../../etc 09:00 ../../zoneinfo",
        "unsubscribe 1 OR 1=1",
        "rule #growth sessions drops 30%; DELETE FROM workspace",
        "status %00 \x00",
    ],
)
async def test_sql_and_path_looking_arguments_are_answered_and_change_nothing(
    slack_app: RunningApp, fake_slack: FakeSlack, text: str
) -> None:
    await _lookout(slack_app, "help")  # the workspace exists before the hostile command

    answer = await _lookout(slack_app, text)

    assert answer.strip()
    assert "Traceback" not in answer and "Error" not in answer
    async with slack_app.services.database.session() as session:
        assert (await session.execute(select(func.count()).select_from(Workspace))).scalar_one() == 1


@pytest.mark.parametrize(
    "question", ["'; DROP TABLE workspace; --", "../../../../etc/passwd", "%s%s%s%n", "{{7*7}} ${jndi:ldap://x}"]
)
async def test_sql_and_path_looking_questions_are_answered_like_any_other(
    slack_app: RunningApp, fake_slack: FakeSlack, question: str
) -> None:
    response = await slack_app.send_event(app_mention(question))
    [reply] = await slack_app.wait_for_calls("chat.postMessage")

    assert response.status == 200
    assert "connect" in reply.get("text").lower()  # the workspace has no Google yet: the usual next step
    async with slack_app.services.database.session() as session:
        assert (await session.execute(select(func.count()).select_from(Workspace))).scalar_one() == 1
