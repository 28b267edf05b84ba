"""Logs hold no message text unless debug logging is on: neither the question, nor the answer, nor tool results."""

from __future__ import annotations

import logging

import pytest

from bot.fakes.llm_script import Fail, LLMFakeServer, Reply, ScriptedToolCall
from tests.bot.agent.test_slack_answers import LAST_WEEK, AgentApp, agent_app, ask, dataset, google, sessions_total

__all__ = ["agent_app", "dataset", "google"]  # fixtures used here

QUESTION = "how many sessions did the zebra-quokka campaign bring last week?"
ANSWER_WORDS = "platypus-narwhal"


async def test_a_turn_with_a_failing_model_and_a_tool_call_logs_no_text(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = await agent_app(order=("anthropic", "gemini"))
    # Claude fails mid-turn (its error is logged), Gemini calls GA4 and answers
    fakes["anthropic"].script(Fail(status=529))
    fakes["gemini"].script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))
    fakes["gemini"].responder = lambda recorded: Reply(
        text=f"The {ANSWER_WORDS} total was **{sessions_total(recorded):,}** sessions."
    )

    answer = await ask(app, QUESTION)

    total = f"{sessions_total(fakes['gemini'].requests[1]):,}"
    assert ANSWER_WORDS in answer.text and total in answer.text
    logged = [
        record.getMessage() + (record.exc_text or "") for record in caplog.records if record.levelno >= logging.INFO
    ]
    assert any("trying the next model" in line for line in logged)  # the fallback was logged, so logs were on
    for secret_text in ("zebra-quokka", ANSWER_WORDS, total):
        assert not [line for line in logged if secret_text in line], secret_text
