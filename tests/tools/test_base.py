"""The registry's `execute_tool` spans (OpenTelemetry GenAI conventions), given a tracer; none without one."""

from __future__ import annotations

import pytest
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from tests.helpers.spans import recording
from tools.base import Tool, ToolError, ToolRegistry, ToolUserError


class Question(BaseModel):
    metric: str


class Answer(BaseModel):
    value: int


async def lookup(arguments: Question, context: None) -> Answer:
    if arguments.metric == "revenue":
        raise ToolError("No revenue metric on this property; try purchaseRevenue.")
    if arguments.metric == "private":
        raise ToolUserError("google_reconnect", "token expired for someone@example.com")
    return Answer(value=4210)


def registry() -> ToolRegistry[None]:
    return ToolRegistry([Tool(name="lookup", description="Look a metric up.\nMore.", input_model=Question, run=lookup)])


async def test_a_call_is_an_execute_tool_span_without_its_payloads_by_default() -> None:
    tools = registry()
    with recording() as recorded:
        tools.tracer = recorded.telemetry.tracer
        outcome = await tools.run("lookup", '{"metric": "sessions"}', None, call_id="toolu_01")

    assert not outcome.is_error
    [span] = recorded.spans
    assert span.name == "execute_tool lookup"
    assert span.attributes == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "lookup",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": "toolu_01",
        "gen_ai.tool.description": "Look a metric up.",
    }
    assert span.status.status_code is StatusCode.UNSET


async def test_payloads_go_on_the_span_only_when_content_capture_is_on() -> None:
    tools = registry()
    with recording(capture_content=True) as recorded:
        tools.tracer, tools.capture_content = recorded.telemetry.tracer, True
        await tools.run("lookup", {"metric": "sessions"}, None)

    [span] = recorded.spans
    assert span.attributes is not None
    assert span.attributes["gen_ai.tool.call.arguments"] == '{"metric": "sessions"}'
    assert span.attributes["gen_ai.tool.call.result"] == '{"value":4210}'


async def test_an_error_outcome_and_an_escaping_error_mark_the_span_by_type_only() -> None:
    tools = registry()
    with recording() as recorded:
        tools.tracer = recorded.telemetry.tracer
        outcome = await tools.run("lookup", {"metric": "revenue"}, None)
        with pytest.raises(ToolUserError):
            await tools.run("lookup", {"metric": "private"}, None)

    assert outcome.is_error
    fixable, person = recorded.spans
    assert (fixable.attributes or {})["error.type"] == "tool_error"
    assert (person.attributes or {})["error.type"] == "ToolUserError"
    for span in (fixable, person):
        assert span.status.status_code is StatusCode.ERROR and span.status.description is None
        assert list(span.events) == []


async def test_without_a_tracer_nothing_is_recorded() -> None:
    tools = registry()
    with recording() as recorded:
        await tools.run("lookup", {"metric": "sessions"}, None)
    assert recorded.spans == []
