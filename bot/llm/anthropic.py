"""Claude over the Anthropic Messages API: the only module that knows that wire format.

Prompt caching: the tool definitions, the system prompt's stable part (`SystemPrompt`: the same for every workspace
and day) and the conversation so far are marked as cache breakpoints, so each step of a tool loop re-reads the
growing prefix from the cache instead of paying for it again, and a new question anywhere re-reads the tools and
the rules.

Thinking (Claude Sonnet 5 / 5.5, Haiku 5.5 think adaptively by default): the request leaves `thinking`, sampling
parameters and forced tool choice out, because those return 400 on these models (and the defaults work on older
ones). `thinking` / `redacted_thinking` blocks come back — on Sonnet 5.5 even the words between tool calls do — and
are kept as `ThinkingPart`s, never as answer text. They go back unchanged only to the model that wrote them and only
while everything before them is unchanged (preserved thinking: a changed prefix makes the API reject the request);
otherwise they are left out, which the API accepts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import anthropic
import httpx2

from bot.llm.base import (
    Completed,
    ErrorKind,
    ModelError,
    ModelRequest,
    StreamEvent,
    SystemPrompt,
    TextDelta,
    ToolSpec,
    ended_early,
    error_envelope,
    malformed_error,
    status_error,
    transport_error,
)
from bot.llm.messages import Message, ModelResponse, TextPart, ThinkingPart, ToolCallPart, ToolResultPart, Usage

PROVIDER = "anthropic"
_CACHE = {"type": "ephemeral"}
_ID_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
# Thinking tokens count toward max_tokens on models that think by default; without room for them a tool step can
# end at max_tokens with thinking and no answer. The caller's budget is for the visible output on top of this.
THINKING_HEADROOM_TOKENS = 8192
# JSON as the SDK encodes a request body (`anthropic._utils._json.openapi_dumps`): UTF-8 as is, no spaces, no NaN.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


@dataclass(frozen=True)
class _ToolsJson:
    """One tool list's definitions as JSON: as sent, and canonical (no cache marks, sorted keys) for the prefix hash
    that binds thinking to `{"system": ..., "tools": ...}`, the part of a request every thinking block's prefix starts
    with."""

    specs: tuple[ToolSpec, ...]
    wire: bytes  # UTF-8: encoded once, not with every request (its "—" and "…" make it a 2-byte-per-char str)
    canonical: str


@dataclass(frozen=True)
class _PrefixHead:
    """SHA-256 fed with `[{"system": ..., "tools": ...},`, the start of every prefix hash of the requests that send
    this system prompt and tool list. Each hash starts from a copy of it, so the ~30 KB of tool definitions are hashed
    once per system prompt instead of two or three times per request (5 % of a conversation's instructions in
    `lookout bench agent`, callgrind). The hashes are the same as before: they are stored with thinking blocks."""

    started: Any  # hashlib's SHA-256 object, never updated after it is built
    system: bytes | None  # the system prompt's blocks as sent (UTF-8), encoded once for all the turns that send it

    def hash(self, messages: list[dict[str, Any]]) -> str:
        """The hash of `[head, messages]` as canonical JSON."""
        digest = self.started.copy()
        digest.update(f"{_canonical(messages)}]".encode())
        return str(digest.hexdigest()[:32])


_HEADS_KEPT = 64  # per tool list, one per system prompt (a workspace's day): a bound, not a cache that must hit


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
            # The SDK's aiohttp transport: the HTTP stack the rest of the process already uses, with its C parser;
            # ~1.2 ms less CPU per streamed request than the default pure-Python one (`lookout bench agent`).
            http_client=anthropic.DefaultAioHttpClient(),
        )
        self._tools_memo: _ToolsJson | None = None
        self._heads: dict[tuple[str, int], _PrefixHead] = {}  # by system prompt (and split), for `_heads_tools`
        self._heads_tools: _ToolsJson | None = None

    @property
    def name(self) -> str:
        return f"anthropic:{self.model}"

    async def aclose(self) -> None:
        await self._client.close()

    def _body(self, request: ModelRequest) -> tuple[list[dict[str, Any]], bytes, _PrefixHead]:
        """The request's messages as the API takes them; the whole body as the JSON the SDK would send for
        `messages.create` (same keys, order and encoding); and the start of the prefix hashes (`_PrefixHead`).

        The tool list is most of a request (~6,000 tokens); its JSON is kept, as bytes, while the tools stay the same,
        and the body goes to the SDK already encoded (`content`): handed over as a dict, the SDK copies every node of
        it and encodes it again on every request, ~3 ms of CPU (`lookout bench agent`)."""
        # No `thinking`, `temperature`/`top_p`/`top_k` and never a forced tool choice (`any`/`tool`): each is a 400 on
        # Claude Sonnet 5.5 and Haiku 5.5, and leaving them out means adaptive thinking there and none on older models.
        tools = self._tools_json(request.tools) if request.tools else None
        head = self._head(request.system, tools)
        messages = _messages(request.messages, model=self.model, head=head)
        # The order in which `messages.create` lays out its body: required fields, then the optional ones given.
        size = request.max_output_tokens + THINKING_HEADROOM_TOKENS
        parts = [f'{{"max_tokens":{size:d},"messages":{_encode(messages)},"model":{_encode(self.model)}'.encode()]
        if self.streaming:
            parts.append(b',"stream":true')
        if head.system is not None:
            parts += [b',"system":', head.system]
        if tools is not None:
            parts += [f',"tool_choice":{_encode({"type": request.tool_choice})},"tools":'.encode(), tools.wire]
        parts.append(b"}")
        return messages, b"".join(parts), head

    def _head(self, system: str, tools: _ToolsJson | None) -> _PrefixHead:
        """This system prompt's blocks as sent and its prefix hashes' start, kept while the tool list stays the same."""
        if tools is not self._heads_tools or len(self._heads) >= _HEADS_KEPT:
            self._heads, self._heads_tools = {}, tools
        head = self._heads.get(key := (system, system.stable if isinstance(system, SystemPrompt) else -1))
        if head is None:
            blocks = _system_blocks(system) if system else None
            started = f'[{{"system":{_canonical(blocks)},"tools":{tools.canonical if tools else "null"}}},'
            head = self._heads[key] = _PrefixHead(
                hashlib.sha256(started.encode()), _encode(blocks).encode() if blocks else None
            )
        return head

    def _tools_json(self, specs: Sequence[ToolSpec]) -> _ToolsJson:
        """The tool definitions as sent (a cache breakpoint on the last) and canonical (for the prefix hash), kept
        while the tool list holds the same objects."""
        memo = self._tools_memo
        if (
            memo is not None
            and len(memo.specs) == len(specs)
            and all(a is b for a, b in zip(memo.specs, specs, strict=True))
        ):
            return memo
        tools: list[dict[str, Any]] = [
            {"name": tool.name, "description": tool.description, "input_schema": tool.parameters} for tool in specs
        ]
        tools[-1]["cache_control"] = _CACHE
        memo = _ToolsJson(specs=tuple(specs), wire=_encode(tools).encode(), canonical=_canonical(tools))
        self._tools_memo = memo
        return memo

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        messages, content, head = self._body(request)
        # Thinking in the answer is bound to everything this request sent before it.
        prefix = head.hash(messages)
        started = False
        try:
            if not self.streaming:
                reply = await self._client.post("/v1/messages", cast_to=anthropic.types.Message, content=content)
                response = self._response(reply.model_dump(mode="json"), prefix=prefix)
                if response.message.text:
                    yield TextDelta(response.message.text)  # the same events as a stream, in one piece
                yield Completed(response)
                return
            state = _StreamState()
            # Each event as the JSON object it arrived as (`object`: the SDK's way to skip building a model of it),
            # rather than a pydantic model turned back into that dict, ~20 times an answer.
            stream = await self._client.post(
                "/v1/messages",
                cast_to=anthropic.types.Message,
                content=content,
                stream=True,
                stream_cls=anthropic.AsyncStream[object],
            )
            async for event in stream:
                started = True
                if not isinstance(event, dict):
                    raise ValueError(f"a stream event that is not an object: {type(event).__name__}")
                delta = state.apply(event)
                if delta:
                    yield TextDelta(delta)
            if not state.stopped:
                raise ended_early(self.name, expected="message_stop")
            yield Completed(self._response(state.as_message(), prefix=prefix))
        except anthropic.APIStatusError as error:
            envelope = error_envelope(error.body)
            error_type = str(envelope.get("type", ""))
            message = str(envelope.get("message", ""))
            raise status_error(
                self.name,
                error.status_code,
                message=message,
                error_type=error_type,
                detail=error_type,
                mid_stream=started,
            ) from error
        except anthropic.APITimeoutError as error:
            raise ModelError(ErrorKind.TIMEOUT, model=self.name) from error
        except (anthropic.APIConnectionError, httpx2.HTTPError) as error:
            raise transport_error(self.name, started=started, detail=type(error).__name__) from error
        except (ValueError, KeyError) as error:  # JSON or pydantic decoding of a body or event that is not the API's
            raise malformed_error(self.name, error) from error

    def _response(self, wire: dict[str, Any], *, prefix: str) -> ModelResponse:
        parts: list[TextPart | ToolCallPart | ThinkingPart] = []
        for block in wire.get("content", []):
            kind = block.get("type")
            if kind == "text" and block.get("text"):
                parts.append(TextPart(text=block["text"]))
            elif kind in ("thinking", "redacted_thinking"):
                parts.append(
                    ThinkingPart(
                        provider=PROVIDER,
                        model=self.model,
                        text=str(block.get("thinking") or ""),
                        signature=str(block.get("signature") or ""),
                        redacted_data=str(block.get("data") or "") if kind == "redacted_thinking" else None,
                        prefix_hash=prefix,
                    )
                )
            elif kind == "tool_use":
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
        self.stopped = False  # saw message_stop: without it the stream was cut

    def apply(self, event: dict[str, Any]) -> str:
        kind = event.get("type")
        if kind == "message_stop":
            self.stopped = True
        elif kind == "message_start":
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
            elif delta.get("type") == "thinking_delta":
                # Kept for the round trip, never streamed: thinking is not part of the answer.
                block["thinking"] = block.get("thinking", "") + str(delta.get("thinking") or "")
            elif delta.get("type") == "signature_delta":
                block["signature"] = str(delta.get("signature") or "")
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


def _system_blocks(system: str) -> list[dict[str, Any]]:
    """The system prompt with a cache breakpoint after its stable part: tools come first in Claude's cache order, so
    tools + that part are one prefix every conversation shares. The situational rest is covered by the breakpoint
    on the conversation's last block (four breakpoints at most: tools, stable system, last block)."""
    if isinstance(system, SystemPrompt):
        stable, situational = system.parts()
        if stable and situational:
            return [{"type": "text", "text": stable, "cache_control": _CACHE}, {"type": "text", "text": situational}]
    return [{"type": "text", "text": system, "cache_control": _CACHE}]


