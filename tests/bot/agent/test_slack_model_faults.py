"""Model faults as a person meets them in Slack: a rejected key is an admin's job (and the next model answers), an
outage is "try again", and a provider's garbage or cut stream is an outage of that provider, never a traceback,
never a false "from the data I fetched", never a half answer left behind."""

from __future__ import annotations

import logging

import pytest

from bot.fakes.llm_script import Fail, FailMidStream, Garbage, LLMFakeServer, Reply, ScriptedToolCall
from bot.text import agent as agent_messages
from tests.bot.agent.test_slack_answers import LAST_WEEK, MODELS, AgentApp, agent_app, ask, dataset, footer, google

__all__ = ["agent_app", "dataset", "google"]

# Each provider's own answer to a wrong or expired key, as its API sends it.
REJECTED_KEY = {
    "anthropic": Fail(401, "invalid x-api-key"),
    "gemini": Fail(400, "API key not valid. Please pass a valid API key."),
    "xai": Fail(401, "Incorrect API key provided: xai-***. You can obtain an API key from https://console.x.ai."),
}
VARIABLES = {"anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY", "xai": "XAI_API_KEY"}
TRY_AGAIN = "try again in a few minutes"
NOT_FETCHED = "from the data I fetched"


@pytest.mark.parametrize("provider", ["anthropic", "gemini", "xai"])
async def test_a_rejected_key_tells_the_admin_which_key_not_to_try_again_and_logs_it_once(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], caplog: pytest.LogCaptureFixture, provider: str
) -> None:
    caplog.set_level(logging.INFO, logger="bot.llm.fallback")
    app = await agent_app(order=(provider,))
    fakes[provider].script(REJECTED_KEY[provider], REJECTED_KEY[provider])

    answers = [await ask(app, "sessions last week?"), await ask(app, "and the week before?")]

    for answer in answers:
        assert "An admin must fix the key on the Lookout server" in answer.text
        assert f"`{VARIABLES[provider]}`" in answer.text
        assert TRY_AGAIN not in answer.text
    rejected = [r for r in caplog.records if "rejected its API key" in r.getMessage()]
    assert len(rejected) == 1 and rejected[0].getMessage().startswith(provider)


async def test_a_rejected_key_falls_back_to_the_next_model_which_answers(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.llm.fallback")
    app = await agent_app(order=("anthropic", "gemini"))
    fakes["anthropic"].script(REJECTED_KEY["anthropic"], Reply(text="Sessions were steady."))
    fakes["gemini"].script(Reply(text="Sessions were steady."))

    first = await ask(app, "how are sessions?")
    second = await ask(app, "and now?")  # the key was fixed meanwhile

    assert first.text.startswith("Sessions were steady.") and "Gemini" in footer(first)
    assert "Claude" in footer(second) and "because" not in footer(second)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("rejected its API key" in m for m in messages) == 1
    assert sum("accepts its API key again" in m for m in messages) == 1


async def test_a_rejected_key_and_an_outage_say_both(agent_app: AgentApp, fakes: dict[str, LLMFakeServer]) -> None:
    app = await agent_app(order=("anthropic", "gemini"))
    fakes["anthropic"].script(REJECTED_KEY["anthropic"])
    fakes["gemini"].script(Fail(503))

    answer = await ask(app, "how are sessions?")

    assert "`ANTHROPIC_API_KEY`" in answer.text and "Please try again in a few minutes." in answer.text


@pytest.mark.parametrize("status", [429, 500, 503, 529])
async def test_an_outage_keeps_the_try_again_wording(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], status: int
) -> None:
    app = await agent_app(order=("anthropic",))
    fakes["anthropic"].script(Fail(status))

    answer = await ask(app, "how are sessions?")

    assert answer.text == agent_messages.MODELS_UNAVAILABLE


GARBAGE = [Garbage("json"), Garbage("events"), FailMidStream(text="Sessions were 9", how="eof")]


@pytest.mark.parametrize("provider", ["anthropic", "gemini", "xai"])
@pytest.mark.parametrize("garbage", GARBAGE, ids=["malformed-json", "malformed-events", "cut-stream"])
async def test_garbage_from_a_provider_falls_back_to_the_next_model(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], provider: str, garbage: Garbage | FailMidStream
) -> None:
    after = next(name for name in ("anthropic", "gemini", "xai") if name != provider)
    app = await agent_app(order=(provider, after))
    fakes[provider].script(garbage)
    fakes[after].script(Reply(text="Sessions were steady yesterday."))

    answer = await ask(app, "sessions yesterday?")

    assert answer.text.startswith("Sessions were steady yesterday.")
    assert "Sessions were 9" not in answer.text  # the cut answer is gone, not left in front
    assert f"because {agent_messages.model_label(MODELS[provider])} was unavailable" in footer(answer)


@pytest.mark.parametrize("provider", ["anthropic", "gemini", "xai"])
@pytest.mark.parametrize("garbage", GARBAGE, ids=["malformed-json", "malformed-events", "cut-stream"])
async def test_garbage_from_the_last_model_is_the_honest_outage_message(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], provider: str, garbage: Garbage | FailMidStream
) -> None:
    app = await agent_app(order=(provider,))
    fakes[provider].script(garbage)

    answer = await ask(app, "sessions yesterday?")

    assert answer.text == agent_messages.MODELS_UNAVAILABLE
    assert NOT_FETCHED not in answer.text and "went wrong" not in answer.text


async def test_a_stream_cut_after_the_data_was_fetched_is_not_left_as_the_answer(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer]
) -> None:
    app = await agent_app(order=("anthropic", "gemini"))
    fakes["anthropic"].script(
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)),
        FailMidStream(text="Sessions were 9", how="disconnect"),
    )
    fakes["gemini"].script(Reply(text="Sessions held steady last week."))

    answer = await ask(app, "sessions last week?")

    assert answer.text.startswith("Sessions held steady last week.")
    assert "Sessions were 9" not in answer.text
    [message] = [m for m in app.slack.thread_replies(answer.channel, answer.thread_ts or "") if not m.deleted]
    assert message.ts == answer.ts  # one answer in the thread, nothing posted twice
