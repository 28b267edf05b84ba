"""A loopback Anthropic Messages API (`POST /v1/messages`, JSON and SSE streaming) for tests and benchmarks.

It checks what the real API checks and the bot could get wrong (every tool_use answered by a tool_result in the
next user turn, object input schemas, and the settings Claude Sonnet 5.5 / Haiku 5.5 answer 400 for: forced tool
choice, sampling parameters, `thinking` disabled or with a budget, an assistant prefill) and answers scripted
replies in the real event sequence, thinking blocks included. Like those models it binds each thinking block it
issues to its model and to the conversation before it: a tool-loop request whose last tool_use turn lacks that
turn's thinking blocks, a block that was altered, or a block whose conversation prefix changed is refused with the
real 400. A block sent to another model is dropped without an error, as the real API does, and counted in
`RecordedRequest.dropped_thinking`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.fakes.llm_script import Fail, FailMidStream, Garbage, LLMFakeServer, RecordedRequest, Reply, text_chunks
from bot.fakes.prompt_cache import PromptCache

_ERROR_TYPES = {
    429: "rate_limit_error",
    529: "overloaded_error",
    401: "authentication_error",
    400: "invalid_request_error",
}
_THINKING_TYPES = ("thinking", "redacted_thinking")
_SAMPLING = ("temperature", "top_p", "top_k")


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _error_body(status: int, message: str) -> dict[str, Any]:
    error_type = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": f"req_{uuid.uuid4().hex[:24]}",
    }


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return [block for block in content if isinstance(block, dict)] if isinstance(content, list) else []


def check_request(body: dict[str, Any]) -> str | None:
    """The validation errors the real API would answer 400 for without looking at thinking signatures, or None."""
    messages = body.get("messages") or []
    for index, message in enumerate(messages):
        calls = [block["id"] for block in _blocks(message) if block.get("type") == "tool_use"]
        if message.get("role") == "assistant" and calls:
            following = messages[index + 1] if index + 1 < len(messages) else None
            results = [
                block.get("tool_use_id") for block in _blocks(following or {}) if block.get("type") == "tool_result"
            ]
            if following is None or set(results) != set(calls):
                return f"messages.{index + 1}: `tool_use` ids were found without `tool_result` blocks immediately after"
    for tool in body.get("tools") or []:
        if (tool.get("input_schema") or {}).get("type") != "object":
            return f"tools.{tool.get('name')}.input_schema.type: Input should be 'object'"
    if messages and messages[-1].get("role") == "assistant":
        return "messages: assistant message prefill is not supported with this model; end with a user turn."
    choice = (body.get("tool_choice") or {}).get("type")
    if choice in ("any", "tool"):
        return (
            f"tool_choice: `{choice}` is not supported with this model. Use `auto` or `none`, and steer tool use "
            "with the prompt."
        )
    for name in _SAMPLING:
        if name in body:
            return f"{name}: sampling parameters are not supported with this model; omit temperature, top_p and top_k."
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "disabled":
        return 'thinking.type: "disabled" is not supported with this model. Use "between_tools" to turn off up-front thinking.'
    if thinking.get("type") == "enabled" or "budget_tokens" in thinking:
        return 'thinking.type: "enabled" with budget_tokens is not supported with this model. Use "adaptive".'
    return None


def _unmarked(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _unmarked(item) for key, item in value.items() if key != "cache_control"}
    return [_unmarked(item) for item in value] if isinstance(value, list) else value


class PrefixHashes:
    """What a thinking block is bound to: SHA-256 of `[system, tools, messages before it]` as sorted JSON, cache marks
    aside. Its start (~25 KB, the same on every request of a benchmark) is hashed once and kept while requests send
    equal ones: comparing them costs far less than stripping and encoding them again (`lookout bench agent`)."""

    _head: tuple[Any, Any] | None = None
    _started: Any = None  # SHA-256 fed with `[system, tools, `

    def __call__(self, body: dict[str, Any], messages: list[dict[str, Any]]) -> str:
        head = (body.get("system"), body.get("tools"))
        if self._head is None or head != self._head:
            text = json.dumps(_unmarked(list(head)), sort_keys=True)  # `[system, tools]`
            self._head, self._started = head, hashlib.sha256(f"{text[:-1]}, ".encode())
        digest = self._started.copy()
        digest.update(f"{json.dumps(_unmarked(messages), sort_keys=True)}]".encode())
        return str(digest.hexdigest())


@dataclass(frozen=True)
class Refusal(Reply):
    """A reply Claude's safety classifiers stopped: `text` (often "") streams, then `stop_reason: "refusal"`."""


