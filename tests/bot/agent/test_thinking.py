"""Thinking over the wire: Claude's blocks go back unchanged to the model that wrote them, and nowhere else."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import anthropic
import pytest
from pydantic import SecretStr

from bot.agent.cost import PriceTable
from bot.agent.events import AgentEvent, AnswerText, StopReason
from bot.agent.loop import Agent, tool_specs
from bot.agent.turns import AgentService
from bot.config.settings import Settings
from bot.fakes.llm_script import Fail, LLMFakeServer, Reply, ScriptedToolCall
from bot.llm.anthropic import THINKING_HEADROOM_TOKENS, AnthropicModel
from bot.llm.base import ErrorKind, ModelError, ModelRequest, complete
from bot.llm.fallback import FallbackModel
from bot.llm.messages import Message, ThinkingPart, ToolResultPart, load_conversation, user_text
from bot.llm.registry import ModelRegistry
from storage.db import Database
from storage.repos import agent as repo
from tests.bot.agent.conftest import LoopContext, registry
from tests.bot.agent.test_turns import FACTS, workspace_id
from tests.bot.llm.conftest import make_model

WEEK = {"metric": "sessions", "start_date": "2026-11-16", "end_date": "2026-11-18"}
MONDAY = {"metric": "sessions", "start_date": "2026-11-16", "end_date": "2026-11-16"}
SONNET = "claude-sonnet-5-5"


def sonnet(fake: LLMFakeServer, *, streaming: bool = True) -> AnthropicModel:
    return AnthropicModel(SONNET, api_key="test-key", base_url=fake.url, streaming=streaming)


def blocks_of(body: dict[str, object], kind: str) -> list[dict[str, object]]:
    messages = body["messages"]
    assert isinstance(messages, list)
    return [block for m in messages for block in m["content"] if block["type"] == kind]


@pytest.mark.parametrize("streaming", [True, False])
async def test_thinking_goes_back_unchanged_across_two_tool_rounds_and_is_never_shown(
    fakes: dict[str, LLMFakeServer], streaming: bool
) -> None:
    # Given Claude thinks before each of two tool rounds (once with a redacted block) and before answering
    fake = fakes["anthropic"]
    fake.script(
        Reply(thinking=("Need the week first.",), tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Reply(
            thinking=("Now Monday alone.", ""),
            redacted_thinking=True,
            tool_calls=(ScriptedToolCall("daily_sessions", MONDAY),),
        ),
        Reply(thinking=("Done: 4,402 is the peak.",), text="4,402 sessions on Nov 18, the peak of the week."),
    )
    events: list[AgentEvent] = []

    async def sink(event: AgentEvent) -> None:
        events.append(event)

    # When the agent runs the tool loop
    agent = Agent(model=FallbackModel([sonnet(fake, streaming=streaming)]), tools=registry())
    result = await agent.run("sessions this week?", system="s", context=LoopContext(), on_event=sink)

    # Then every request was accepted, each carrying all earlier thinking blocks exactly as issued
    assert result.stop is StopReason.ANSWERED
    assert [request.rejected for request in fake.requests] == [None, None, None]
    first, second, third = (request.body for request in fake.requests)
    assert blocks_of(first, "thinking") == []
    assert [b["thinking"] for b in blocks_of(second, "thinking")] == ["Need the week first."]
    assert second["messages"][1]["content"][0]["type"] == "thinking"  # type: ignore[index]
    assert [b["thinking"] for b in blocks_of(third, "thinking")] == ["Need the week first.", "Now Monday alone.", ""]
    assert len(blocks_of(third, "redacted_thinking")) == 1
    issued = list(fake.issued_thinking.values())
    assert all(block.block in blocks_of(third, block.block["type"]) for block in issued[:4])  # type: ignore[operator]
    # And nothing Claude may not take is sent: no thinking setting, sampling parameter or forced tool choice
    for body in (first, second, third):
        assert {"thinking", "temperature", "top_p", "top_k"}.isdisjoint(body)
        assert body["tool_choice"] == {"type": "auto"}
        assert body["max_tokens"] == 2048 + THINKING_HEADROOM_TOKENS
    # And thinking text never reaches the person
    shown = "".join(event.text for event in events if isinstance(event, AnswerText))
    assert shown == result.text == "4,402 sessions on Nov 18, the peak of the week."
    assert "Need the week" not in result.text
    thinking = [part for m in result.new_messages for part in m.parts if isinstance(part, ThinkingPart)]
    assert [part.model for part in thinking] == [SONNET] * 5


async def test_the_fake_refuses_what_claude_refuses(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["anthropic"]
    fake.script(Reply(thinking=("Week first.",), tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)))
    model = sonnet(fake)
    tools = tool_specs(registry())
    asked = await complete(model, ModelRequest(system="s", messages=[user_text("sessions?")], tools=tools))
    call = asked.message.tool_calls[0]
    without_thinking = Message(role="assistant", parts=(call,))
    results = Message(role="user", parts=(ToolResultPart(call_id=call.id, name=call.name, content="{}"),))

    # A tool loop whose tool_use turn lost its thinking blocks is a 400
    with pytest.raises(ModelError) as refused:
        await complete(
            model,
            ModelRequest(system="s", messages=[user_text("sessions?"), without_thinking, results], tools=tools),
        )
    assert refused.value.kind is ErrorKind.BAD_REQUEST
    assert "must start with a thinking block" in (fake.requests[-1].rejected or "")

    # So are a forced tool choice and a sampling parameter (sent straight through the SDK, which no longer even has a
    # `temperature` argument)
    client = anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.url, max_retries=0)
    forced = {"tool_choice": {"type": "any"}, "tools": [{"name": "t", "input_schema": {"type": "object"}}]}
    for extra in (forced, {"extra_body": {"temperature": 0.2}}):
        with pytest.raises(anthropic.BadRequestError) as error:
            await client.messages.create(
                model=SONNET,
                max_tokens=10,
                messages=[{"role": "user", "content": "hi"}],
                **extra,  # type: ignore[arg-type]
            )
        assert error.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    await client.close()


def thinking_service(database: Database, fake: LLMFakeServer) -> AgentService[LoopContext]:
    settings = Settings(
        _env_file=None,
        anthropic_api_key=SecretStr("test-key"),
        anthropic_base_url=fake.url,
        lookout_models_fast=f"anthropic:{SONNET}",
        lookout_models_deep=f"anthropic:{SONNET}",
    )
    return AgentService(
        database=database,
        models=ModelRegistry(settings),
        tools=registry(),
        prices=PriceTable.from_config(None),
        monthly_budget_usd=0.0,
    )


async def test_a_stored_conversation_brings_its_thinking_back_for_a_follow_up(
    database: Database, fakes: dict[str, LLMFakeServer]
) -> None:
    # Given a first question answered after a tool round, with thinking at each step
    fake = fakes["anthropic"]
    fake.script(
        Reply(thinking=("Week first.",), tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Reply(thinking=("Peak is Nov 18.",), text="4,402 sessions on Nov 18."),
        Reply(thinking=("Monday only.",), tool_calls=(ScriptedToolCall("daily_sessions", MONDAY),)),
        Reply(text="4,210 on Monday."),
        Reply(text="Tuesday had 3,980."),
    )
    agent = thinking_service(database, fake)
    ws = await workspace_id(database)
    ask = {"workspace_id": ws, "channel_id": "C1", "thread_ts": "1.0"}
    await agent.answer("sessions this week?", context=LoopContext(), facts=FACTS, **ask)  # type: ignore[arg-type]

    # Then the thread's stored conversation keeps the thinking parts
    async with database.session() as session:
        stored = await repo.get_conversation(session=session, **ask)  # type: ignore[arg-type]
    assert stored is not None
    kept = [part for m in load_conversation(stored.messages_json) for part in m.parts if isinstance(part, ThinkingPart)]
    assert [part.text for part in kept] == ["Week first.", "Peak is Nov 18."]

    # When a follow-up comes the same day, the reloaded thinking goes back with the history, unchanged
    second = await agent.answer("and on Monday?", context=LoopContext(), facts=FACTS, **ask)  # type: ignore[arg-type]
    assert second.text == "4,210 on Monday."
    follow_up = fake.requests[2]
    assert follow_up.rejected is None
    assert [b["thinking"] for b in blocks_of(follow_up.body, "thinking")] == ["Week first.", "Peak is Nov 18."]
    assert fake.requests[3].rejected is None

    # And on the next day (another system prompt) the old thinking is left out instead of being refused
    tomorrow = replace(FACTS, now=FACTS.now + timedelta(days=1))
    third = await agent.answer("and Tuesday?", context=LoopContext(), facts=tomorrow, **ask)  # type: ignore[arg-type]
    assert fake.requests[4].rejected is None, fake.requests[4].rejected
    assert third.text == "Tuesday had 3,980."
    assert fake.requests[4].rejected is None
    assert blocks_of(fake.requests[4].body, "thinking") == []


async def test_fallback_to_gemini_mid_conversation_sends_it_no_claude_thinking(
    fakes: dict[str, LLMFakeServer],
) -> None:
    # Given Claude thinks and asks for a tool, then is overloaded
    fakes["anthropic"].script(
        Reply(thinking=("Private reasoning.",), tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Fail(529, "Overloaded"),
    )
    fakes["gemini"].script(Reply(text="4,402 sessions on Nov 18."))
    chain = FallbackModel([sonnet(fakes["anthropic"]), make_model("gemini", fakes["gemini"])])

    # When the agent's next step falls back to Gemini
    result = await Agent(model=chain, tools=registry()).run("sessions?", system="s", context=LoopContext())

    # Then Gemini answered the same conversation, with Claude's call and result but none of its thinking
    assert result.text == "4,402 sessions on Nov 18."
    gemini = fakes["gemini"].requests[0]
    assert gemini.rejected is None
    sent = json.dumps(gemini.body)
    claude_signatures = list(fakes["anthropic"].issued_thinking)  # type: ignore[attr-defined]
    assert claude_signatures and not any(signature in sent for signature in claude_signatures)
    assert "Private reasoning" not in sent
    assert any("functionCall" in part for content in gemini.body["contents"] for part in content["parts"])


async def test_fallback_to_another_claude_model_leaves_the_first_models_thinking_out(
    fakes: dict[str, LLMFakeServer],
) -> None:
    fake = fakes["anthropic"]
    haiku = AnthropicModel("claude-haiku-5-5", api_key="test-key", base_url=fake.url)
    fake.script(
        Reply(thinking=("Haiku's reasoning.",), tool_calls=(ScriptedToolCall("daily_sessions", WEEK),)),
        Fail(529, "Overloaded"),
        Reply(text="4,402 sessions on Nov 18."),
    )

    result = await Agent(model=FallbackModel([haiku, sonnet(fake)]), tools=registry()).run(
        "sessions?", system="s", context=LoopContext()
    )

    assert result.text == "4,402 sessions on Nov 18."
    to_sonnet = fake.requests[2]
    assert to_sonnet.body["model"] == SONNET and to_sonnet.rejected is None
    assert blocks_of(to_sonnet.body, "thinking") == [] and to_sonnet.dropped_thinking == 0


async def test_reasoning_from_other_providers_never_reaches_the_answer(
    fakes: dict[str, LLMFakeServer], provider_name: str
) -> None:
    # Gemini thought summaries and `reasoning_content` from OpenAI-compatible servers are not the answer either
    fake = fakes[provider_name]
    fake.script(Reply(thinking=("Secret plan.",), text="Sessions were flat all week."))

    result = await Agent(model=FallbackModel([make_model(provider_name, fake)]), tools=registry()).run(
        "sessions?", system="s", context=LoopContext()
    )

    assert result.text == "Sessions were flat all week."
    assert all("Secret plan" not in m.text for m in result.new_messages)
