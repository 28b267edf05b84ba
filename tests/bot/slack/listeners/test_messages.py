"""Mentions and DMs are answered once, in the thread, whatever Slack delivers twice."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.platform.background import BackgroundWork, Job
from bot.platform.services import Services
from bot.slack import intake
from bot.slack.intake import JSON_TYPE
from storage.db import Database
from storage.tables.core import ProcessedEvent
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import app_mention, event_envelope, message_channel, message_im, new_ts


async def test_a_mention_retried_three_times_is_answered_once_in_its_thread(slack_app: RunningApp) -> None:
    # given a signed app_mention envelope
    envelope = event_envelope(app_mention("how did organic do last week?"))

    # when Slack delivers it, then retries it three more times
    first = await slack_app.sender.envelope(envelope)
    retries = [await slack_app.sender.envelope(envelope, retry_num=n) for n in (1, 2, 3)]
    await slack_app.wait_for_calls("chat.postMessage")
    await asyncio.sleep(0.2)
    await slack_app.settle()

    # then every delivery was acked and exactly one reply went to the thread
    assert [r.status for r in [first, *retries]] == [200, 200, 200, 200]
    posts = slack_app.slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].get("channel") == envelope["event"]["channel"]
    assert posts[0].get("thread_ts") == envelope["event"]["ts"]
    assert "/lookout connect" in posts[0].get("text")
    async with slack_app.services.database.session() as session:
        keys = set((await session.execute(select(ProcessedEvent.key))).scalars())
    assert f"event:{envelope['event_id']}" in keys


async def test_the_same_message_as_mention_and_message_event_gets_one_answer(slack_app: RunningApp) -> None:
    ts = new_ts()
    await slack_app.send_event(app_mention("top pages?", ts=ts))
    await slack_app.send_event(message_channel("<@U0LOOKOUT> top pages?", ts=ts))
    dm_ts = new_ts()
    await slack_app.send_event(message_im("and in a DM?", ts=dm_ts))
    await slack_app.send_event(message_im("and in a DM?", ts=dm_ts))

    await slack_app.wait_for_calls("chat.postMessage", 2)
    await asyncio.sleep(0.2)
    await slack_app.settle()

    posts = slack_app.slack.calls_to("chat.postMessage")
    assert sorted(p.get("thread_ts") for p in posts) == sorted([ts, dm_ts])


async def test_bot_messages_are_ignored(slack_app: RunningApp) -> None:
    await slack_app.send_event(message_im("I am another bot", bot_id="B0OTHER"))
    await slack_app.send_event(message_im("edited", subtype="message_changed"))
    await slack_app.send_event(message_im("from a person"))

    calls = await slack_app.wait_for_calls("chat.postMessage")
    await asyncio.sleep(0.2)
    await slack_app.settle()

    assert len(slack_app.slack.calls_to("chat.postMessage")) == 1
    assert calls[0].get("channel") == "D0ALICE"


async def _rename_ledger(app: RunningApp, *, to: str, source: str) -> None:
    """Make the dedupe ledger's table vanish (or come back): a real database error for the claim alone."""
    async with app.services.database.session() as session:
        await session.execute(text(f"ALTER TABLE {source} RENAME TO {to}"))


async def _logged(caplog: pytest.LogCaptureFixture, fragment: str, *, timeout: float = 5.0) -> logging.LogRecord:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = [record for record in caplog.records if fragment in record.getMessage()]
        if found:
            return found[0]
        assert asyncio.get_running_loop().time() < deadline, f"nothing logged with {fragment!r}"
        await asyncio.sleep(0.05)


