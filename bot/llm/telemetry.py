"""Each model request as an OpenTelemetry span and GenAI metrics, whichever provider answers it.

`InstrumentedModel` wraps one provider's model (the registry wraps every model it builds), so a fallback shows as
two `chat {model}` spans, the failed one marked with its `error.type`. Attributes follow the GenAI semantic
conventions: `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.usage.input_tokens`
(all input, cached included), `gen_ai.usage.output_tokens`, `gen_ai.usage.cache_read.input_tokens` and
`gen_ai.usage.cache_creation.input_tokens`. The messages themselves only with content capture on.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

from bot.llm.base import ChatModel, Completed, ModelError, ModelRequest, StreamEvent
from bot.llm.messages import Message, ModelResponse, TextPart, ToolCallPart, ToolResultPart
from bot.observe import tracing
from bot.observe.genai import GenAiMetrics

OPERATION = "chat"
# `gen_ai.provider.name` values of the semantic conventions for the providers Lookout speaks to.
PROVIDER_NAMES = {"anthropic": "anthropic", "gemini": "gcp.gemini", "xai": "x_ai", "openai": "openai"}


def provider_name(model_name: str) -> str:
    provider = model_name.partition(":")[0]
    return PROVIDER_NAMES.get(provider, provider)


class InstrumentedModel:
    """A `ChatModel` that records a span and the GenAI metrics for every request it streams."""

    def __init__(self, inner: ChatModel, *, metrics: GenAiMetrics | None = None) -> None:
        self.inner = inner
        self._metrics = metrics
        self._provider = provider_name(inner.name)
        self._model = inner.name.partition(":")[2]

    @property
    def name(self) -> str:
        return self.inner.name

    async def aclose(self) -> None:
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        started = time.perf_counter()
        span = self._start_span(request)
        finished = False
        try:
            async for event in self.inner.stream(request):
                if isinstance(event, Completed):
                    # Finished here, not after the stream: a caller may stop reading once it has the response.
                    finished = True
                    self._finish(span, response=event.response, error_type=None, started=started)
                yield event
        except BaseException as error:
            if not finished:
                kind = error.kind.value if isinstance(error, ModelError) else type(error).__qualname__
                self._finish(span, response=None, error_type=kind, started=started)
            raise

    def _start_span(self, request: ModelRequest) -> Any:
        telemetry = tracing.current()
        if telemetry is None:
            return None
        from opentelemetry.trace import SpanKind

        attributes: dict[str, Any] = {
            "gen_ai.operation.name": OPERATION,
            "gen_ai.provider.name": self._provider,
            "gen_ai.request.model": self._model,
            "gen_ai.request.max_tokens": request.max_output_tokens,
        }
        if telemetry.capture_content:
            attributes["gen_ai.system_instructions"] = json.dumps([{"type": "text", "content": request.system}])
            attributes["gen_ai.input.messages"] = json.dumps([_message(message) for message in request.messages])
            attributes["gen_ai.tool.definitions"] = json.dumps(
                [{"type": "function", "name": tool.name, "description": tool.description} for tool in request.tools]
            )
        # Not made current: the caller's own work between stream events (posting to Slack) is not part of it.
        return telemetry.tracer.start_span(f"{OPERATION} {self._model}", kind=SpanKind.CLIENT, attributes=attributes)

    def _finish(self, span: Any, *, response: ModelResponse | None, error_type: str | None, started: float) -> None:
        seconds = time.perf_counter() - started
        usage = response.usage if response is not None else None
        if self._metrics is not None:
            self._metrics.record(
                operation=OPERATION,
                provider=self._provider,
                model=self._model,
                seconds=seconds,
                input_tokens=usage.input_tokens if usage is not None else None,
                output_tokens=usage.output_tokens if usage is not None else None,
                error_type=error_type,
            )
        if span is None:
            return
        if response is not None and usage is not None:
            span.set_attributes(
                {
                    "gen_ai.response.model": response.model.partition(":")[2] or self._model,
                    "gen_ai.response.finish_reasons": [response.stop_reason] if response.stop_reason else [],
                    "gen_ai.usage.input_tokens": usage.input_tokens,
                    "gen_ai.usage.output_tokens": usage.output_tokens,
                    "gen_ai.usage.cache_read.input_tokens": usage.cached_tokens,
                    "gen_ai.usage.cache_creation.input_tokens": usage.cache_write_tokens,
                }
            )
            if tracing.capture_content():
                output = {**_message(response.message), "finish_reason": response.stop_reason}
                span.set_attribute("gen_ai.output.messages", json.dumps([output]))
        if error_type is not None:
            tracing.mark_error(span, error_type)
        span.end()


def _message(message: Message) -> dict[str, Any]:
    """One message in the GenAI conventions' JSON shape (thinking left out: it is never shown to anyone)."""
    parts: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart) and part.text:
            parts.append({"type": "text", "content": part.text})
        elif isinstance(part, ToolCallPart):
            parts.append({"type": "tool_call", "id": part.id, "name": part.name, "arguments": part.arguments})
        elif isinstance(part, ToolResultPart):
            parts.append({"type": "tool_call_response", "id": part.call_id, "response": part.content})
    return {"role": message.role, "parts": parts}
