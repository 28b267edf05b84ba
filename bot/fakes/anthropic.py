"""A loopback Anthropic Messages API (`POST /v1/messages`, JSON and SSE streaming) for tests and benchmarks.

It checks what the real API checks and the bot could get wrong (every tool_use answered by a tool_result in the
next user turn, object input schemas) and answers scripted replies in the real event sequence.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from bot.fakes.llm_script import Fail, FailMidStream, LLMFakeServer, RecordedRequest, Reply, text_chunks

_ERROR_TYPES = {
    429: "rate_limit_error",
    529: "overloaded_error",
    401: "authentication_error",
    400: "invalid_request_error",
}


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _error_body(status: int, message: str) -> dict[str, Any]:
    error_type = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": error_type, "message": message}}


def check_request(body: dict[str, Any]) -> str | None:
    """The validation errors the real API would answer 400 for, or None."""
    messages = body.get("messages") or []
    for index, message in enumerate(messages):
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        calls = [block["id"] for block in blocks if block.get("type") == "tool_use"]
        if message.get("role") == "assistant" and calls:
            following = messages[index + 1] if index + 1 < len(messages) else None
            results = [
                block.get("tool_use_id")
                for block in (following or {}).get("content", [])
                if isinstance(block, dict) and block.get("type") == "tool_result"
            ]
            if following is None or set(results) != set(calls):
                return f"messages.{index + 1}: `tool_use` ids were found without `tool_result` blocks immediately after"
    for tool in body.get("tools") or []:
        if (tool.get("input_schema") or {}).get("type") != "object":
            return f"tools.{tool.get('name')}.input_schema.type: Input should be 'object'"
    return None


class FakeAnthropic(LLMFakeServer):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self._messages)

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        recorded = RecordedRequest(
            path=request.path,
            body=body,
            streaming=bool(body.get("stream")),
            headers=dict(request.headers),
            tool_results=_tool_results(body),
        )
        self.remember(recorded)
        recorded.rejected = check_request(body)
        if recorded.rejected:
            return web.json_response(_error_body(400, recorded.rejected), status=400)
        script = await self.next_script(recorded)
        if isinstance(script, Fail):
            return web.json_response(_error_body(script.status, script.message), status=script.status)
        model = body.get("model", "claude")
        if not recorded.streaming:
            if isinstance(script, FailMidStream):
                return web.json_response(_error_body(529, "Overloaded"), status=529)
            return web.json_response(_message(script, model))
        return await self._stream(request, script, model)

    async def _stream(self, request: web.Request, script: Reply | FailMidStream, model: str) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        reply = script if isinstance(script, Reply) else Reply(text=script.text)
        start = _message(reply, model) | {"content": [], "stop_reason": None}
        start["usage"] = {**start["usage"], "output_tokens": 1}
        await response.write(_sse("message_start", {"type": "message_start", "message": start}))
        await response.write(_sse("ping", {"type": "ping"}))
        index = 0
        if reply.text:
            await response.write(
                _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                )
            )
            for piece in text_chunks(reply.text):
                delta = {"type": "text_delta", "text": piece}
                await response.write(
                    _sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
                )
            if isinstance(script, FailMidStream):
                if script.how == "disconnect":
                    return await self.drop_connection(request, response)
                error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                await response.write(_sse("error", error))
                await response.write_eof()
                return response
            await response.write(_sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
            index = 1
        for call in reply.tool_calls:
            block = {"type": "tool_use", "id": call.id or _tool_id(), "name": call.name, "input": {}}
            await response.write(
                _sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": block})
            )
            for piece in text_chunks(call.arguments_text(), 20):
                delta = {"type": "input_json_delta", "partial_json": piece}
                await response.write(
                    _sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
                )
            await response.write(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))
            index += 1
        stop_reason = "tool_use" if reply.tool_calls else "end_turn"
        await response.write(
            _sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": reply.output_tokens},
                },
            )
        )
        await response.write(_sse("message_stop", {"type": "message_stop"}))
        await response.write_eof()
        return response


def _tool_id() -> str:
    return f"toolu_{uuid.uuid4().hex[:24]}"


def _message(reply: Reply, model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if reply.text:
        content.append({"type": "text", "text": reply.text})
    for call in reply.tool_calls:
        content.append(
            {"type": "tool_use", "id": call.id or _tool_id(), "name": call.name, "input": call.arguments_object()}
        )
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": reply.input_tokens - reply.cached_tokens,
            "output_tokens": reply.output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": reply.cached_tokens,
        },
    }


def _tool_results(body: dict[str, Any]) -> list[str]:
    messages = body.get("messages") or []
    if not messages or not isinstance(messages[-1].get("content"), list):
        return []
    results = []
    for block in messages[-1]["content"]:
        if block.get("type") == "tool_result":
            content = block.get("content")
            results.append(content if isinstance(content, str) else json.dumps(content))
    return results