def _stop_reason(reply: Reply) -> str:
    if isinstance(reply, Refusal):
        return "refusal"
    return "tool_use" if reply.tool_calls else "end_turn"


@dataclass(frozen=True)
class IssuedThinking:
    model: str
    block: dict[str, Any]  # exactly as sent
    prefix: str


class FakeAnthropic(LLMFakeServer):
    """With a `prompt_cache`, usage reports what Anthropic's prompt cache would have read and written for each
    request (from its `cache_control` breakpoints); without one, the scripted reply's token counts."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        record: bool = True,
        api_key: str | None = None,
        prompt_cache: PromptCache | None = None,
    ) -> None:
        super().__init__(delay=delay, record=record, api_key=api_key)
        self.prompt_cache = prompt_cache
        self.issued_thinking: dict[str, IssuedThinking] = {}  # signature (or redacted data) → block
        self.thinking_by_call: dict[str, list[str]] = {}  # tool_use id → the thinking keys of its response
        self._prefix_hash = PrefixHashes()

    listed_models = ("claude-haiku-5-5", "claude-sonnet-5-5")

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_get("/v1/models", self._models)

    def presented_key(self, request: web.Request) -> str | None:
        # `x-api-key`, or a bearer token (the SDK sends its key that way since 2.x).
        header = request.headers.get("Authorization", "")
        bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
        return request.headers.get("x-api-key") or bearer

    def key_refused(self, presented: str | None) -> web.Response:
        return web.json_response(_error_body(401, "invalid x-api-key"), status=401)

    async def _models(self, request: web.Request) -> web.Response:
        """`GET /v1/models`: one page of model objects, newest first, with the cursor fields."""
        limit = int(request.query.get("limit", "20"))
        data = [
            {"type": "model", "id": name, "display_name": name, "created_at": "2026-09-01T00:00:00Z"}
            for name in self.listed_models[:limit]
        ]
        return web.json_response(
            {
                "data": data,
                "has_more": len(self.listed_models) > limit,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
            }
        )

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        recorded = self.remember(request, body, streaming=bool(body.get("stream")), tool_results=_tool_results(body))
        recorded.rejected = check_request(body) or self._check_thinking(body, recorded)
        if recorded.rejected:
            return web.json_response(_error_body(400, recorded.rejected), status=400)
        script = await self.next_script(recorded)
        if isinstance(script, Fail):
            return web.json_response(_error_body(script.status, script.message), status=script.status)
        if isinstance(script, Garbage):
            return await self.garbage(request, script, streaming=recorded.streaming)
        model = body.get("model", "claude")
        if not recorded.streaming:
            if isinstance(script, FailMidStream):
                return web.json_response(_error_body(529, "Overloaded"), status=529)
            return web.json_response(self._message(script, model, body))
        return await self._stream(request, script, model, body)

    def _check_thinking(self, body: dict[str, Any], recorded: RecordedRequest) -> str | None:
        """Preserved thinking: each block must be one this server issued, unaltered, after an unchanged prefix."""
        model = body.get("model", "claude")
        messages = body.get("messages") or []
        for index, message in enumerate(messages):
            for position, block in enumerate(_blocks(message)):
                if block.get("type") not in _THINKING_TYPES:
                    continue
                key = str(block.get("signature") or block.get("data") or "")
                issued = self.issued_thinking.get(key)
                where = f"messages.{index}.content.{position}"
                if issued is None or issued.block != {k: v for k, v in block.items() if k != "cache_control"}:
                    return f"{where}: Invalid `signature` in `{block.get('type')}` block."
                if issued.model != model:
                    recorded.dropped_thinking += 1
                    continue
                if issued.prefix != self._prefix_hash(body, messages[:index]):
                    return (
                        f"{where}: Invalid `signature` in `thinking` block. The block is bound to a different "
                        'conversation. Remove the block, or set `thinking.block_binding.prefix_mismatch_behavior` to "drop_block".'
                    )
        # The tool loop in progress: a final assistant turn with tool_use must carry that response's thinking blocks.
        for index in range(len(messages) - 1, -1, -1):
            if messages[index].get("role") != "assistant":
                continue
            blocks = _blocks(messages[index])
            calls = [block["id"] for block in blocks if block.get("type") == "tool_use"]
            expected = next((self.thinking_by_call[call] for call in calls if call in self.thinking_by_call), [])
            expected = [key for key in expected if self.issued_thinking[key].model == model]
            sent = [str(b.get("signature") or b.get("data") or "") for b in blocks if b.get("type") in _THINKING_TYPES]
            leading = blocks[0].get("type") if blocks else None
            if expected and (sent != expected or leading not in _THINKING_TYPES):
                return (
                    f"messages.{index}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                    f"`{leading}`. When `thinking` is enabled, a final `assistant` message must start with a thinking "
                    "block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you "
                    "include thinking blocks from previous turns."
                )
            break
        return None

    def _issue(self, reply: Reply, model: str, body: dict[str, Any], calls: list[str]) -> list[dict[str, Any]]:
        """The thinking blocks of this reply, remembered with what they are bound to."""
        prefix = self._prefix_hash(body, body.get("messages") or [])
        blocks: list[dict[str, Any]] = []
        for text in reply.thinking:
            digest = hashlib.sha256(f"{model}|{text}|{uuid.uuid4()}".encode()).digest()
            blocks.append({"type": "thinking", "thinking": text, "signature": base64.b64encode(digest * 4).decode()})
        if reply.redacted_thinking:
            blocks.append({"type": "redacted_thinking", "data": base64.b64encode(uuid.uuid4().bytes * 8).decode()})
        keys = [str(block.get("signature") or block.get("data")) for block in blocks]
        for key, block in zip(keys, blocks, strict=True):
            self.issued_thinking[key] = IssuedThinking(model=model, block=block, prefix=prefix)
        for call in calls if keys else ():  # nothing kept without thinking, so benchmarks stay flat in memory
            self.thinking_by_call[call] = keys
        return blocks

    def _usage(self, reply: Reply, body: dict[str, Any]) -> dict[str, int]:
        if self.prompt_cache is None:
            return _scripted_usage(reply)
        cached = self.prompt_cache.usage(body)
        return {
            "input_tokens": cached.fresh,
            "output_tokens": reply.output_tokens,
            "cache_creation_input_tokens": cached.written,
            "cache_read_input_tokens": cached.read,
        }

    def _message(self, reply: Reply, model: str, body: dict[str, Any]) -> dict[str, Any]:
        calls: list[dict[str, Any]] = [
            {"type": "tool_use", "id": call.id or _tool_id(), "name": call.name, "input": call.arguments_object()}
            for call in reply.tool_calls
        ]
        content = self._issue(reply, model, body, [str(call["id"]) for call in calls])
        if reply.text:
            content.append({"type": "text", "text": reply.text})
        return _envelope(reply, model, content + calls, usage=self._usage(reply, body))

    async def _stream(
        self, request: web.Request, script: Reply | FailMidStream, model: str, body: dict[str, Any]
    ) -> web.StreamResponse:
        """The reply as Anthropic streams it: message_start, a content block per thinking, text and tool call (each
        start, deltas, stop), message_delta with the stop reason, message_stop; or failing mid-text as scripted."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        reply = script if isinstance(script, Reply) else Reply(text=script.text)
        start = _envelope(reply, model, [], usage=self._usage(reply, body)) | {"stop_reason": None}
        start["usage"] = {**start["usage"], "output_tokens": 1}
        await response.write(_sse("message_start", {"type": "message_start", "message": start}))
        await response.write(_sse("ping", {"type": "ping"}))
        blocks = _ContentBlocks(response)
        calls = [(call, call.id or _tool_id()) for call in reply.tool_calls]
        for block in self._issue(reply, model, body, [call_id for _, call_id in calls]):
            await blocks.thinking(block)
        if reply.text:
            await blocks.open({"type": "text", "text": ""})
            for piece in text_chunks(reply.text):
                await blocks.delta({"type": "text_delta", "text": piece})
            if isinstance(script, FailMidStream):
                return await self._fail(request, response, script)
            await blocks.close()
        for call, call_id in calls:
            await blocks.open({"type": "tool_use", "id": call_id, "name": call.name, "input": {}})
            for piece in text_chunks(call.arguments_text(), 20):
                await blocks.delta({"type": "input_json_delta", "partial_json": piece})
            await blocks.close()
        await response.write(
            _sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": _stop_reason(reply), "stop_sequence": None},
                    "usage": {"output_tokens": reply.output_tokens},
                },
            )
        )
        await response.write(_sse("message_stop", {"type": "message_stop"}))
        await response.write_eof()
        return response

    async def _fail(
        self, request: web.Request, response: web.StreamResponse, script: FailMidStream
    ) -> web.StreamResponse:
        """Break off mid-answer: drop the connection, end the body early, or send Anthropic's `error` event."""
        if script.how == "disconnect":
            return await self.drop_connection(request, response)
        if script.how == "eof":
            await response.write_eof()
            return response
        error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
        await response.write(_sse("error", error))
        await response.write_eof()
        return response


