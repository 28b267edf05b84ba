"""GA4 failing under a question, as a person meets it in Slack: each failure gets its own honest sentence with the
next step, a slow GA4 is cut off at our timeout, and nothing is posted twice."""

from __future__ import annotations

import time

import pytest

from bot.fakes.llm_script import LLMFakeServer, Reply, ScriptedToolCall
from bot.text import google as google_messages
from tests.bot.agent.test_slack_answers import LAST_WEEK, AgentApp, agent_app, ask, dataset, google
from tools.fakes.google import FakeGoogle

__all__ = ["agent_app", "dataset", "google"]


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (403, google_messages.ACCESS_DENIED),
        (429, google_messages.QUOTA_EXHAUSTED),
        (500, google_messages.UNAVAILABLE),
        (503, google_messages.UNAVAILABLE),
    ],
)
async def test_a_ga4_failure_is_answered_with_its_own_sentence_once(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], google: FakeGoogle, status: int, says: str
) -> None:
    app = await agent_app(order=("anthropic",))
    google.fail_next("*", status=status, times=10)
    fakes["anthropic"].script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))

    answer = await ask(app, "sessions last week?")

    assert answer.text == says
    assert "revoked" not in answer.text
    assert len(app.slack.thread_replies(answer.channel, answer.thread_ts or "")) == 1


async def test_a_slow_ga4_is_cut_off_at_our_timeout_with_the_try_again_sentence(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], google: FakeGoogle
) -> None:
    app = await agent_app(order=("anthropic",), google_timeout=1.0)
    google.latency = 30.0  # GA4 takes 30 s to answer
    fakes["anthropic"].script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))

    started = time.monotonic()
    answer = await ask(app, "sessions last week?")

    assert time.monotonic() - started < 10
    assert answer.text == google_messages.UNAVAILABLE
    google.latency = 0.0
