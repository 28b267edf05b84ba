"""What the fake model servers answer: a per-test queue of scripted replies, shared by the three providers.

A script item is provider-neutral (text, tool calls, an HTTP failure, a failure in the middle of a stream); each
fake renders it in its own wire format. `LLMFakeServer` is the loopback aiohttp server the fakes build on.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

from tools.fakes.loopback import LoopbackServer


@dataclass(frozen=True)
class ScriptedToolCall:
    name: str
    # A dict is sent as JSON; a string is sent verbatim (so it can be malformed on providers that allow that).
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)

    def arguments_object(self) -> dict[str, Any]:
        if isinstance(self.arguments, dict):
            return self.arguments
        try:
            value = json.loads(self.arguments)
        except json.JSONDecodeError:
            return {"unparseable": self.arguments}
        return value if isinstance(value, dict) else {"value": value}


@dataclass(frozen=True)
class Reply:
    text: str = ""
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    # Reasoning sent before the answer, in each provider's own form (Claude thinking blocks, Gemini thought parts,
    # `reasoning_content` on OpenAI-compatible servers); "" is a block whose text the provider omitted.
    thinking: tuple[str, ...] = ()
    redacted_thinking: bool = False  # Claude only: one `redacted_thinking` block after the thinking
    input_tokens: int = 100
    output_tokens: int = 20
    cached_tokens: int = 0


@dataclass(frozen=True)
class Fail:
    """An HTTP error before any output: 429 (rate limited), 500, 503, 529 (overloaded)…"""

    status: int
    message: str = "scripted failure"


@dataclass(frozen=True)
class FailMidStream:
    """Stream `text`, then break: with the provider's in-stream error event, by dropping the connection, or by
    ending the stream cleanly without its closing events ("eof", as a proxy that times out a response does)."""

    text: str = "Partial answer"
    how: Literal["error_event", "disconnect", "eof"] = "error_event"


@dataclass(frozen=True)
class Garbage:
    """A 200 that is not what the API sends: "json" is a malformed JSON body (even to a streaming request, as a
    misbehaving proxy does); "events" is an event stream whose event carries malformed JSON."""

    how: Literal["json", "events"] = "json"


Script = Reply | Fail | FailMidStream | Garbage

# Cut mid-object, the way a truncated body or a corrupted event looks on the wire.
_BROKEN_JSON = '{"id": "resp_01", "type": "message", "content": [{"type": "text", "text": "Sessions were 4,2'


@dataclass
class RecordedRequest:
    path: str
    body: dict[str, Any]
    streaming: bool
    headers: dict[str, str]
    rejected: str | None = None  # why the fake refused the request as the real API would, if it did
    tool_results: list[str] = field(default_factory=list)  # the tool results this request carried, as text
    dropped_thinking: int = 0  # thinking blocks of another model the fake ignored, as the real API does


Responder = Callable[[RecordedRequest], Script]


def masked(key: str | None) -> str:
    """A key as providers quote it back in their errors: its first and last two characters."""
    return f"{(key or '')[:2]}***{(key or '')[-2:]}"


def text_chunks(text: str, size: int = 12) -> list[str]:
    return [text[index : index + size] for index in range(0, len(text), size)] or [""]


class LLMFakeServer(LoopbackServer):
    """A loopback aiohttp server; subclasses add the provider's routes and wire format.

    With `api_key` set, every request must present that key where the provider expects it (`presented_key`), or it
    gets the provider's own answer to a bad key (`key_refused`) and nothing else happens.
    """

    # The models `GET …/models` lists (what the list-models call of each provider answers).
    listed_models: tuple[str, ...] = ()

    def __init__(self, *, delay: float = 0.0, record: bool = True, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.key_checks = 0  # requests whose key was checked (every request when `api_key` is set)
        self.requests: list[RecordedRequest] = []
        self.record = record  # benchmarks turn recording off so the fake's memory stays flat
        self.request_count = 0
        self.queue: deque[Script] = deque()
        self.responder: Responder | None = None
        self.delay = delay

    def script(self, *items: Script) -> None:
        self.queue.extend(items)

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=32 * 1024 * 1024, middlewares=[self._check_key])
        self.routes(app)
        return app

    def presented_key(self, request: web.Request) -> str | None:
        raise NotImplementedError

    def key_refused(self, presented: str | None) -> web.Response:
        raise NotImplementedError

    @web.middleware
    async def _check_key(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if self.api_key is not None:
            self.key_checks += 1
            presented = self.presented_key(request)
            if presented != self.api_key:
                return self.key_refused(presented)
        return await handler(request)

    def remember(
        self, request: web.Request, body: dict[str, Any], *, streaming: bool, tool_results: list[str], path: str = ""
    ) -> RecordedRequest:
        """Count the request and keep its record (unless `record` is off); `path` defaults to the request's."""
        recorded = RecordedRequest(
            path=path or request.path,
            body=body,
            streaming=streaming,
            headers=dict(request.headers),
            tool_results=tool_results,
        )
        self.request_count += 1
        if self.record:
            self.requests.append(recorded)
        return recorded

    async def next_script(self, recorded: RecordedRequest) -> Script:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.queue:
            return self.queue.popleft()
        if self.responder is not None:
            return self.responder(recorded)
        return Fail(status=500, message="fake: no scripted reply left")

    @staticmethod
    async def garbage(request: web.Request, script: Garbage, *, streaming: bool) -> web.StreamResponse:
        """Answer 200 with `script`'s kind of garbage (the same bytes for every provider: none of them parses it)."""
        if script.how == "json" or not streaming:
            return web.Response(status=200, text=_BROKEN_JSON, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        await response.write(f"event: content_block_delta\ndata: {_BROKEN_JSON}\n\n".encode())
        await response.write_eof()
        return response

    @staticmethod
    async def drop_connection(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        """Abort the TCP connection mid-body, as a crashed upstream or proxy would."""
        await asyncio.sleep(0)
        if request.transport is not None:
            request.transport.abort()
        return response