class _ContentBlocks:
    """Writes a streamed message's content blocks, numbering them as Anthropic does."""

    def __init__(self, response: web.StreamResponse) -> None:
        self._response = response
        self._index = 0

    async def open(self, block: dict[str, Any]) -> None:
        event = {"type": "content_block_start", "index": self._index, "content_block": block}
        await self._response.write(_sse("content_block_start", event))

    async def delta(self, payload: dict[str, Any]) -> None:
        event = {"type": "content_block_delta", "index": self._index, "delta": payload}
        await self._response.write(_sse("content_block_delta", event))

    async def close(self) -> None:
        await self._response.write(_sse("content_block_stop", {"type": "content_block_stop", "index": self._index}))
        self._index += 1

    async def thinking(self, block: dict[str, Any]) -> None:
        """A thinking block (its text, then its signature) or a redacted one (whole, in its start event)."""
        if block["type"] == "redacted_thinking":
            await self.open(block)
        else:
            await self.open({"type": "thinking", "thinking": "", "signature": ""})
            for piece in text_chunks(block["thinking"]) if block["thinking"] else []:
                await self.delta({"type": "thinking_delta", "thinking": piece})
            await self.delta({"type": "signature_delta", "signature": block["signature"]})
        await self.close()


def _scripted_usage(reply: Reply) -> dict[str, int]:
    # Anthropic's input_tokens leaves out what was read from or written to the cache.
    return {
        "input_tokens": reply.input_tokens - reply.cached_tokens,
        "output_tokens": reply.output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": reply.cached_tokens,
    }


def _tool_id() -> str:
    return f"toolu_{uuid.uuid4().hex[:24]}"


def _envelope(reply: Reply, model: str, content: list[dict[str, Any]], *, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _stop_reason(reply),
        "stop_sequence": None,
        "usage": usage,
    }


def _tool_results(body: dict[str, Any]) -> list[str]:
    messages = body.get("messages") or []
    if not messages:
        return []
    results = []
    for block in _blocks(messages[-1]):
        if block.get("type") == "tool_result":
            content = block.get("content")
            results.append(content if isinstance(content, str) else json.dumps(content))
    return results
