"""Slack failing while an answer is written: an HTML 500, a 500 after the work was done, 429 and `ratelimited`.
The person gets the whole answer, once; no apology when the answer got through."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.agent.answer_stream import AnswerStream
from bot.fakes.llm_script import LLMFakeServer, Reply, ScriptedToolCall
from bot.fakes.slack_api import FakeMessage, FakeSlack
from bot.observe.metrics import Metrics
from bot.platform.slack.clients import retry_handlers
from tests.bot.agent.test_slack_answers import (
    LAST_WEEK,
    AgentApp,
    agent_app,
    answer_with_total,
    ask,
    dataset,
    footer,
    google,
    sessions_total,
)
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_TEAM, DEFAULT_USER

__all__ = ["agent_app", "dataset", "google"]

APOLOGY = "something went wrong"


def bot_replies(slack: FakeSlack, thread_ts: str) -> list[FakeMessage]:
    return [m for m in slack.thread_replies(DEFAULT_CHANNEL, thread_ts) if m.user == slack.workspace.bot_user_id]


async def answered(app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack) -> tuple[FakeMessage, int]:
    """Ask the usual question; return the one reply in the thread and the total the model was given."""
    fakes["anthropic"].script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))
    fakes["anthropic"].responder = answer_with_total
    answer = await ask(app, "how many sessions last week?")
    replies = bot_replies(fake_slack, answer.thread_ts or "")
    assert len(replies) == 1, [m.text for m in replies]
    return replies[0], sessions_total(fakes["anthropic"].requests[1])


@pytest.mark.parametrize("content_type", ["text/html", "application/json"])
async def test_an_html_500_from_start_stream_still_delivers_the_whole_answer(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack, content_type: str
) -> None:
    app = await agent_app(order=("anthropic",))
    fake_slack.error_page_next("chat.startStream", status=500, content_type=content_type)

    reply, total = await answered(app, fakes, fake_slack)

    assert f"**{total:,}**" in reply.text and APOLOGY not in reply.text
    assert "Claude Haiku 4.5" in footer(reply)
    assert len(fake_slack.ok_calls_to("chat.postMessage")) == 1


async def test_a_post_that_landed_before_its_500_is_not_posted_again(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake_slack.fail_next("chat.startStream", error="not_allowed_token_type")  # no streaming here
    fake_slack.error_page_next("chat.postMessage", status=503, after_processing=True)

    reply, total = await answered(app, fakes, fake_slack)

    assert f"**{total:,}**" in reply.text and APOLOGY not in reply.text
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # found in the thread, so not posted again
    assert fake_slack.calls_to("conversations.replies")


async def test_a_post_that_failed_before_landing_is_posted_again_once(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake_slack.fail_next("chat.startStream", error="not_allowed_token_type")
    fake_slack.http_error_next("chat.postMessage", status=500)

    reply, total = await answered(app, fakes, fake_slack)

    assert f"**{total:,}**" in reply.text
    assert len(fake_slack.ok_calls_to("chat.postMessage")) == 1


async def test_a_stop_that_failed_after_appending_leaves_the_answer_once_not_twice(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake_slack.error_page_next("chat.stopStream", status=500, after_processing=True)

    reply, total = await answered(app, fakes, fake_slack)

    assert reply.text.count(f"**{total:,}**") == 1 and APOLOGY not in reply.text
    assert "Claude Haiku 4.5" in footer(reply)  # the footer and buttons arrived by update


@pytest.mark.parametrize("failure", ["429", "ratelimited"])
async def test_rate_limits_are_waited_out(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack, failure: str
) -> None:
    app = await agent_app(order=("anthropic",))
    if failure == "429":
        fake_slack.rate_limit_next("chat.startStream", retry_after=1)
    else:
        fake_slack.fail_next("chat.startStream", error="ratelimited")

    reply, total = await answered(app, fakes, fake_slack)

    assert f"**{total:,}**" in reply.text
    assert len(fake_slack.calls_to("chat.startStream")) == 2
    assert len(fake_slack.ok_calls_to("chat.startStream")) == 1
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_a_5xx_on_an_update_is_retried(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake_slack.fail_next("chat.startStream", error="not_allowed_token_type")
    fake_slack.error_page_next("chat.update", status=502, times=2)

    reply, total = await answered(app, fakes, fake_slack)

    assert f"**{total:,}**" in reply.text and "Claude Haiku 4.5" in footer(reply)


async def test_a_failed_append_is_never_repeated_and_the_text_arrives_whole(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(
        token=fake_slack.workspace.bot_token, base_url=fake_slack.url, retry_handlers=retry_handlers(Metrics())
    )
    now = [0.0]
    stream = AnswerStream(
        client,
        channel_id=DEFAULT_CHANNEL,
        thread_ts="1700000000.000100",
        team_id=DEFAULT_TEAM,
        user_id=DEFAULT_USER,
        clock=lambda: now[0],
    )
    # The append reaches Slack and its answer is lost: repeating it would show "then down" twice.
    fake_slack.error_page_next("chat.appendStream", status=500, after_processing=True)

    await stream.append("Sessions went up, ")
    now[0] += 1
    await stream.append("then down.")
    now[0] += 1
    await stream.append(" Then flat.")
    ts = await stream.finish("Sessions went up, then down. Then flat.", blocks=[])

    message = fake_slack.messages[(DEFAULT_CHANNEL, ts)]
    assert message.text == "Sessions went up, then down. Then flat."
    assert len(fake_slack.calls_to("chat.appendStream")) == 1
    assert not message.streaming
