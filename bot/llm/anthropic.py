"""Claude over the Anthropic Messages API: the only module that knows that wire format.

Prompt caching: the tool definitions, the system prompt and the conversation so far are marked as cache
breakpoints, so each step of a tool loop re-reads the growing prefix from the cache instead of paying for it again.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2

from bot.llm.base import Completed, ErrorKind, ModelError, ModelRequest, StreamEvent, TextDelta, kind_for_status
from bot.llm.messages import Message, ModelResponse, TextPart, ToolCallPart, ToolResultPart, Usage

_CACHE = {"type": "ephemeral"}
_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


class AnthropicModel:
    """One Claude model. The SDK does not retry by default: the fallback chain is the retry, and it is quicker."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 0,
        streaming: bool = True,
    ) -> None:
        self.model = model
        self.streaming = streaming
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=max_retries,
            timeout=httpx2.Timeout(timeout, connect=5.0),
        )

    @property
    def name(self) -> str:
        return f"anthropic:{self.model}"

    async def aclose(self) -> None:
        await self._client.close()

    def _body(self, request: ModelRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_output_tokens,
            "messages": _messages(request.messages),
        }
        if request.system:
            body["system"] = [{"type": "text", "text": request.system, "cache_control": _CACHE}]
        if request.tools:
            tools: list[dict[str, Any]] = [
                {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}
                for tool in request.tools
            ]
            tools[-1]["cache_control"] = _CACHE
            body["tools"] = tools
            body["tool_choice"] = {"type": request.tool_choice}
        return body

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        body = self._body(request)
        started = False
        try:
            if not self.streaming:
                message = await self._client.messages.create(**body)
                yield Completed(self._response(message.model_dump(mode="json")))
                return
            state = _StreamState()
            stream = await self._client.messages.create(**body, stream=True)
            async for event in stream:
                started = True
                delta = state.apply(event.model_dump(mode="json"))
                if delta:
                    yield TextDelta(delta)
            yield Completed(self._response(state.as_message()))
        except anthropic.APIStatusError as error:
            yield_error = _status_error(error, model=self.name, mid_stream=started)
            raise yield_error from error
        except anthropic.APITimeoutError as error:
            raise ModelError(ErrorKind.TIMEOUT, model=self.name) from error
        except (anthropic.APIConnectionError, httpx2.HTTPError) as error:
            kind = ErrorKind.STREAM_INTERRUPTED if started else ErrorKind.CONNECTION
            raise ModelError(kind, model=self.name, detail=type(error).__name__) from error

    def _response(self, wire: dict[str, Any]) -> ModelResponse:
        parts: list[TextPart | ToolCallPart] = []
        for block in wire.get("content", []):
            if block.get("type") == "text" and block.get("text"):
                parts.append(TextPart(text=block["text"]))
            elif block.get("type") == "tool_use":
                raw = block.get("input")
                arguments = raw if isinstance(raw, str) else json.dumps(raw if raw is not None else {})
                parts.append(ToolCallPart(id=block["id"], name=block["name"], arguments=arguments))
        usage = wire.get("usage") or {}
        cached = int(usage.get("cache_read_input_tokens") or 0)
        written = int(usage.get("cache_creation_input_tokens") or 0)
        return ModelResponse(
            message=Message(role="assistant", parts=tuple(parts)),
            usage=Usage(
                # Anthropic's input_tokens excludes cache reads and writes; ours counts all input.
                input_tokens=int(usage.get("input_tokens") or 0) + cached + written,
                output_tokens=int(usage.get("output_tokens") or 0),
                cached_tokens=cached,
                cache_write_tokens=written,
            ),
            model=self.name,
            stop_reason=str(wire.get("stop_reason") or ""),
        )


class _StreamState:
    """Accumulates Messages-API stream events into the message they describe."""

    def __init__(self) -> None:
        self.blocks: dict[int, dict[str, Any]] = {}
        self.json_parts: dict[int, list[str]] = {}
        self.usage: dict[str, int] = {}
        self.stop_reason = ""

    def apply(self, event: dict[str, Any]) -> str:
        kind = event.get("type")
        if kind == "message_start":
            self._merge_usage(event.get("message", {}).get("usage") or {})
        elif kind == "content_block_start":
            self.blocks[event["index"]] = dict(event["content_block"])
            self.json_parts[event["index"]] = []
        elif kind == "content_block_delta":
            delta = event["delta"]
            block = self.blocks.setdefault(event["index"], {"type": "text", "text": ""})
            if delta.get("type") == "text_delta":
                block["text"] = block.get("text", "") + delta["text"]
                return str(delta["text"])
            if delta.get("type") == "input_json_delta":
                self.json_parts.setdefault(event["index"], []).append(delta.get("partial_json", ""))
        elif kind == "message_delta":
            self.stop_reason = event.get("delta", {}).get("stop_reason") or self.stop_reason
            self._merge_usage(event.get("usage") or {})
        return ""

    def _merge_usage(self, usage: dict[str, Any]) -> None:
        for key, value in usage.items():
            if isinstance(value, int):
                self.usage[key] = max(self.usage.get(key, 0), value)

    def as_message(self) -> dict[str, Any]:
        content = []
        for index in sorted(self.blocks):
            block = self.blocks[index]
            if block.get("type") == "tool_use":
                # The arguments stay the raw text the model streamed, even when it is not valid JSON.
                joined = "".join(self.json_parts.get(index, []))
                block = {**block, "input": joined or json.dumps(block.get("input") or {})}
            content.append(block)
        return {"content": content, "usage": self.usage, "stop_reason": self.stop_reason}


def _status_error(error: anthropic.APIStatusError, *, model: str, mid_stream: bool) -> ModelError:
    body = error.body if isinstance(error.body, dict) else {}
    detail = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
    error_type = str(detail.get("type", ""))
    message = str(detail.get("message", ""))
    status = error.status_code
    kind = kind_for_status(status, message, error_type=error_type)
    if mid_stream and kind is ErrorKind.BAD_REQUEST:
        kind = ErrorKind.STREAM_INTERRUPTED
    return ModelError(kind, model=model, status=status, detail=error_type)


def _tool_id(call_id: str) -> str:
    return _ID_UNSAFE.sub("_", call_id)[:64] or "call"


def _messages(messages: Any) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for message in messages:
        content: list[dict[str, Any]] = []
        # Tool results must open a user turn, before any text.
        for part in sorted(message.parts, key=lambda p: not isinstance(p, ToolResultPart)):
            if isinstance(part, TextPart):
                if part.text:
                    content.append({"type": "text", "text": part.text})
            elif isinstance(part, ToolCallPart):
                arguments = part.arguments_object()
                content.append(
                    {
                        "type": "tool_use",
                        "id": _tool_id(part.id),
                        "name": part.name,
                        "input": arguments if arguments is not None else {"invalid_json": part.arguments},
                    }
                )
            else:
                content.append(
                    {
                        "type": "tool_result",
                        "tool_use_id": _tool_id(part.call_id),
                        "content": part.content,
                        "is_error": part.is_error,
                    }
                )
        if content:
            wire.append({"role": message.role, "content": content})
    if wire:
        last = wire[-1]["content"][-1]
        last["cache_control"] = _CACHE
    return wire
