"""The agent loop over the wire: tools in parallel, recovery from bad arguments, caps, grounding, fallback."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.agent.events import AgentEvent, AnswerRestart, AnswerText, StopReason, ToolFinished, ToolsRunning, ToolsStarted
from bot.agent.loop import Agent, AgentLimits
from bot.fakes.llm_script import Fail, FailMidStream, LLMFakeServer, Reply, ScriptedToolCall
from bot.llm.base import AllModelsFailed
from bot.llm.fallback import FallbackModel
from tests.bot.agent.conftest import LoopContext, registry
from tests.bot.llm.conftest import make_model

WEEK = {"metric": "sessions", "start_date": "2026-11-16", "end_date": "2026-11-18"}


def agent(fake: LLMFakeServer, provider: str = "anthropic", **limits: float) -> Agent[LoopContext]:
    return Agent(
        model=FallbackModel([make_model(provider, fake)]),
        tools=registry(),
        limits=AgentLimits(**limits),  # type: ignore[arg-type]
    )


async def test_answers_from_a_tool_result(fakes: dict[str, LLMFakeServer], provider_name: str) -> None:
    fake = fakes[provider_name]
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Reply(text="Sessions peaked at *4,402* on Nov 18.\n• 12,592 in total over the three days."),
    )
    events: list[AgentEvent] = []

    async def sink(event: AgentEvent) -> None:
        events.append(event)

    result = await agent(fake, provider_name).run(
        "sessions this week?", system="s", context=LoopContext(), on_event=sink
    )

    assert result.stop is StopReason.ANSWERED
    assert result.text == "Sessions peaked at *4,402* on Nov 18.\n• 12,592 in total over the three days."
    assert result.grounding.untraced == ()
    assert result.grounding.checked == 2
    # the plan as it happens: asked for, running, back (before any answer text)
    started, running, finished = events[:3]
    assert isinstance(started, ToolsStarted) and started.names == ("daily_sessions",) and not started.skipped
    assert isinstance(running, ToolsRunning) and running.calls == started.calls
    assert isinstance(finished, ToolFinished) and finished.call == started.calls[0]
    assert not finished.outcome.is_error and "4402" in finished.outcome.content
    assert [e.text for e in events if isinstance(e, AnswerText)] == [
        "Sessions peaked at *4,402* on Nov 18.\n",
        "• 12,592 in total over the three days.",
    ]
    assert "4402" in fake.requests[1].tool_results[0]
    assert [m.role for m in result.new_messages] == ["user", "assistant", "user", "assistant"]


async def test_malformed_arguments_go_back_to_the_model_which_recovers(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["xai"]
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("daily_sessions", '{"metric": "pageviews", "start_date": "2026-11-16"'),)),
        Reply(tool_calls=(ScriptedToolCall("daily_sessions", {**WEEK, "metric": "visits"}),)),
        Reply(tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Reply(text="4,402 sessions on Nov 18."),
    )
    context = LoopContext()

    result = await agent(fake, "xai").run("sessions?", system="s", context=context)

    assert result.stop is StopReason.ANSWERED
    assert result.text == "4,402 sessions on Nov 18."
    second, third = fake.requests[1].body["messages"][-1], fake.requests[2].body["messages"][-1]
    assert second["role"] == "tool" and second["content"].startswith("Error: Arguments are not valid JSON")
    assert third["content"].startswith("Error: Invalid arguments: metric:")
    assert context.calls == ["2026-11-16..2026-11-18"]  # only the valid call reached the tool
    assert all(r.rejected is None for r in fake.requests)


async def test_tool_errors_are_bounded(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["anthropic"]
    bad = Reply(tool_calls=(ScriptedToolCall("daily_sessions", {"metric": "visits"}),))
    fake.script(bad, bad, Reply(text="I could not read the data."))

    result = await agent(fake, max_tool_errors=2).run("sessions?", system="s", context=LoopContext())

    assert result.stop is StopReason.TOOL_ERRORS
    assert fake.requests[2].body["tool_choice"] == {"type": "none"}
    # the note rides on the last user turn, so the system prompt (a cache prefix) is unchanged
    assert fake.requests[2].body["messages"][-1]["content"][-1]["text"].startswith("(Lookout: no more tools")
    assert fake.requests[2].body["system"] == fake.requests[0].body["system"]
    assert "could not read the data" in result.text
    assert "incomplete" in result.text


async def test_cap_reached_gives_a_partial_answer_saying_what_is_missing(fakes: dict[str, LLMFakeServer]) -> None:
    # Given a model that keeps asking for more data, and a limit of three model calls
    fake = fakes["gemini"]
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Reply(text="So far: 4,402 on Nov 18.\n", tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Reply(
            text="Still looking",
            tool_calls=(ScriptedToolCall("daily_sessions", WEEK), ScriptedToolCall("daily_sessions", WEEK)),
        ),
    )

    result = await agent(fake, "gemini", max_model_calls=3).run("explain sessions", system="s", context=LoopContext())

    # Then the last request withdrew the tools, and the answer keeps what it had and says what it could not do
    assert result.stop is StopReason.MODEL_CALLS
    assert fake.requests[2].body["toolConfig"]["functionCallingConfig"]["mode"] == "NONE"
    assert result.text.startswith("So far: 4,402 on Nov 18.")
    assert "incomplete" in result.text and "2× a GA4 report" not in result.text
    assert "could not run 2× another data query" in result.text
    assert result.not_run == ["daily_sessions", "daily_sessions"]
    # and every call in the stored conversation has its result
    calls = [c.id for m in result.new_messages for c in m.tool_calls]
    results = [r.call_id for m in result.new_messages for r in m.tool_results]
    assert sorted(calls) == sorted(results)


async def test_wall_time_cap(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["anthropic"]
    fake.script(Reply(tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)), Reply(text="never seen"))

    # A tool that would take a minute, against a half-second cap: only the cap can end the turn well before that,
    # whatever else the machine is doing (a first request's imports took seconds on a loaded CI machine).
    started = time.monotonic()
    result = await agent(fake, max_seconds=0.5).run("sessions?", system="s", context=LoopContext(delay=60.0))

    assert time.monotonic() - started < 30
    assert result.stop is StopReason.TIME
    assert "ran out of time" in result.text and "could not run another data query" in result.text


async def test_tool_calls_run_in_parallel(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["anthropic"]
    three = tuple(ScriptedToolCall("daily_sessions", WEEK) for _ in range(3))
    fake.script(Reply(tool_calls=three), Reply(text="done"))

    # Each call returns only once all three are running: one after another, the first would never return.
    context = LoopContext(together=asyncio.Barrier(3))
    result = await agent(fake).run("sessions?", system="s", context=context)

    assert len(result.tool_runs) == 3 and not any(run.outcome.is_error for run in result.tool_runs)
    assert len(fake.requests[1].tool_results) == 3


async def test_a_fabricated_number_is_flagged(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["anthropic"]
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Reply(text="Sessions were 4,402 on Nov 18, and 57,310 came from TikTok."),
    )

    result = await agent(fake).run("sessions?", system="s", context=LoopContext())

    assert result.grounding.untraced == ("57,310",)
    assert "57,310 _(unverified)_" in result.text
    assert "4,402 _(unverified)_" not in result.text


async def test_a_tool_needing_a_person_ends_the_turn(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["anthropic"]
    fake.script(Reply(tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)))

    result = await agent(fake).run("sessions?", system="s", context=LoopContext(needs_reconnect=True))

    assert result.stop is StopReason.USER_PROBLEM
    assert result.user_problem is not None and result.user_problem.message_key == "google.reconnect_needed"
    assert len(fake.requests) == 1


async def test_mid_stream_failure_restarts_the_answer(fakes: dict[str, LLMFakeServer]) -> None:
    fakes["anthropic"].script(FailMidStream(text="Sessions were 9,999\nand then", how="error_event"))
    fakes["gemini"].script(Reply(text="Sessions were 4,402."))
    events: list[AgentEvent] = []

    async def sink(event: AgentEvent) -> None:
        events.append(event)

    chain = FallbackModel([make_model("anthropic", fakes["anthropic"]), make_model("gemini", fakes["gemini"])])
    result = await Agent(model=chain, tools=registry()).run(
        "sessions on Nov 18?", system="s", context=LoopContext(), on_event=sink
    )

    # (no tool ran in this turn, so the grounding check cannot trace the number either)
    assert result.text == "Sessions were 4,402 _(unverified)_."
    assert result.model == "gemini:gemini-2.5-flash"
    assert result.fallback_from == ("anthropic:claude-haiku-4-5",)
    assert AnswerRestart("gemini:gemini-2.5-flash") in events
    assert "9,999" not in result.text


async def test_all_models_failing_raises(fakes: dict[str, LLMFakeServer]) -> None:
    fakes["anthropic"].script(Fail(529))

    with pytest.raises(AllModelsFailed) as caught:
        await agent(fakes["anthropic"]).run("q", system="s", context=LoopContext())

    assert caught.value.errors[0].status == 529
