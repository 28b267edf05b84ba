"""OpenAI-compatible chat completions (xAI Grok, OpenAI, local servers): the only module that knows that wire format.

Tool schemas are sent in strict mode when they can be made strict without changing their meaning; optional
top-level arguments then become required-but-nullable, and the nulls the model sends for them are dropped again here.

Reasoning: `max_completion_tokens` (not `max_tokens`, which OpenAI reasoning models refuse) caps the output, and
OpenAI's GPT-6 models take function calls on Chat Completions only with `reasoning_effort: "none"`, so that is sent
with tools. Reasoning text some servers return (`reasoning_content`) is never read into the answer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx2
import openai

from bot.llm.base import (
    Completed,
    ErrorKind,
    ModelError,
    ModelRequest,
    StreamEvent,
    TextDelta,
    ToolSpec,
    ended_early,
    error_envelope,
    malformed_error,
    status_error,
    transport_error,
)
from bot.llm.messages import Message, ModelResponse, TextPart, ToolCallPart, ToolResultPart, Usage
from bot.llm.schema import inline_refs

# Keywords strict mode accepts; a schema using anything else is sent non-strict.
_STRICT_KEYWORDS = {"type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf"}
_STRICT_KEYWORDS |= {"description", "title", "default"}


class OpenAICompatModel:
    """One model behind an OpenAI-compatible `/chat/completions` endpoint."""

    def __init__(
        self,
        model: str,
        *,
        provider: str,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 0,
        streaming: bool = True,
    ) -> None:
        self.model = model
        self.provider = provider
        self.streaming = streaming
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=httpx2.Timeout(timeout, connect=5.0),
        )
        self._nullable_optionals: dict[str, frozenset[str]] = {}
        self._strict_schemas: dict[str, tuple[dict[str, Any], tuple[dict[str, Any], frozenset[str]] | None]] = {}

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"

    async def aclose(self) -> None:
        await self._client.close()

    def _strict_schema(self, tool: ToolSpec) -> tuple[dict[str, Any], frozenset[str]] | None:
        """`strict_schema` of the tool, computed again only when the tool's parameters object changes."""
        cached = self._strict_schemas.get(tool.name)
        if cached is None or cached[0] is not tool.parameters:
            cached = (tool.parameters, strict_schema(tool.parameters))
            self._strict_schemas[tool.name] = cached
        return cached[1]

    def _body(self, request: ModelRequest) -> dict[str, Any]:
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.extend(_messages(request.messages))
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_completion_tokens": request.max_output_tokens,
        }
        if request.tools:
            tools = []
            for tool in request.tools:
                function: dict[str, Any] = {"name": tool.name, "description": tool.description}
                strict = self._strict_schema(tool)
                if strict is not None:
                    schema, optionals = strict
                    function |= {"parameters": schema, "strict": True}
                    self._nullable_optionals[tool.name] = optionals
                else:
                    function["parameters"] = tool.parameters
                    self._nullable_optionals.pop(tool.name, None)
                tools.append({"type": "function", "function": function})
            body["tools"] = tools
            body["tool_choice"] = request.tool_choice
            if self.provider == "openai" and _tools_need_no_reasoning(self.model):
                body["reasoning_effort"] = "none"
        return body

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        body = self._body(request)
        started = False
        try:
            if not self.streaming:
                completion = await self._client.chat.completions.create(**body)
                response = self._response(completion.model_dump(mode="json"))
                if response.message.text:
                    yield TextDelta(response.message.text)  # the same events as a stream, in one piece
                yield Completed(response)
                return
            state = _StreamState()
            chunks = await self._client.chat.completions.create(
                **body, stream=True, stream_options={"include_usage": True}
            )
            async for chunk in chunks:
                started = True
                delta = state.apply(chunk.model_dump(mode="json"))
                if delta:
                    yield TextDelta(delta)
            if not state.finish_reason:
                raise ended_early(self.name, expected="a finish_reason")
            yield Completed(self._response(state.as_completion()))
        except openai.APIStatusError as error:
            envelope = error_envelope(error.body)
            raise status_error(
                self.name,
                error.status_code,
                message=str(envelope.get("message", "")),
                error_type=str(envelope.get("type") or envelope.get("code") or ""),
                detail=str(envelope.get("type", "")),
            ) from error
        except openai.APITimeoutError as error:
            raise ModelError(ErrorKind.TIMEOUT, model=self.name) from error
        except openai.APIConnectionError as error:
            raise transport_error(self.name, started=started) from error
        except (openai.APIError, httpx2.HTTPError) as error:
            # An error object inside the stream (no HTTP status), or the connection dropping mid-stream.
            raise transport_error(self.name, started=started, detail=type(error).__name__) from error
        except (ValueError, KeyError) as error:  # JSON or pydantic decoding of a body or chunk that is not the API's
            raise malformed_error(self.name, error) from error

    def _response(self, completion: dict[str, Any]) -> ModelResponse:
        choice = (completion.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        parts: list[TextPart | ToolCallPart] = []
        if message.get("content"):
            parts.append(TextPart(text=message["content"]))
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            name = function.get("name", "")
            parts.append(
                ToolCallPart(
                    id=call.get("id") or f"call_{len(parts)}",
                    name=name,
                    arguments=_drop_nulls(function.get("arguments") or "", self._nullable_optionals.get(name)),
                )
            )
        usage = completion.get("usage") or {}
        details = usage.get("prompt_tokens_details") or {}
        return ModelResponse(
            message=Message(role="assistant", parts=tuple(parts)),
            usage=Usage(
                input_tokens=int(usage.get("prompt_tokens") or 0),
                output_tokens=int(usage.get("completion_tokens") or 0),
                cached_tokens=int(details.get("cached_tokens") or 0),
            ),
            model=self.name,
            stop_reason=str(choice.get("finish_reason") or ""),
        )


class _StreamState:
    """Accumulates chat.completion.chunk deltas (text and indexed tool-call fragments) into one completion."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.usage: dict[str, Any] = {}
        self.finish_reason = ""

    def apply(self, chunk: dict[str, Any]) -> str:
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        delta_text = ""
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                delta_text += delta["content"]
            for fragment in delta.get("tool_calls") or []:
                call = self.calls.setdefault(int(fragment.get("index", 0)), {"id": "", "name": "", "arguments": ""})
                call["id"] = fragment.get("id") or call["id"]
                function = fragment.get("function") or {}
                call["name"] += function.get("name") or ""
                call["arguments"] += function.get("arguments") or ""
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
        self.text.append(delta_text)
        return delta_text

    def as_completion(self) -> dict[str, Any]:
        tool_calls = [
            {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": call["arguments"]}}
            for _, call in sorted(self.calls.items())
        ]
        message = {"role": "assistant", "content": "".join(self.text) or None, "tool_calls": tool_calls}
        return {"choices": [{"message": message, "finish_reason": self.finish_reason}], "usage": self.usage}


def _tools_need_no_reasoning(model: str) -> bool:
    # gpt-6-sol / gpt-6-luna: function calling on Chat Completions requires reasoning_effort "none". (gpt-6.1-sol
    # accepts no "none" at all, so it cannot run this tool loop over Chat Completions.)
    return model.startswith("gpt-6-")


def _drop_nulls(arguments: str, optionals: frozenset[str] | None) -> str:
    """Remove the nulls strict mode made the model send for arguments it meant to leave out."""
    if not optionals:
        return arguments
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return arguments
    if not isinstance(value, dict):
        return arguments
    return json.dumps({key: item for key, item in value.items() if not (key in optionals and item is None)})


def strict_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], frozenset[str]] | None:
    """A strict-mode version of `schema` and the top-level optional names made nullable; None if not possible.

    Strict mode needs every property required and `additionalProperties: false` on every object. Nested
    optional properties or keywords strict mode rejects would change the meaning, so those schemas stay non-strict.
    """
    resolved = inline_refs(schema)
    if resolved.get("type") != "object":
        return None
    required = set(resolved.get("required", []))
    properties: dict[str, Any] = resolved.get("properties", {})
    optionals = frozenset(name for name in properties if name not in required)

    def tighten(node: Any, *, top: bool) -> Any:
        if not isinstance(node, dict):
            return node
        if any(key not in _STRICT_KEYWORDS for key in node):
            raise _NotStrict
        out = {key: value for key, value in node.items() if key != "default"}
        if out.get("type") == "object" or "properties" in out:
            props = out.get("properties", {})
            if not top and set(out.get("required", [])) != set(props):
                raise _NotStrict
            if out.get("additionalProperties") not in (None, False):
                raise _NotStrict
            out["properties"] = {name: tighten(child, top=False) for name, child in props.items()}
            out["required"] = list(props)
            out["additionalProperties"] = False
        if "items" in out:
            out["items"] = tighten(out["items"], top=False)
        if "anyOf" in out:
            out["anyOf"] = [tighten(option, top=False) for option in out["anyOf"]]
        return out

    try:
        tightened: dict[str, Any] = tighten(resolved, top=True)
    except _NotStrict:
        return None
    for name in optionals:
        child = tightened["properties"][name]
        if not _accepts_null(child):
            tightened["properties"][name] = {"anyOf": [child, {"type": "null"}]}
    return tightened, optionals


def _accepts_null(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return any(_accepts_null(option) for option in node.get("anyOf", []) if isinstance(option, dict))


class _NotStrict(Exception):
    pass


def _messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "assistant":
            entry: dict[str, Any] = {"role": "assistant", "content": message.text or None}
            calls = [
                {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
                for call in message.tool_calls
            ]
            if calls:
                entry["tool_calls"] = calls
            wire.append(entry)
            continue
        # Tool results are separate "tool" messages and must directly follow the assistant's calls.
        for part in message.parts:
            if isinstance(part, ToolResultPart):
                content = f"Error: {part.content}" if part.is_error else part.content
                wire.append({"role": "tool", "tool_call_id": part.call_id, "content": content})
        if message.text:
            wire.append({"role": "user", "content": message.text})
    return wire
