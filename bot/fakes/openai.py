"""A loopback OpenAI-compatible `POST /v1/chat/completions` (JSON and SSE chunks) for tests and benchmarks.

Serves both the `openai:` and `xai:` providers. It checks what the real API checks and the bot could get wrong:
every assistant tool call answered by a `tool` message right after it, strict-mode schemas being strict, and (as
OpenAI's GPT-6 models do) function calling on Chat Completions only with `reasoning_effort: "none"`.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from aiohttp import web

from bot.fakes.llm_script import Fail, FailMidStream, Garbage, LLMFakeServer, Reply, masked, text_chunks

_TYPES = {429: "rate_limit_exceeded", 401: "invalid_api_key", 400: "invalid_request_error"}


def _error(status: int, message: str) -> dict[str, Any]:
    kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def _strict_problem(node: Any, path: str) -> str | None:
    if not isinstance(node, dict):
        return None
    if node.get("type") == "object" or "properties" in node:
        properties = node.get("properties", {})
        if node.get("additionalProperties") is not False:
            return f"Invalid schema for function: In context={path}, 'additionalProperties' is required to be supplied and to be false."
        if set(node.get("required", [])) != set(properties):
            return f"Invalid schema for function: In context={path}, 'required' is required to be supplied and to be an array including every key in properties."
        for name, child in properties.items():
            if problem := _strict_problem(child, f"{path}.properties.{name}"):
                return problem
    if "items" in node:
        return _strict_problem(node["items"], f"{path}.items")
    for option in node.get("anyOf", []):
        if problem := _strict_problem(option, f"{path}.anyOf"):
            return problem
    return None


def check_request(body: dict[str, Any]) -> str | None:
    """The validation errors the real API would answer 400 for, or None."""
    messages = body.get("messages") or []
    for index, message in enumerate(messages):
        if message.get("role") != "assistant" or not message.get("tool_calls"):
            continue
        expected = {call["id"] for call in message["tool_calls"]}
        answered = set()
        for following in messages[index + 1 :]:
            if following.get("role") != "tool":
                break
            answered.add(following.get("tool_call_id"))
        if answered != expected:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {sorted(expected - answered)}"
            )
    model = str(body.get("model") or "")
    if body.get("tools") and model.startswith("gpt-6") and body.get("reasoning_effort") != "none":
        return (
            f"Function calling with {model} on Chat Completions requires reasoning_effort 'none'. "
            "Use the Responses API for function calling with reasoning."
        )
    for tool in body.get("tools") or []:
        function = tool.get("function") or {}
        if function.get("strict") and (problem := _strict_problem(function.get("parameters"), "()")):
            return problem
    return None


class FakeOpenAI(LLMFakeServer):
    """OpenAI's Chat Completions; `xai=True` answers a bad key the way xAI's compatible endpoint does (a 400)."""

    listed_models = ("gpt-6-luna", "gpt-6-sol")

    def __init__(self, *, delay: float = 0.0, record: bool = True, api_key: str | None = None, xai: bool = False):
        super().__init__(delay=delay, record=record, api_key=api_key)
        self.xai = xai

    @property
    def url(self) -> str:
        return f"{super().url}/v1"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)

    def presented_key(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return header[7:].strip() if header.lower().startswith("bearer ") else None

    def key_refused(self, presented: str | None) -> web.Response:
        if self.xai:
            return web.json_response(
                {
                    "code": "Client specified an invalid argument",
                    "error": f"Incorrect API key provided: {masked(presented)}. You can obtain an API key from "
                    "https://console.x.ai.",
                },
                status=400,
            )
        message = (
            f"Incorrect API key provided: {masked(presented)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys."
        )
        body = {
            "error": {"message": message, "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}
        }
        return web.json_response(body, status=401)

    async def _models(self, request: web.Request) -> web.Response:
        data = [
            {"id": name, "object": "model", "created": 1767225600, "owned_by": "system"} for name in self.listed_models
        ]
        return web.json_response({"object": "list", "data": data})

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        """`POST /v1/chat/completions`: check the request, then answer as scripted, whole or streamed."""
        body = await request.json()
        recorded = self.remember(
            request,
            body,
            streaming=bool(body.get("stream")),
            tool_results=[m.get("content", "") for m in _trailing_tool_messages(body)],
        )
        recorded.rejected = check_request(body)
        if recorded.rejected:
            return web.json_response(_error(400, recorded.rejected), status=400)
        script = await self.next_script(recorded)
        if isinstance(script, Fail):
            return web.json_response(_error(script.status, script.message), status=script.status)
        if isinstance(script, Garbage):
            return await self.garbage(request, script, streaming=recorded.streaming)
        model = body.get("model", "model")
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:20]}"
        if not recorded.streaming:
            if isinstance(script, FailMidStream):
                return web.json_response(_error(503, "Service unavailable"), status=503)
            return web.json_response(_completion(script, model, completion_id))
        return await self._stream(request, script, body=body, model=model, completion_id=completion_id)

    async def _stream(
        self,
        request: web.Request,
        script: Reply | FailMidStream,
        *,
        body: dict[str, Any],
        model: str,
        completion_id: str,
    ) -> web.StreamResponse:
        """The reply as OpenAI streams it: chunks of deltas (role, reasoning, text, tool calls), the finish reason,
        the usage when asked for, `[DONE]`; or failing mid-text as scripted."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        reply = script if isinstance(script, Reply) else Reply(text=script.text)

        async def send(delta: dict[str, Any], finish: str | None = None) -> None:
            chunk = _chunk(completion_id, model, [{"index": 0, "delta": delta, "finish_reason": finish}])
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

        await send({"role": "assistant", "content": ""})
        for thought in reply.thinking:
            await send({"reasoning_content": thought})
        for piece in text_chunks(reply.text) if reply.text else []:
            await send({"content": piece})
        if isinstance(script, FailMidStream):
            return await self._fail(request, response, script)
        for index, call in enumerate(reply.tool_calls):
            call_id = call.id or _call_id()
            first = {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            await send({"tool_calls": [first]})
            for piece in text_chunks(call.arguments_text(), 16):
                await send({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        await send({}, "tool_calls" if reply.tool_calls else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            usage_chunk = _chunk(completion_id, model, []) | {"usage": _usage(reply)}
            await response.write(f"data: {json.dumps(usage_chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _fail(
        self, request: web.Request, response: web.StreamResponse, script: FailMidStream
    ) -> web.StreamResponse:
        """Break off mid-answer: drop the connection, end the body early, or send an error as a data line."""
        if script.how == "disconnect":
            return await self.drop_connection(request, response)
        if script.how == "eof":
            await response.write_eof()
            return response
        await response.write(f"data: {json.dumps(_error(500, 'The server had an error'))}\n\n".encode())
        await response.write_eof()
        return response


def _call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def _usage(reply: Reply) -> dict[str, Any]:
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
    }


def _chunk(completion_id: str, model: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
    }


def _completion(reply: Reply, model: str, completion_id: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.thinking:
        # As DeepSeek-style and other reasoning servers return it, beside the answer rather than in it.
        message["reasoning_content"] = "\n".join(reply.thinking)
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or _call_id(),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_text()},
            }
            for call in reply.tool_calls
        ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if reply.tool_calls else "stop"}],
        "usage": _usage(reply),
    }


def _trailing_tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    trailing: list[dict[str, Any]] = []
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "tool":
            break
        trailing.insert(0, message)
    return trailing
