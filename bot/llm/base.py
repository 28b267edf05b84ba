"""The chat-model contract every provider satisfies, and the one error taxonomy they all map onto."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol

from bot.llm.messages import Message, ModelResponse


@dataclass(frozen=True, kw_only=True)
class ToolSpec:
    """A tool as offered to a model: its name, a description for the model, a JSON schema of its input."""

    name: str
    description: str
    parameters: dict[str, Any]


class SystemPrompt(str):
    """A system prompt that is the same for every conversation up to `stable` characters (who the model is, its
    rules, its style) and situational after that (today's date, the workspace's property).

    It is a `str`, so every provider can send it whole; Claude's gets the stable part as a block of its own with a
    cache breakpoint, so another workspace or a new day still reads the tools and that part from the prompt cache
    (Gemini and OpenAI-compatible servers cache the longest repeated prefix by themselves, which the order already
    keeps stable).
    """

    stable: int

    def __new__(cls, *, stable: str, situational: str) -> SystemPrompt:
        prompt = super().__new__(cls, stable + situational)
        prompt.stable = len(stable)
        return prompt

    def parts(self) -> tuple[str, str]:
        """(the stable part, the situational part)."""
        return str(self)[: self.stable], str(self)[self.stable :]


@dataclass(frozen=True, kw_only=True)
class ModelRequest:
    system: str
    messages: Sequence[Message]
    tools: Sequence[ToolSpec] = ()
    # "none" asks for a final answer in words even though tools are defined (caps reached).
    tool_choice: Literal["auto", "none"] = "auto"
    max_output_tokens: int = 2048


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer's text as it streams in."""

    text: str


@dataclass(frozen=True)
class StreamRestart:
    """The text streamed so far is void: a model failed mid-stream and `model` answers from the start."""

    model: str
    failed: str


@dataclass(frozen=True)
class Completed:
    """The whole response; always the last event of a successful stream."""

    response: ModelResponse


StreamEvent = TextDelta | StreamRestart | Completed


class ChatModel(Protocol):
    """One model (or a chain of them). `name` is "provider:model"; `stream` ends with exactly one `Completed`."""

    @property
    def name(self) -> str: ...

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]: ...


async def complete(model: ChatModel, request: ModelRequest) -> ModelResponse:
    """The response without the streaming, for callers that only want the result."""
    response: ModelResponse | None = None
    async for event in model.stream(request):
        if isinstance(event, Completed):
            response = event.response
    if response is None:
        raise ModelError(ErrorKind.STREAM_INTERRUPTED, model=model.name, detail="stream ended without a response")
    return response


class ErrorKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    STREAM_INTERRUPTED = "stream_interrupted"
    # A 200 that is not the API's format (malformed JSON, a broken event): the provider is faulty right now.
    MALFORMED_RESPONSE = "malformed_response"
    AUTH = "auth"
    BAD_REQUEST = "bad_request"
    CONTEXT_TOO_LONG = "context_too_long"


RETRYABLE_KINDS = frozenset(
    {
        ErrorKind.RATE_LIMITED,
        ErrorKind.OVERLOADED,
        ErrorKind.SERVER_ERROR,
        ErrorKind.TIMEOUT,
        ErrorKind.CONNECTION,
        ErrorKind.STREAM_INTERRUPTED,
        ErrorKind.MALFORMED_RESPONSE,
    }
)

# Failures that make a provider unusable until someone acts (a key revoked, expired or wrong), not for a while.
ADMIN_KINDS = frozenset({ErrorKind.AUTH})


class ModelError(Exception):
    """A model request failed. `retryable` says whether the same request may succeed elsewhere or later."""

    def __init__(self, kind: ErrorKind, *, model: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(
            f"{model}: {kind.value}" + (f" (HTTP {status})" if status else "") + (f": {detail}" if detail else "")
        )
        self.kind = kind
        self.model = model
        self.status = status
        self.detail = detail

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS


class AllModelsFailed(Exception):
    """Every model of a fallback chain failed this request (or none is configured)."""

    def __init__(self, errors: Sequence[ModelError]) -> None:
        super().__init__("all models failed: " + ("; ".join(str(error) for error in errors) or "none configured"))
        self.errors = list(errors)


_CONTEXT_MARKERS = (
    "context length",
    "context window",
    "too long",
    "maximum context",
    "too many tokens",
    "prompt is too long",
)


# How providers say a key is wrong when the status alone does not: Gemini answers an invalid or expired key with
# 400 INVALID_ARGUMENT "API key not valid" (reason API_KEY_INVALID), xAI with 400 "Incorrect API key provided".
_KEY_MARKERS = (
    "authentication",
    "permission",
    "api key not valid",
    "api_key_invalid",
    "api key expired",
    "incorrect api key",
    "invalid api key",
    "invalid_api_key",
    "invalid x-api-key",
)


def kind_for_status(status: int, message: str = "", *, error_type: str = "") -> ErrorKind:
    """Map an HTTP status (and the provider's error type or message) onto the taxonomy."""
    lowered = f"{error_type} {message}".lower()
    if status == 429 or "rate_limit" in lowered or "resource_exhausted" in lowered:
        return ErrorKind.RATE_LIMITED
    if status in (503, 529) or "overloaded" in lowered or "unavailable" in lowered:
        return ErrorKind.OVERLOADED
    if status in (408, 504) or "deadline_exceeded" in lowered:
        return ErrorKind.TIMEOUT
    if status >= 500:
        return ErrorKind.SERVER_ERROR
    if status in (401, 403) or any(marker in lowered for marker in _KEY_MARKERS):
        return ErrorKind.AUTH
    if status == 413 or any(marker in lowered for marker in _CONTEXT_MARKERS):
        return ErrorKind.CONTEXT_TOO_LONG
    return ErrorKind.BAD_REQUEST


def error_envelope(body: object) -> dict[str, Any]:
    """A provider's error object from an error response body (`{"error": {...}}` or the object itself); {} if none."""
    outer = body if isinstance(body, dict) else {}
    inner = outer.get("error", outer)
    return inner if isinstance(inner, dict) else {}


def status_error(
    model: str, status: int | None, *, message: str, error_type: str, detail: str, mid_stream: bool = False
) -> ModelError:
    """An HTTP error response as a ModelError. A bad request after the stream began is a broken stream."""
    kind = kind_for_status(int(status or 0), message, error_type=error_type)
    if mid_stream and kind is ErrorKind.BAD_REQUEST:
        kind = ErrorKind.STREAM_INTERRUPTED
    return ModelError(kind, model=model, status=status, detail=detail)


def malformed_error(model: str, error: Exception) -> ModelError:
    """The provider answered 200 with something that is not its API's format (or a stream ended early)."""
    return ModelError(ErrorKind.MALFORMED_RESPONSE, model=model, detail=type(error).__name__)


def ended_early(model: str, *, expected: str) -> ModelError:
    """The event stream ended cleanly but without its closing event: the answer is cut, not finished."""
    return ModelError(ErrorKind.STREAM_INTERRUPTED, model=model, detail=f"stream ended before {expected}")


def transport_error(model: str, *, started: bool, detail: str = "") -> ModelError:
    """The connection failed: before any of the response (CONNECTION) or part way through it (STREAM_INTERRUPTED)."""
    kind = ErrorKind.STREAM_INTERRUPTED if started else ErrorKind.CONNECTION
    return ModelError(kind, model=model, detail=detail)
