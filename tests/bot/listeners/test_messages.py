"""Mentions and DMs are answered once, in the thread, whatever Slack delivers twice."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.tables.core import ProcessedEvent
from tests.helpers.app_harness import RunningApp
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
