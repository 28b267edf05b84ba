"""The streamed answer's sends: updates quicker than the send interval go out together, slower ones on a timer; the
thread status goes out one call at a time, at most every interval, the newest waiting one first."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.agent.answer_stream import _SEND_INTERVAL_SECONDS, AnswerStream, StatusIndicator
from bot.agent.plan import Task, TaskStatus
from bot.agent.plan_steps import StepView
from bot.fakes.slack_api import FakeSlack
from bot.observe.metrics import Metrics
from bot.platform.slack.clients import retry_handlers
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_TEAM, DEFAULT_USER

REPORT = StepView(title="GA4: sessions, Nov 9–15")


def client_for(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(
        token=fake_slack.workspace.bot_token, base_url=fake_slack.url, retry_handlers=retry_handlers(Metrics())
    )


def stream(fake_slack: FakeSlack) -> AnswerStream:
    return AnswerStream(
        client_for(fake_slack),
        channel_id=DEFAULT_CHANNEL,
        thread_ts="1700000000.000100",
        team_id=DEFAULT_TEAM,
        user_id=DEFAULT_USER,
    )


def task(status: TaskStatus, task_id: str = "task-1") -> Task:
    return Task(id=task_id, view=REPORT, status=status)


def sent(fake_slack: FakeSlack) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each stream call: its method and its chunks as (task id or "text", status or text)."""
    calls = [
        call
        for method in ("chat.startStream", "chat.appendStream", "chat.stopStream")
        for call in fake_slack.calls_to(method)
    ]
    calls.sort(key=lambda call: call.at)

    def brief(chunk: dict[str, Any]) -> tuple[str, str]:
        return (chunk["id"], chunk["status"]) if chunk["type"] == "task_update" else ("text", chunk["text"])

    return [(call.method, [brief(chunk) for chunk in call.get("chunks") or []]) for call in calls]


async def test_task_updates_quicker_than_the_interval_go_out_with_the_first_words(fake_slack: FakeSlack) -> None:
    answer = stream(fake_slack)

    # When a lookup starts, runs and finishes at once, and the answer follows,
    await answer.show_tasks([task("pending"), task("pending", "task-2")])
    await answer.show_tasks([task("in_progress"), task("in_progress", "task-2")])
    await answer.show_tasks([task("complete", "task-2")])
    await answer.show_tasks([task("complete")])
    await answer.append("Sessions held steady.")
    await answer.finish("Sessions held steady.", blocks=[])

    # the stream opens with the tasks pending, and only their latest states are sent, in the order the tasks were
    # first queued, together with the first words: three calls where there were six.
    assert sent(fake_slack) == [
        ("chat.startStream", [("task-1", "pending"), ("task-2", "pending")]),
        ("chat.appendStream", [("task-1", "complete"), ("task-2", "complete"), ("text", "Sessions held steady.")]),
        ("chat.stopStream", []),
    ]


async def test_a_lookup_slower_than_the_interval_is_shown_running(fake_slack: FakeSlack) -> None:
    answer = stream(fake_slack)

    # When a lookup is still running once the interval has passed,
    await answer.show_tasks([task("pending")])
    await answer.show_tasks([task("in_progress")])
    await fake_slack.wait_for_calls("chat.appendStream", 1, timeout=5)
    await answer.show_tasks([task("complete")])
    await answer.finish("Sessions held steady.", blocks=[])

    # its running state was sent on its own (by the timer), and its end with the final call.
    assert sent(fake_slack) == [
        ("chat.startStream", [("task-1", "pending")]),
        ("chat.appendStream", [("task-1", "in_progress")]),
        ("chat.stopStream", [("task-1", "complete"), ("text", "Sessions held steady.")]),
    ]


def statuses(fake_slack: FakeSlack) -> list[tuple[str, list[str] | None]]:
    return [
        (call.get("status"), call.get("loading_messages"))
        for call in fake_slack.calls_to("assistant.threads.setStatus")
    ]


def indicator(fake_slack: FakeSlack) -> StatusIndicator:
    return StatusIndicator(client_for(fake_slack), channel_id=DEFAULT_CHANNEL, thread_ts="1700000000.000100")


async def test_a_status_set_within_the_interval_waits_and_a_newer_one_replaces_it(fake_slack: FakeSlack) -> None:
    status = indicator(fake_slack)

    # When two steps follow the first status quicker than the send interval,
    status.set("is thinking…", ["Reading your question…"])
    await fake_slack.wait_for_calls("assistant.threads.setStatus", 1, timeout=5)
    status.set("is reading GA4…", ["GA4: sessions, Nov 9–15"], step=True)
    status.set("is writing the answer…", ["Putting the answer together…"])
    calls = await fake_slack.wait_for_calls("assistant.threads.setStatus", 2, timeout=5)
    await status.settle()

    # the first goes at once, the newest once the interval has passed, and the one between (which would have been
    # overwritten as soon as it was shown) never.
    assert statuses(fake_slack) == [
        ("is thinking…", ["Reading your question…"]),
        ("is writing the answer…", ["Putting the answer together…"]),
    ]
    assert calls[1].at - calls[0].at >= _SEND_INTERVAL_SECONDS / 2


async def test_clearing_goes_at_once_in_place_of_a_waiting_status_and_nothing_follows(fake_slack: FakeSlack) -> None:
    status = indicator(fake_slack)

    # When the answer starts while a status waits for the interval,
    status.set("is thinking…", ["Reading your question…"])
    await fake_slack.wait_for_calls("assistant.threads.setStatus", 1, timeout=5)
    status.set("is writing the answer…", ["Putting the answer together…"])
    started = time.monotonic()
    status.clear()
    status.set("is reading GA4…", ["GA4: sessions, Nov 9–15"], step=True)
    await status.settle()

    # the status is cleared without waiting, the waiting one is never shown, and none comes after.
    assert time.monotonic() - started < _SEND_INTERVAL_SECONDS
    assert statuses(fake_slack) == [("is thinking…", ["Reading your question…"]), ("", None)]


async def test_settling_sends_a_waiting_status_at_once(fake_slack: FakeSlack) -> None:
    status = indicator(fake_slack)

    # Before the stream opens with a step's tasks, the step's status waiting for the interval
    status.set("is thinking…", ["Reading your question…"])
    await fake_slack.wait_for_calls("assistant.threads.setStatus", 1, timeout=5)
    status.set("is reading GA4…", ["GA4: sessions, Nov 9–15"], step=True)
    started = time.monotonic()
    await status.settle()

    # goes out at once, after the first.
    assert time.monotonic() - started < _SEND_INTERVAL_SECONDS
    assert [text for text, _ in statuses(fake_slack)] == ["is thinking…", "is reading GA4…"]


async def test_statuses_further_apart_than_the_interval_are_each_shown_in_order(fake_slack: FakeSlack) -> None:
    status = indicator(fake_slack)

    # When each step takes longer than the interval,
    for words in ("is thinking…", "is reading GA4…", "is writing the answer…"):
        status.set(words)
        await asyncio.sleep(_SEND_INTERVAL_SECONDS * 1.2)
    status.clear()
    await status.settle()

    # every status is shown, in order, then cleared.
    assert [text for text, _ in statuses(fake_slack)] == [
        "is thinking…",
        "is reading GA4…",
        "is writing the answer…",
        "",
    ]
