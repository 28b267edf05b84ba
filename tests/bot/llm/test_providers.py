"""Each provider module over the wire: requests its API accepts, responses mapped back, errors in one taxonomy."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from bot.fakes.llm_script import Fail, FailMidStream, LLMFakeServer, Reply, ScriptedToolCall
from bot.llm.base import ErrorKind, ModelError, ModelRequest, TextDelta, ToolSpec, complete
from bot.llm.messages import Message, TextPart, ToolCallPart, ToolResultPart, user_text
from tests.bot.llm.conftest import make_model


class DateRange(BaseModel):
    start_date: str
    end_date: str


class ReportInput(BaseModel):
    """Nested models, optional fields and defaults: what real tool inputs look like."""

    metrics: list[str]
    date_ranges: list[DateRange]
    dimensions: list[str] = Field(default_factory=list)
    limit: int | None = None


REPORT = ToolSpec(name="ga4_run_report", description="Run a GA4 report.", parameters=ReportInput.model_json_schema())


def request_with(*messages: Message, tool_choice: str = "auto") -> ModelRequest:
    return ModelRequest(
        system="You answer GA4 questions.",
        messages=list(messages),
        tools=[REPORT],
        tool_choice="none" if tool_choice == "none" else "auto",
    )


@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "json"])
async def test_tool_round_trip_is_accepted_and_paired(
    fakes: dict[str, LLMFakeServer], provider_name: str, streaming: bool
) -> None:
    # Given a model that first calls a tool, then answers with a number
    fake = fakes[provider_name]
    arguments = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}
    fake.script(
        Reply(text="Let me check.", tool_calls=(ScriptedToolCall("ga4_run_report", arguments),)),
        Reply(text="Sessions were 11,842 last week."),
    )
    model = make_model(provider_name, fake, streaming=streaming)

    # When the bot sends the question, then the tool result
    first = await complete(model, request_with(user_text("How many sessions last week?")))
    call = first.message.tool_calls[0]
    result = Message(
        role="user", parts=(ToolResultPart(call_id=call.id, name=call.name, content='{"rows": [["11842"]]}'),)
    )
    second = await complete(model, request_with(user_text("How many sessions last week?"), first.message, result))

    # Then the call came back whole, the result went out paired with it, and the API accepted both requests
    assert call.name == "ga4_run_report"
    assert json.loads(call.arguments) == arguments
    assert second.message.text == "Sessions were 11,842 last week."
    assert second.model.startswith(provider_name + ":")
    assert second.usage.input_tokens == 100
    assert second.usage.output_tokens == 20
    assert [recorded.rejected for recorded in fake.requests] == [None, None]
    assert all(recorded.streaming is streaming for recorded in fake.requests)
    assert "11842" in fake.requests[1].tool_results[0]


async def test_text_streams_in_pieces(fakes: dict[str, LLMFakeServer], provider_name: str) -> None:
    fake = fakes[provider_name]
    fake.script(Reply(text="Organic sessions fell 18 % last week, mostly on blog pages."))
    model = make_model(provider_name, fake)

    deltas = [event.text async for event in model.stream(request_with(user_text("hi"))) if isinstance(event, TextDelta)]

    assert len(deltas) > 1
    assert "".join(deltas) == "Organic sessions fell 18 % last week, mostly on blog pages."


@pytest.mark.parametrize(
    ("script", "kind"),
    [
        (Fail(429), ErrorKind.RATE_LIMITED),
        (Fail(500), ErrorKind.SERVER_ERROR),
        (Fail(401), ErrorKind.AUTH),
        (FailMidStream(how="disconnect"), ErrorKind.STREAM_INTERRUPTED),
    ],
    ids=["429", "500", "401", "disconnect"],
)
async def test_failures_map_to_one_taxonomy(
    fakes: dict[str, LLMFakeServer], provider_name: str, script: Fail | FailMidStream, kind: ErrorKind
) -> None:
    fake = fakes[provider_name]
    fake.script(script)
    model = make_model(provider_name, fake)

    with pytest.raises(ModelError) as caught:
        await complete(model, request_with(user_text("hi")))

    assert caught.value.kind is kind
    assert caught.value.model == model.name
    assert len(fake.requests) == 1  # the SDK did not retry: the fallback chain is the retry


async def test_overloaded_is_retryable_on_each_provider(fakes: dict[str, LLMFakeServer], provider_name: str) -> None:
    fake = fakes[provider_name]
    fake.script(Fail({"anthropic": 529, "gemini": 503, "xai": 503}[provider_name]), FailMidStream())
    model = make_model(provider_name, fake)

    errors = []
    for _ in range(2):
        with pytest.raises(ModelError) as caught:
            await complete(model, request_with(user_text("hi")))
        errors.append(caught.value)

    assert errors[0].kind is ErrorKind.OVERLOADED
    assert all(error.retryable for error in errors)


async def test_gemini_schema_is_reduced_to_its_subset_and_signatures_return(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["gemini"]
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", {"metrics": ["sessions"], "date_ranges": []}),)),
        Reply(text="ok"),
    )
    model = make_model("gemini", fake)

    first = await complete(model, request_with(user_text("hi")))
    call = first.message.tool_calls[0]
    result = Message(role="user", parts=(ToolResultPart(call_id=call.id, name=call.name, content="{}"),))
    await complete(model, request_with(user_text("hi"), first.message, result))

    declared = fake.requests[0].body["tools"][0]["functionDeclarations"][0]["parameters"]
    flat = json.dumps(declared)
    assert "$ref" not in flat and "$defs" not in flat and "additionalProperties" not in flat
    assert declared["properties"]["date_ranges"]["items"]["properties"]["start_date"]["type"] == "STRING"
    assert declared["properties"]["limit"]["nullable"] is True
    replayed = fake.requests[1].body["contents"][1]["parts"][0]
    assert call.signature is not None
    assert replayed["thoughtSignature"] == call.signature.value
    assert fake.requests[1].rejected is None


async def test_gemini_accepts_a_call_another_provider_made(fakes: dict[str, LLMFakeServer]) -> None:
    # Given a conversation where Claude made the tool call (no Gemini signature), Gemini answers the next step
    fake = fakes["gemini"]
    fake.script(Reply(text="Sessions were 120."))
    claude_turn = Message(role="assistant", parts=(ToolCallPart(id="toolu_01", name="ga4_run_report", arguments="{}"),))
    result = Message(role="user", parts=(ToolResultPart(call_id="toolu_01", name="ga4_run_report", content="{}"),))

    response = await complete(make_model("gemini", fake), request_with(user_text("hi"), claude_turn, result))

    assert response.message.text == "Sessions were 120."
    assert fake.requests[0].rejected is None


async def test_openai_strict_schema_and_dropped_nulls(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["xai"]
    fake.script(
        Reply(
            tool_calls=(
                ScriptedToolCall(
                    "ga4_run_report", '{"metrics": ["sessions"], "date_ranges": [], "limit": null, "dimensions": null}'
                ),
            )
        )
    )
    model = make_model("xai", fake)

    response = await complete(model, request_with(user_text("hi")))

    function = fake.requests[0].body["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False
    assert sorted(function["parameters"]["required"]) == ["date_ranges", "dimensions", "limit", "metrics"]
    assert json.loads(response.message.tool_calls[0].arguments) == {"metrics": ["sessions"], "date_ranges": []}


async def test_malformed_arguments_are_kept_raw_and_replayable(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["xai"]
    fake.script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", '{"metrics": [sessions'),)), Reply(text="ok"))
    model = make_model("xai", fake)

    first = await complete(model, request_with(user_text("hi")))
    call = first.message.tool_calls[0]
    result = Message(
        role="user", parts=(ToolResultPart(call_id=call.id, name=call.name, content="bad JSON", is_error=True),)
    )
    await complete(model, request_with(user_text("hi"), first.message, result))

    assert call.arguments == '{"metrics": [sessions'
    assert call.arguments_object() is None
    assert fake.requests[1].body["messages"][-1]["content"].startswith("Error:")


async def test_anthropic_caches_tools_system_and_conversation(fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["anthropic"]
    fake.script(Reply(text="ok", input_tokens=3000, cached_tokens=2500))
    model = make_model("anthropic", fake)

    response = await complete(
        model,
        request_with(user_text("hi"), Message(role="assistant", parts=(TextPart(text="yes"),)), user_text("more")),
    )

    body = fake.requests[0].body
    assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert response.usage.cached_tokens == 2500
    assert response.usage.input_tokens == 3000


async def test_tool_choice_none_reaches_each_api(fakes: dict[str, LLMFakeServer], provider_name: str) -> None:
    fake = fakes[provider_name]
    fake.script(Reply(text="Here is what I have."))

    await complete(make_model(provider_name, fake), request_with(user_text("hi"), tool_choice="none"))

    body = fake.requests[0].body
    sent = {
        "anthropic": lambda: body["tool_choice"]["type"],
        "gemini": lambda: body["toolConfig"]["functionCallingConfig"]["mode"],
        "xai": lambda: body["tool_choice"],
    }[provider_name]()
    assert sent.lower() == "none"
