"""Per-request fallback: when a model fails in a way another might not, the next model answers the same request.

The decision is made per model request, not per conversation, so the next question starts again with the first
model. Because messages are provider-neutral, the conversation (every tool call with its result) stays valid.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

from bot.llm.base import (
    ADMIN_KINDS,
    AllModelsFailed,
    ChatModel,
    Completed,
    ErrorKind,
    ModelError,
    ModelRequest,
    StreamEvent,
    StreamRestart,
    TextDelta,
    malformed_error,
)

log = logging.getLogger(__name__)

# A revoked key or a request one provider rejects (its schema rules) may well work elsewhere; a conversation that
# is too long for one model usually is for the next too, and the fallback would only add latency.
FALLBACK_KINDS = frozenset(kind for kind in ErrorKind if kind is not ErrorKind.CONTEXT_TOO_LONG)


class KeyWatch:
    """Which providers rejected their API key lately, process-wide: one warning when a provider starts rejecting
    its key and one line when it accepts it again, however many requests fail in between."""

    def __init__(self) -> None:
        self._rejected: set[str] = set()

    def rejected(self, error: ModelError) -> None:
        provider = error.model.partition(":")[0]
        if provider not in self._rejected:
            self._rejected.add(provider)
            log.warning(
                "%s rejected its API key (%s%s): an admin must fix the key; falling back to the next model meanwhile",
                provider,
                error.kind.value,
                f", HTTP {error.status}" if error.status else "",
            )

    def accepted(self, model: str) -> None:
        provider = model.partition(":")[0]
        if provider in self._rejected:
            self._rejected.discard(provider)
            log.info("%s accepts its API key again", provider)


class FallbackModel:
    """A chain of models tried in order for each request."""

    def __init__(self, models: Sequence[ChatModel], *, keys: KeyWatch | None = None) -> None:
        self.models = list(models)
        self._keys = keys or KeyWatch()

    @property
    def name(self) -> str:
        return self.models[0].name if self.models else "none"

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        errors: list[ModelError] = []
        for model in self.models:
            streamed = False
            try:
                try:
                    async for event in model.stream(request):
                        if isinstance(event, Completed):
                            self._keys.accepted(model.name)
                            failed = tuple(error.model for error in errors)
                            yield Completed(event.response.model_copy(update={"fallback_from": failed}))
                            return
                        if isinstance(event, TextDelta):
                            streamed = True
                        yield event
                except ModelError:
                    raise
                except Exception as unexpected:
                    # Whatever a provider's SDK raises on a reply it cannot read is that provider failing, like a
                    # 5xx: the next model answers, and the stack trace goes to the log, never to the person.
                    log.exception("model %s raised an unexpected error", model.name)
                    raise malformed_error(model.name, unexpected) from unexpected
            except ModelError as error:
                errors.append(error)
                if error.kind not in FALLBACK_KINDS:
                    raise AllModelsFailed(errors) from error
                if error.kind in ADMIN_KINDS:
                    self._keys.rejected(error)
                else:
                    log.warning("model %s failed (%s); trying the next model", error.model, error.kind.value)
                if streamed:
                    next_name = self._next_name(model)
                    if next_name is not None:
                        yield StreamRestart(model=next_name, failed=error.model)
        raise AllModelsFailed(errors)

    def _next_name(self, model: ChatModel) -> str | None:
        index = self.models.index(model)
        return self.models[index + 1].name if index + 1 < len(self.models) else None
