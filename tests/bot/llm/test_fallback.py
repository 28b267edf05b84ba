"""Fallback per request, over the wire: a failing provider hands the same request to the next one."""

from __future__ import annotations

import pytest

from bot.fakes.llm_script import Fail, FailMidStream, LLMFakeServer, Reply, ScriptedToolCall
from bot.llm.base import AllModelsFailed, Completed, ModelRequest, StreamRestart, TextDelta, complete
from bot.llm.fallback import FallbackModel
from bot.llm.messages import Message, ToolResultPart, user_text
from tests.bot.llm.conftest import make_model
from tests.bot.llm.test_providers import REPORT


def chain(fakes: dict[str, LLMFakeServer]) -> FallbackModel:
    return FallbackModel([make_model(name, fakes[name]) for name in ("anthropic", "gemini", "xai")])


def request(*messages: Message) -> ModelRequest:
    return ModelRequest(system="s", messages=list(messages), tools=[REPORT])


async def test_overloaded_claude_hands_the_request_to_gemini(fakes: dict[str, LLMFakeServer]) -> None:
    fakes["anthropic"].script(Fail(529, "Overloaded"))
    fakes["gemini"].script(Reply(text="Sessions were 4,210."))

    response = await complete(chain(fakes), request(user_text("sessions yesterday?")))

    assert response.model == "gemini:gemini-2.5-flash"
    assert response.fallback_from == ("anthropic:claude-haiku-4-5",)
    assert len(fakes["anthropic"].requests) == 1
    assert fakes["gemini"].requests[0].body["contents"][0]["parts"][0]["text"] == "sessions yesterday?"


@pytest.mark.parametrize("how", ["error_event", "disconnect"])
async def test_mid_stream_failure_restarts_the_answer_on_the_next_model(
    fakes: dict[str, LLMFakeServer], how: str
) -> None:
    fakes["anthropic"].script(
        FailMidStream(text="Sessions were 9", how="error_event" if how == "error_event" else "disconnect")
    )
    fakes["gemini"].script(Reply(text="Sessions were 4,210."))

    events = [event async for event in chain(fakes).stream(request(user_text("sessions yesterday?")))]

    restarts = [event for event in events if isinstance(event, StreamRestart)]
    assert restarts == [StreamRestart(model="gemini:gemini-2.5-flash", failed="anthropic:claude-haiku-4-5")]
    after = events[events.index(restarts[0]) :]
    assert "".join(event.text for event in after if isinstance(event, TextDelta)) == "Sessions were 4,210."
    assert isinstance(events[-1], Completed)
    assert events[-1].response.fallback_from == ("anthropic:claude-haiku-4-5",)


async def test_a_conversation_started_on_one_provider_continues_on_another(fakes: dict[str, LLMFakeServer]) -> None:
    # Given Claude asked for a tool and then became overloaded
    fakes["anthropic"].script(
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", {"metrics": ["sessions"], "date_ranges": []}),)),
        Fail(529),
    )
    fakes["gemini"].script(Fail(503))
    fakes["xai"].script(Reply(text="Sessions were 4,210."))
    model = chain(fakes)
    first = await complete(model, request(user_text("q")))
    call = first.message.tool_calls[0]
    result = Message(role="user", parts=(ToolResultPart(call_id=call.id, name=call.name, content='{"v": 4210}'),))

    # When the next step goes through the chain
    second = await complete(model, request(user_text("q"), first.message, result))

    # Then Grok answered a request in which Claude's call keeps its result, and each API accepted what it got
    assert second.model == "xai:grok-4-fast"
    assert second.fallback_from == ("anthropic:claude-haiku-4-5", "gemini:gemini-2.5-flash")
    messages = fakes["xai"].requests[0].body["messages"]
    assert messages[-2]["tool_calls"][0]["id"] == call.id
    assert messages[-1] == {"role": "tool", "tool_call_id": call.id, "content": '{"v": 4210}'}
    assert all(r.rejected is None for fake in fakes.values() for r in fake.requests)


async def test_every_model_failing_raises_with_each_error(fakes: dict[str, LLMFakeServer]) -> None:
    for name, status in (("anthropic", 529), ("gemini", 429), ("xai", 500)):
        fakes[name].script(Fail(status))

    with pytest.raises(AllModelsFailed) as caught:
        await complete(chain(fakes), request(user_text("q")))

    assert [error.status for error in caught.value.errors] == [529, 429, 500]
