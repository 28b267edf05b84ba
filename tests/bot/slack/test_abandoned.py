"""A mention is answered at least once and exactly once: a redelivery takes over a claim whose process died (its
lease ran out), a live or finished claim is never answered twice, and what nobody takes over gets one apology."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.fakes.slack_api import FakeSlack
from bot.platform.incoming import IncomingMessage
from bot.platform.services import Services
from bot.platform.slack.dedupe import EventLedger
from bot.slack.abandoned import sweep_abandoned_answers
from storage.db import Database
from storage.repos.events import Place, event_key, message_key
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_TEAM, app_mention, event_envelope

OWNER = f"-/{DEFAULT_TEAM}"  # the single workspace's dedupe label (no enterprise)
CONNECT_GOOGLE = "/lookout connect"  # the reply a workspace without Google gets: enough to see an answer


async def die_while_answering(database: Database, envelope: dict[str, Any], *, lease_seconds: float) -> None:
    """What a replica killed mid-answer leaves behind: both claims in progress, nobody renewing them."""
    event = envelope["event"]
    message = message_key(team_id=OWNER, channel_id=event["channel"], ts=event["ts"])
    await EventLedger(lease_seconds=lease_seconds).claim(
        database=database,
        keys={event_key(envelope["event_id"]): OWNER, message: OWNER},
        places={message: Place(channel_id=event["channel"], thread_ts=event["ts"])},
    )


def replies(slack: FakeSlack, envelope: dict[str, Any]) -> list[str]:
    return [m.text for m in slack.thread_replies(DEFAULT_CHANNEL, envelope["event"]["ts"])]


async def test_a_redelivery_after_the_answering_process_died_is_answered(
    slack_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    envelope = event_envelope(app_mention("how did organic do last week?"))
    await die_while_answering(database, envelope, lease_seconds=0.2)
    await asyncio.sleep(0.3)

    await slack_app.sender.envelope(envelope, retry_num=1)
    await slack_app.wait_for_calls("chat.postMessage")

    (answer,) = replies(fake_slack, envelope)
    assert CONNECT_GOOGLE in answer


async def test_a_redelivery_while_the_first_answer_is_still_being_written_is_not_answered_twice(
    slack_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    envelope = event_envelope(app_mention("and last month?"))
    await die_while_answering(database, envelope, lease_seconds=60)  # alive: its lease is current

    await slack_app.sender.envelope(envelope, retry_num=1)
    await asyncio.sleep(0.3)
    await slack_app.settle()

    assert replies(fake_slack, envelope) == []


async def test_an_answered_message_redelivered_after_its_lease_is_not_answered_again(
    start_app: StartApp, fake_slack: FakeSlack
) -> None:
    app = await start_app(configure=lambda services: setattr(services, "dedupe", EventLedger(lease_seconds=0.2)))
    envelope = event_envelope(app_mention("top pages?"))

    await app.sender.envelope(envelope)
    await app.wait_for_calls("chat.postMessage")
    await asyncio.sleep(0.3)  # the lease would have run out, had the answer not been marked finished
    await app.sender.envelope(envelope, retry_num=1)
    await asyncio.sleep(0.3)
    await app.settle()

    assert len(replies(fake_slack, envelope)) == 1
    assert await sweep_abandoned_answers(app.services) == 0


async def test_an_abandoned_answer_nobody_took_over_gets_one_apology_with_a_reference(
    slack_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    envelope = event_envelope(app_mention("why did sessions drop?"))
    await die_while_answering(database, envelope, lease_seconds=0.1)
    await asyncio.sleep(0.2)

    first, again = await sweep_abandoned_answers(slack_app.services), await sweep_abandoned_answers(slack_app.services)

    (apology,) = replies(fake_slack, envelope)
    assert (first, again) == (1, 0)
    assert apology.startswith("Sorry, I was interrupted before I could answer this (ref ")
    assert "ask me again" in apology
    # and a late redelivery of it is not answered on top of the apology
    await slack_app.sender.envelope(envelope, retry_num=2)
    await asyncio.sleep(0.3)
    await slack_app.settle()
    assert len(replies(fake_slack, envelope)) == 1


async def test_replicas_sweeping_at_once_apologise_once_per_abandoned_answer(
    slack_app: RunningApp, fake_slack: FakeSlack, database: Database, database_url: str
) -> None:
    envelopes = [event_envelope(app_mention(f"question {n}")) for n in range(6)]
    for envelope in envelopes:
        await die_while_answering(database, envelope, lease_seconds=0.1)
    await asyncio.sleep(0.2)
    other = Database(database_url)  # a second replica: its own pool on the same database
    replica = slack_app.services
    second = type(replica)(settings=replica.settings, database=other, cipher=replica.cipher, clock=replica.clock)
    try:
        counts = await asyncio.gather(sweep_abandoned_answers(replica), sweep_abandoned_answers(second))
    finally:
        await other.dispose()

    assert sum(counts) == len(envelopes)
    assert all(len(replies(fake_slack, envelope)) == 1 for envelope in envelopes)


async def test_an_answer_slower_than_the_lease_keeps_its_claim_while_it_is_written(
    start_app: StartApp, fake_slack: FakeSlack
) -> None:
    async def slow_answer(*, message: IncomingMessage, client: AsyncWebClient) -> None:
        await asyncio.sleep(1.0)  # three leases long: only the renewals keep the claim
        await client.chat_postMessage(channel=message.channel_id, thread_ts=message.thread_ts, text="slow but sure")

    def configure(services: Services) -> None:
        services.dedupe = EventLedger(lease_seconds=0.3)
        return slow_answer

    app = await start_app(configure=configure)
    envelope = event_envelope(app_mention("a long question"))

    await app.sender.envelope(envelope)
    await asyncio.sleep(0.7)
    swept = await sweep_abandoned_answers(app.services)
    await app.sender.envelope(envelope, retry_num=1)
    await app.wait_for_calls("chat.postMessage")
    await asyncio.sleep(0.3)
    await app.settle()

    assert swept == 0
    assert replies(fake_slack, envelope) == ["slow but sure"]