async def test_a_mention_whose_claim_cannot_be_recorded_gets_no_apology(
    slack_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    if slack_app.services.database.is_sqlite:
        pytest.skip("SQLite serves one process: nobody else can hold the claim (next test)")
    # given the database refuses every dedupe claim (another replica may still have claimed the message)
    caplog.set_level(logging.WARNING)
    await _rename_ledger(slack_app, source="processedevent", to="processedevent_away")
    try:
        # when a mention arrives
        response = await slack_app.send_event(app_mention("how did organic do?"))
        failure = await _logged(caplog, "left unanswered", timeout=10)
        await slack_app.settle()
    finally:
        await _rename_ledger(slack_app, source="processedevent_away", to="processedevent")

    # then it was acked, retried a few times, and nothing was posted: no apology that could sit beside an answer
    assert response.status == 200
    assert len([r for r in caplog.records if "recording a dedupe claim failed" in r.getMessage()]) == 3
    assert slack_app.slack.calls_to("chat.postMessage") == []
    assert failure.levelno == logging.ERROR and failure.exc_info is not None  # the stack trace, under a reference
    metrics = (await slack_app.get("/metrics"))[1]
    assert 'lookout_handler_errors_total{handler="mention"} 1.0' in metrics


async def test_on_sqlite_a_mention_whose_claim_cannot_be_recorded_hears_why(
    start_app: StartApp, database: Database, tmp_path: Path
) -> None:
    if not database.is_sqlite:
        pytest.skip("several replicas may share PostgreSQL: silence (previous test)")
    app = await start_app()
    blocker = tmp_path / "gone"
    blocker.write_text("the database's directory is now a file")
    # given the SQLite file can no longer be opened (its volume went away)
    app.services.database = Database(f"sqlite:///{blocker}/lookout.db")
    try:
        await app.send_event(app_mention("how did organic do?"))
        posts = await app.slack.wait_for_calls("chat.postMessage", timeout=10)
        health = await app.get("/healthz")
        await app.settle()
    finally:
        await app.services.database.dispose()
        app.services.database = database  # and it comes back
    await app.send_event(app_mention("and now?"))
    await app.wait_for_calls("chat.postMessage", 2)

    # then the person heard why, once; /healthz said so; and once the database was back the bot answered again
    assert len(posts) == 1
    assert "my database isn't available" in posts[0].get("text")
    assert health[0] == 503 and "cannot open the database file" in health[1]
    assert "/lookout connect" in app.slack.calls_to("chat.postMessage")[1].get("text")


async def test_a_claim_that_fails_for_a_moment_is_retried_and_answered_once(
    slack_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await _rename_ledger(slack_app, source="processedevent", to="processedevent_away")
    try:
        await slack_app.send_event(app_mention("how did organic do?"))
        await _logged(caplog, "recording a dedupe claim failed")
    finally:
        await _rename_ledger(slack_app, source="processedevent_away", to="processedevent")

    posts = await slack_app.wait_for_calls("chat.postMessage", timeout=10)

    assert len(posts) == 1
    assert "/lookout connect" in posts[0].get("text")


async def test_a_mention_is_queued_before_its_ack_is_returned(slack_app: RunningApp) -> None:
    # given an app that has answered before (bolt's authorization is cached, nothing left to wait for)
    await slack_app.send_event(app_mention("warm up"))
    await slack_app.wait_for_calls("chat.postMessage")
    envelope = event_envelope(app_mention("top pages?"))
    body = json.dumps(envelope)
    request = intake.bolt_request(
        text=body, kind="event_callback", payload=json.loads(body), query="", headers={"Content-Type": JSON_TYPE}
    )

    # when bolt dispatches the (verified, parsed) delivery and returns its ack
    response = await slack_app.bolt_app.async_dispatch(request)

    # then the ack is the empty 200 and the answer is already counted as in flight: a shutdown starting now waits
    # for it (it does not depend on a task that has not run yet)
    assert (response.status, response.body) == (200, "")
    assert slack_app.services.background.active == 1
    posts = await slack_app.wait_for_calls("chat.postMessage", 2)
    assert posts[1].get("thread_ts") == envelope["event"]["ts"]


async def test_a_channel_message_without_a_mention_is_acked_and_not_answered(slack_app: RunningApp) -> None:
    chatter = await slack_app.send_event(message_channel("just chatting"))
    await slack_app.send_event(message_im("from a person"))  # then a DM, so there is an answer to wait for

    await slack_app.wait_for_calls("chat.postMessage")
    await asyncio.sleep(0.2)
    await slack_app.settle()

    assert chatter.status == 200
    assert [post.get("channel") for post in slack_app.slack.calls_to("chat.postMessage")] == ["D0ALICE"]


class _RefusingBackground(BackgroundWork):
    """Background work whose queue refuses every answer (a bug in queueing, as far as the front door can tell)."""

    def submit(self, job: Job) -> None:
        raise RuntimeError("queue refused")


async def test_a_mention_whose_answer_cannot_be_queued_is_acked_counted_and_logged(
    start_app: StartApp, caplog: pytest.LogCaptureFixture
) -> None:
    def refusing(services: Services) -> None:
        services.background = _RefusingBackground()

    app = await start_app(configure=refusing)

    with caplog.at_level(logging.ERROR, logger="bot.slack.listeners.messages"):
        response = await app.send_event(app_mention("top pages?"))

    # Slack has its ack (a redelivery would fail the same way), and the operator sees why there is no answer
    assert response.status == 200
    record = await _logged(caplog, "could not queue the answer to a mention")
    assert record.exc_info is not None
    _, metrics = await app.get("/metrics")
    assert 'lookout_handler_errors_total{handler="mention"} 1.0' in metrics
    assert app.slack.calls_to("chat.postMessage") == []
