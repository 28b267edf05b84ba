"""The provider-neutral conversation: what was said, which tools were called, what they returned.

Each provider module translates these to and from its own wire format; nothing else knows a wire format.
Messages are pydantic models so a thread's conversation can be stored as JSON and replayed to any provider.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Signature(_Frozen):
    """An opaque value a provider asked to get back with this part (e.g. a Gemini thought signature).

    Only the provider that issued it reads it; other providers ignore it.
    """

    provider: str
    value: str


class TextPart(_Frozen):
    kind: Literal["text"] = "text"
    text: str
    signature: Signature | None = None


class ToolCallPart(_Frozen):
    """A model asking for a tool. `arguments` is the raw JSON text as the model sent it, valid or not."""

    kind: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    arguments: str = "{}"
    signature: Signature | None = None

    def arguments_object(self) -> dict[str, object] | None:
        """The arguments as a JSON object, or None when the model sent something that is not one."""
        try:
            value = json.loads(self.arguments or "{}")
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None

    def arguments_for_replay(self) -> dict[str, object]:
        """The arguments as the object a provider takes back; text that is not one is kept under "invalid_json"."""
        arguments = self.arguments_object()
        return arguments if arguments is not None else {"invalid_json": self.arguments}


class ToolResultPart(_Frozen):
    """What a tool returned (or the error the model should fix), paired with its call by `call_id`."""

    kind: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    content: str
    is_error: bool = False


class ThinkingPart(_Frozen):
    """A model's reasoning block, carried with its assistant turn but opaque to everything except its provider.

    Claude returns `thinking` / `redacted_thinking` blocks that must come back unchanged (with their signature) while
    a tool loop runs, yet are bound to the model that wrote them and to the conversation before them. So each part
    records that model and a fingerprint of the request it answered; the provider sends it back only when both still
    match, and every other provider ignores it. Its text is never shown to anyone.
    """

    kind: Literal["thinking"] = "thinking"
    provider: str
    model: str
    text: str = ""  # often empty: Claude omits thinking text by default and returns only the signature
    signature: str = ""
    redacted_data: str | None = None  # set for a `redacted_thinking` block (its encrypted `data`)
    prefix_hash: str = ""  # fingerprint of the system prompt, tools and messages the block was produced after


Part = Annotated[TextPart | ToolCallPart | ToolResultPart | ThinkingPart, Field(discriminator="kind")]


class Message(_Frozen):
    """One turn. User turns carry text and tool results; assistant turns carry text, tool calls and thinking."""

    role: Literal["user", "assistant"]
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts if isinstance(part, TextPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        return [part for part in self.parts if isinstance(part, ToolCallPart)]

    @property
    def tool_results(self) -> list[ToolResultPart]:
        return [part for part in self.parts if isinstance(part, ToolResultPart)]


def user_text(text: str) -> Message:
    return Message(role="user", parts=(TextPart(text=text),))


class Usage(_Frozen):
    """Tokens of one or more requests. `input_tokens` counts all input, cached or not."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0  # input read from the provider's prompt cache (billed cheaper)
    cache_write_tokens: int = 0  # input written to the prompt cache (Anthropic bills these higher)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
        )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ModelResponse(_Frozen):
    """One model answer: the assistant message, its usage, and which model produced it."""

    message: Message
    usage: Usage = Usage()
    model: str  # "provider:model" that answered
    stop_reason: str = ""
    fallback_from: tuple[str, ...] = ()  # models that failed before this one answered the same request


CONVERSATION = TypeAdapter(list[Message])


def dump_conversation(messages: list[Message]) -> str:
    return CONVERSATION.dump_json(messages, exclude_none=True).decode()


def load_conversation(text: str) -> list[Message]:
    return CONVERSATION.validate_json(text)
