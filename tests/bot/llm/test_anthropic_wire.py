"""Claude's request body, encoded by Lookout once and handed to the SDK as bytes, is what the SDK's own
`messages.create` would send: the same keys in the same order, the same encoding, the same headers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anthropic
import pytest
from aiohttp import web

from bot.fakes.anthropic import FakeAnthropic
from bot.fakes.llm_script import Reply
from bot.llm.anthropic import AnthropicModel
from bot.llm.base import ModelError, ModelRequest, SystemPrompt, ToolSpec, complete
from bot.llm.messages import Message, TextPart, ThinkingPart, ToolCallPart, ToolResultPart, user_text

TOOLS = (
    ToolSpec(name="ga4_run_report", description="Run a “GA4” report — sessions, users.", parameters={"type": "object"}),
    ToolSpec(
        name="chart",
        description="Draw a chart.",
        parameters={"type": "object", "properties": {"title": {"type": "string", "default": "Süre"}}},
    ),
)
# Headers that differ between any two requests, whoever sends them.
_VARYING = {"content-length", "host", "x-stainless-retry-count", "x-stainless-read-timeout"}


@dataclass
class Capture:
    """A loopback endpoint that keeps each request's raw body and headers and answers 400 (nothing to stream)."""

    url: str = ""
    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        self.headers.append({k.lower(): v for k, v in request.headers.items() if k.lower() not in _VARYING})
        error = {"type": "error", "error": {"type": "invalid_request_error", "message": "captured"}}
        return web.json_response(error, status=400)


@pytest.fixture
async def capture() -> AsyncIterator[Capture]:
    found = Capture()
    app = web.Application()
    app.router.add_post("/v1/messages", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield found
    await runner.cleanup()


def conversation() -> list[Message]:
    call = ToolCallPart(id="toolu_01", name="ga4_run_report", arguments='{"metrics": ["sessions"]}')
    return [
        user_text("Combien de sessions ✓ la semaine dernière ?"),
        Message(role="assistant", parts=(TextPart(text="Je regarde."), call)),
        Message(role="user", parts=(ToolResultPart(call_id="toolu_01", name=call.name, content='{"sessions": 1.5}'),)),
    ]


async def sent_by_lookout(capture: Capture, request: ModelRequest, *, streaming: bool) -> bytes:
    model = AnthropicModel("claude-haiku-4-5", api_key="k", base_url=capture.url, streaming=streaming)
    try:
        with pytest.raises(ModelError):
            await complete(model, request)
    finally:
        await model.aclose()
    return capture.bodies[-1]


async def sent_by_the_sdk(capture: Capture, body: bytes) -> bytes:
    client = anthropic.AsyncAnthropic(api_key="k", base_url=capture.url, max_retries=0, timeout=60.0)
    try:
        fields: dict[str, Any] = json.loads(body)
        with pytest.raises(anthropic.BadRequestError):
            await client.messages.create(**fields)
    finally:
        await client.close()
    return capture.bodies[-1]


@pytest.mark.parametrize("streaming", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("tools", [TOOLS, ()], ids=["tools", "no-tools"])
@pytest.mark.parametrize("system", [SystemPrompt(stable="Rules.", situational="Today is Monday."), "Plain.", ""])
async def test_the_body_is_the_bytes_messages_create_sends(
    capture: Capture, streaming: bool, tools: tuple[ToolSpec, ...], system: str
) -> None:
    request = ModelRequest(system=system, messages=conversation(), tools=tools, max_output_tokens=300)

    ours = await sent_by_lookout(capture, request, streaming=streaming)
    theirs = await sent_by_the_sdk(capture, ours)

    assert ours == theirs
    assert capture.headers[0]["content-type"] == "application/json"
    assert {k: v for k, v in capture.headers[0].items() if not k.startswith("x-stainless-timeout")} == {
        k: v for k, v in capture.headers[1].items() if not k.startswith("x-stainless-timeout")
    }
    assert json.loads(ours)["max_tokens"] > 300


async def test_a_changed_tool_list_is_sent_as_it_now_is(capture: Capture) -> None:
    model = AnthropicModel("claude-haiku-4-5", api_key="k", base_url=capture.url)
    try:
        for tools in (TOOLS, TOOLS[:1], TOOLS):
            with pytest.raises(ModelError):
                await complete(model, ModelRequest(system="s", messages=[user_text("hi")], tools=tools))
    finally:
        await model.aclose()

    sent = [[tool["name"] for tool in json.loads(body)["tools"]] for body in capture.bodies]
    assert sent == [["ga4_run_report", "chart"], ["ga4_run_report"], ["ga4_run_report", "chart"]]
    assert [json.loads(body)["tools"][-1]["cache_control"] for body in capture.bodies] == [{"type": "ephemeral"}] * 3


async def test_each_request_sends_its_own_system_prompt_though_encoded_prompts_are_kept(capture: Capture) -> None:
    monday = SystemPrompt(stable="Rules.", situational="Today is Monday.")
    tuesday = SystemPrompt(stable="Rules.", situational="Today is Tuesday.")
    split_later = SystemPrompt(stable="Rules.Today", situational=" is Monday.")  # the same text, cached differently
    model = AnthropicModel("claude-haiku-4-5", api_key="k", base_url=capture.url)
    try:
        for system in (monday, monday, tuesday, monday, split_later, "Plain.", ""):
            with pytest.raises(ModelError):
                await complete(model, ModelRequest(system=system, messages=[user_text("hi")], tools=TOOLS))
    finally:
        await model.aclose()

    sent = [[block["text"] for block in json.loads(body).get("system", [])] for body in capture.bodies]
    assert sent == [
        ["Rules.", "Today is Monday."],
        ["Rules.", "Today is Monday."],
        ["Rules.", "Today is Tuesday."],
        ["Rules.", "Today is Monday."],
        ["Rules.Today", " is Monday."],
        ["Plain."],
        [],
    ]


def _stored_prefix(body: dict[str, Any]) -> str:
    """The prefix hash as stored with thinking blocks since they were first kept: SHA-256 of `[{"system", "tools"},
    messages]` as canonical JSON without cache marks (computed here independently of the model's own code)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items() if key != "cache_control"}
        return [strip(item) for item in value] if isinstance(value, list) else value

    head = {"system": body.get("system"), "tools": body.get("tools")}
    text = json.dumps(strip([head, body["messages"]]), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


async def test_thinking_is_bound_to_the_prefix_each_request_sent_whatever_came_before() -> None:
    # Given one model asked in turn with two system prompts and two tool lists (its kept hash starts must not mix)
    fake = FakeAnthropic()
    await fake.start()
    model = AnthropicModel("claude-haiku-4-5", api_key="k", base_url=fake.url)
    asks = [("Rules A.", TOOLS), ("Rules B.", TOOLS), ("Rules A.", TOOLS[:1]), ("Rules A.", TOOLS), ("Rules B.", ())]
    fake.script(*(Reply(thinking=(f"thought {n}",), text="ok") for n in range(len(asks))))
    try:
        bound = []
        for system, tools in asks:
            request = ModelRequest(
                system=SystemPrompt(stable=system, situational="Monday."), messages=conversation(), tools=tools
            )
            response = await complete(model, request)
            bound += [part.prefix_hash for part in response.message.parts if isinstance(part, ThinkingPart)]
    finally:
        await model.aclose()
        await fake.stop()

    # Then each answer's thinking is bound to exactly what its own request sent
    assert bound == [_stored_prefix(recorded.body) for recorded in fake.requests]
    assert bound[0] == bound[3]
    assert len(set(bound)) == 4  # the first and fourth requests sent the same prefix