def _tool_id(call_id: str) -> str:
    return _ID_UNSAFE.sub("_", call_id)[:64] or "call"


def _without_cache_marks(value: Any) -> Any:
    # Cache breakpoints move to the newest block on every request; they are not part of the conversation.
    if isinstance(value, dict):
        return {key: _without_cache_marks(item) for key, item in value.items() if key != "cache_control"}
    if isinstance(value, list):
        return [_without_cache_marks(item) for item in value]
    return value


def _canonical(value: Any) -> str:
    return json.dumps(_without_cache_marks(value), sort_keys=True, separators=(",", ":"))


def _thinking_block(part: ThinkingPart) -> dict[str, Any]:
    if part.redacted_data is not None:
        return {"type": "redacted_thinking", "data": part.redacted_data}
    return {"type": "thinking", "thinking": part.text, "signature": part.signature}


def _messages(messages: Sequence[Message], *, model: str, head: _PrefixHead) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for message in messages:
        content: list[dict[str, Any]] = []
        # Hashing the prefix is costly and only thinking this model wrote is compared with it.
        ours = any(
            isinstance(part, ThinkingPart) and part.provider == PROVIDER and part.model == model
            for part in message.parts
        )
        prefix = head.hash(wire) if message.role == "assistant" and ours else ""
        # Tool results must open a user turn, before any text.
        for part in sorted(message.parts, key=lambda p: not isinstance(p, ToolResultPart)):
            if isinstance(part, ThinkingPart):
                # Only to the model that wrote it (not after a fallback or a switch of depth), and only while the
                # conversation before it is exactly what that model saw (a new day's system prompt, trimmed history
                # or a dropped earlier block all change that; the hash then differs for every later block too).
                if part.provider == PROVIDER and part.model == model and part.prefix_hash == prefix:
                    content.append(_thinking_block(part))
            elif isinstance(part, TextPart):
                if part.text:
                    content.append({"type": "text", "text": part.text})
            elif isinstance(part, ToolCallPart):
                content.append(
                    {
                        "type": "tool_use",
                        "id": _tool_id(part.id),
                        "name": part.name,
                        "input": part.arguments_for_replay(),
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
        # Thinking blocks cannot carry a cache breakpoint; the last other block of the last turn does.
        markable = [block for block in wire[-1]["content"] if block["type"] not in ("thinking", "redacted_thinking")]
        if markable:
            markable[-1]["cache_control"] = _CACHE
    return wire
