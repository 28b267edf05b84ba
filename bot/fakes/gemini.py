"""A loopback Gemini API (`generateContent`, `streamGenerateContent?alt=sse`) for tests and benchmarks.

Like Gemini 3 it attaches a thought signature to each function call and rejects a replayed call without one; it
also rejects schema keywords outside Gemini's subset and function responses that do not match the calls.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from aiohttp import web

from bot.fakes.llm_script import Fail, FailMidStream, Garbage, LLMFakeServer, Reply, text_chunks

_STATUS = {
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
    500: "INTERNAL",
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
}
_SCHEMA_KEYS = {
    "type", "format", "description", "nullable", "enum", "items", "properties", "required", "anyOf", "minItems",
    "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern", "title", "propertyOrdering", "example",
    "default", "minProperties", "maxProperties",
}  # fmt: skip
SKIP_SIGNATURE = "skip_thought_signature_validator"


def _error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN")}}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _schema_problem(node: Any, path: str) -> str | None:
    if not isinstance(node, dict):
        return None
    for key, value in node.items():
        # Proto JSON accepts both the lowerCamelCase and the original snake_case field names.
        if _camel(key) not in _SCHEMA_KEYS:
            return f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}': Cannot find field."
        if key == "properties":
            for name, child in value.items():
                if problem := _schema_problem(child, f"{path}.properties[{name}].value"):
                    return problem
        elif key == "items" and (problem := _schema_problem(value, f"{path}.items")):
            return problem
        elif _camel(key) == "anyOf":
            for option in value:
                if problem := _schema_problem(option, f"{path}.any_of"):
                    return problem
    return None


def check_request(body: dict[str, Any], issued: set[str]) -> str | None:
    """The validation errors the real API would answer 400 for, or None."""
    for tool in body.get("tools") or []:
        for declaration in tool.get("functionDeclarations") or []:
            path = f"tools[0].function_declarations[{declaration.get('name')}].parameters"
            if problem := _schema_problem(declaration.get("parameters"), path):
                return problem
    contents = body.get("contents") or []
    for index, content in enumerate(contents):
        calls = [part["functionCall"] for part in content.get("parts", []) if "functionCall" in part]
        if content.get("role") == "model" and calls:
            for position, part in enumerate(p for p in content["parts"] if "functionCall" in p):
                signature = part.get("thoughtSignature")
                if position == 0 and signature != SKIP_SIGNATURE and signature not in issued:
                    return (
                        f"Function call `{part['functionCall'].get('name')}` in the {index}. content block is "
                        "missing a `thought_signature`."
                    )
            following = contents[index + 1] if index + 1 < len(contents) else {}
            responses = [part for part in following.get("parts", []) if "functionResponse" in part]
            if len(responses) != len(calls):
                return (
                    "Please ensure that the number of function response parts is equal to the number of "
                    "function call parts of the function call turn."
                )
    return None


class FakeGemini(LLMFakeServer):
    def __init__(self, *, delay: float = 0.0, record: bool = True, api_key: str | None = None) -> None:
        super().__init__(delay=delay, record=record, api_key=api_key)
        self.issued_signatures: set[str] = set()
        # As Gemini may when streaming: the turn's signature comes alone in a last chunk, on an empty text part.
        self.late_signatures = False

    listed_models = ("gemini-3.5-flash-lite", "gemini-3.8-flash")

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{version}/models/{model_action}", self._generate)
        app.router.add_get("/{version}/models", self._models)

    def presented_key(self, request: web.Request) -> str | None:
        return request.headers.get("x-goog-api-key") or request.query.get("key")

    def key_refused(self, presented: str | None) -> web.Response:
        # What Gemini answers a key it does not know: 400, not 401.
        message = "API key not valid. Please pass a valid API key."
        body = _error(400, message)
        body["error"]["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": message},
        ]
        return web.json_response(body, status=400)

    async def _models(self, request: web.Request) -> web.Response:
        """`GET /v1beta/models`: one page of model resources (`pageSize`, `nextPageToken`)."""
        size = int(request.query.get("pageSize", "50"))
        start = int(request.query.get("pageToken", "0") or 0)
        page = self.listed_models[start : start + size]
        body: dict[str, Any] = {
            "models": [
                {
                    "name": f"models/{name}",
                    "displayName": name,
                    "supportedGenerationMethods": ["generateContent", "countTokens"],
                }
                for name in page
            ]
        }
        if start + size < len(self.listed_models):
            body["nextPageToken"] = str(start + size)
        return web.json_response(body)

    async def _generate(self, request: web.Request) -> web.StreamResponse:
        model, _, action = request.match_info["model_action"].partition(":")
        streaming = action == "streamGenerateContent"
        body = await request.json()
        recorded = self.remember(
            request, body, streaming=streaming, tool_results=_tool_results(body), path=request.path_qs
        )
        if action not in ("generateContent", "streamGenerateContent"):
            recorded.rejected = f"unknown action {action}"
            return web.json_response(_error(404, recorded.rejected), status=404)
        if streaming and request.query.get("alt") != "sse":
            recorded.rejected = "streaming without alt=sse"
            return web.json_response(_error(400, recorded.rejected), status=400)
        recorded.rejected = check_request(body, self.issued_signatures)
        if recorded.rejected:
            return web.json_response(_error(400, recorded.rejected), status=400)
        script = await self.next_script(recorded)
        if isinstance(script, Fail):
            message = "The model is overloaded. Please try again later." if script.status == 503 else script.message
            return web.json_response(_error(script.status, message), status=script.status)
        if isinstance(script, Garbage):
            return await self.garbage(request, script, streaming=streaming)
        if not streaming:
            if isinstance(script, FailMidStream):
                return web.json_response(_error(503, "The model is overloaded."), status=503)
            return web.json_response(self._chunk(script, model, parts=self._parts(script), final=True))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        reply = script if isinstance(script, Reply) else Reply(text=script.text)
        for thought in reply.thinking:
            chunk = self._chunk(reply, model, parts=[{"text": thought, "thought": True}], final=False)
            await response.write(f"data: {json.dumps(chunk)}\r\n\r\n".encode())
        pieces = text_chunks(reply.text, 16) if reply.text else []
        for piece in pieces:
            chunk = self._chunk(reply, model, parts=[{"text": piece}], final=False)
            await response.write(f"data: {json.dumps(chunk)}\r\n\r\n".encode())
        if isinstance(script, FailMidStream):
            if script.how == "disconnect":
                return await self.drop_connection(request, response)
            if script.how == "eof":
                await response.write_eof()
                return response
            await response.write(f"data: {json.dumps(_error(503, 'The model is overloaded.'))}\r\n\r\n".encode())
            await response.write_eof()
            return response
        calls = [part for part in self._parts(reply) if "functionCall" in part]  # thoughts and text went already
        if self.late_signatures and calls:
            signature = calls[0].pop("thoughtSignature")
            chunk = self._chunk(reply, model, parts=calls, final=False)
            await response.write(f"data: {json.dumps(chunk)}\r\n\r\n".encode())
            calls = [{"text": "", "thoughtSignature": signature}]
        final = self._chunk(reply, model, parts=calls, final=True)
        await response.write(f"data: {json.dumps(final)}\r\n\r\n".encode())
        await response.write_eof()
        return response

    def _parts(self, reply: Reply) -> list[dict[str, Any]]:
        # Thought summaries (as with includeThoughts) come first, marked `thought`; they are not the answer.
        parts: list[dict[str, Any]] = [{"text": thought, "thought": True} for thought in reply.thinking]
        parts += [{"text": reply.text}] if reply.text else []
        for position, call in enumerate(reply.tool_calls):
            part: dict[str, Any] = {
                "functionCall": {"name": call.name, "args": call.arguments_object(), "id": call.id or _call_id()}
            }
            if position == 0:
                signature = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode()
                self.issued_signatures.add(signature)
                part["thoughtSignature"] = signature
            parts.append(part)
        return parts

    @staticmethod
    def _chunk(reply: Reply, model: str, *, parts: list[dict[str, Any]], final: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if final:
            candidate["finishReason"] = "STOP"
        return {
            "candidates": [candidate],
            "usageMetadata": {
                "promptTokenCount": reply.input_tokens,
                "candidatesTokenCount": reply.output_tokens,
                "totalTokenCount": reply.input_tokens + reply.output_tokens,
                **({"cachedContentTokenCount": reply.cached_tokens} if reply.cached_tokens else {}),
            },
            "modelVersion": model,
            "responseId": uuid.uuid4().hex[:20],
        }


def _call_id() -> str:
    return f"fc_{uuid.uuid4().hex[:12]}"


def _tool_results(body: dict[str, Any]) -> list[str]:
    contents = body.get("contents") or []
    if not contents:
        return []
    return [
        json.dumps(part["functionResponse"].get("response"))
        for part in contents[-1].get("parts", [])
        if "functionResponse" in part
    ]
