"""The tool contract: a typed input model, a docstring for the model, a typed result, a registry that runs it.

A tool never raises to its caller for a problem the model can fix: `ToolError` (and input validation errors)
come back as an error outcome whose text helps the model correct its next call.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

ContextT = TypeVar("ContextT")
InputT = TypeVar("InputT", bound=BaseModel)


class ToolError(Exception):
    """A problem the model can fix by calling differently; the message is written for the model."""


class ToolUserError(Exception):
    """A problem only a person can fix (no property chosen, Google access revoked); ends the tool call.

    `message_key` names a text in `bot.text`; the agent shows that text rather than the exception.
    """

    def __init__(self, message_key: str, detail: str = "") -> None:
        super().__init__(detail or message_key)
        self.message_key = message_key
        self.detail = detail


@dataclass(frozen=True, kw_only=True)
class Tool(Generic[InputT, ContextT]):
    """One callable tool. `run` gets validated input and the per-request context, returns a pydantic result."""

    name: str
    description: str
    input_model: type[InputT]
    run: Callable[[InputT, ContextT], Awaitable[BaseModel]]

    def json_schema(self) -> dict[str, Any]:
        """JSON schema of the input, generated from the model so it can never drift from the code, then compacted:
        every tool schema is sent with every model request, so what tells the model nothing is left out."""
        return compact_schema(self.input_model.model_json_schema())


# Schema keywords that say nothing to a model: pydantic's titles repeat the property names, and the input model's
# own docstring repeats the tool's description.
_SCHEMA_CHILDREN = ("items", "not", "additionalProperties")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def compact_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without titles, without the top-level description, and with `X | None = None` written as plain `X`.

    A property that is not required is optional already; the `{"type": "null"}` branch and `"default": null` only
    cost tokens. Validation is unchanged: it is the pydantic model, not this schema, that checks the arguments.
    Property *names* are never touched (a tool may well have an argument called `title`).
    """

    def node(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, child in value.items():
            if key == "title" and isinstance(child, str):
                continue
            if key in ("properties", "$defs") and isinstance(child, dict):
                out[key] = {name: node(sub) for name, sub in child.items()}
            elif key in _SCHEMA_CHILDREN:
                out[key] = node(child)
            elif key in _SCHEMA_LISTS and isinstance(child, list):
                out[key] = [node(sub) for sub in child]
            else:
                out[key] = child
        options = out.get("anyOf")
        if isinstance(options, list) and out.get("default", ...) is None:
            kept = [option for option in options if option != {"type": "null"}]
            if len(kept) == 1:
                del out["anyOf"], out["default"]
                out = {**kept[0], **out}
        return out

    compacted: dict[str, Any] = node(schema)
    compacted.pop("description", None)
    return compacted


@dataclass(frozen=True, kw_only=True)
class ToolOutcome:
    """What a tool call produced, ready to hand back to a model."""

    name: str
    is_error: bool
    content: str  # JSON text of the result, or the error message for the model
    result: BaseModel | None = None


def format_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        location = ".".join(str(part) for part in item["loc"]) or "arguments"
        parts.append(f"{location}: {item['msg']}")
    return "Invalid arguments: " + "; ".join(parts)


class ToolRegistry(Generic[ContextT]):
    """The tools a model may call, by name.

    With a `tracer` (OpenTelemetry's API; the composition root sets it when tracing is on) every call is an
    `execute_tool {name}` span by the GenAI semantic conventions; its arguments and result go on it only with
    `capture_content`.
    """

    def __init__(self, tools: Iterable[Tool[Any, ContextT]]) -> None:
        self._tools: dict[str, Tool[Any, ContextT]] = {}
        self.tracer: Tracer | None = None
        self.capture_content = False
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"duplicate tool name {tool.name}")
            self._tools[tool.name] = tool

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def get(self, name: str) -> Tool[Any, ContextT]:
        return self._tools[name]

    def all(self) -> list[Tool[Any, ContextT]]:
        return list(self._tools.values())

    async def run(
        self, name: str, arguments: Mapping[str, object] | str, context: ContextT, *, call_id: str | None = None
    ) -> ToolOutcome:
        """Validate and run one call. Mistakes the model can fix come back as an error outcome, never raise."""
        with self._span(name, arguments, call_id=call_id) as span:
            try:
                outcome = await self._run(name, arguments, context)
            except BaseException as error:
                _mark_error(span, type(error).__qualname__)
                raise
            if span is not None:
                if outcome.is_error:
                    _mark_error(span, "tool_error")
                if self.capture_content:
                    span.set_attribute("gen_ai.tool.call.result", outcome.content)
            return outcome

    def _span(
        self, name: str, arguments: Mapping[str, object] | str, *, call_id: str | None
    ) -> AbstractContextManager[Span | None]:
        if self.tracer is None:
            return nullcontext()
        attributes: dict[str, str] = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name}
        attributes["gen_ai.tool.type"] = "function"
        if call_id:
            attributes["gen_ai.tool.call.id"] = call_id
        tool = self._tools.get(name)
        if tool is not None:
            attributes["gen_ai.tool.description"] = tool.description.split("\n", 1)[0]
        if self.capture_content:
            attributes["gen_ai.tool.call.arguments"] = (
                arguments if isinstance(arguments, str) else json.dumps(arguments)
            )
        # An exception escaping a tool is recorded by its type only: its text may quote what a person wrote.
        return self.tracer.start_as_current_span(
            f"execute_tool {name}", attributes=attributes, record_exception=False, set_status_on_exception=False
        )

    async def _run(self, name: str, arguments: Mapping[str, object] | str, context: ContextT) -> ToolOutcome:
        tool = self._tools.get(name)
        if tool is None:
            known = ", ".join(sorted(self._tools))
            return ToolOutcome(name=name, is_error=True, content=f"Unknown tool {name!r}. Available tools: {known}.")
        try:
            raw = json.loads(arguments) if isinstance(arguments, str) else dict(arguments)
            if not isinstance(raw, dict):
                raise ToolError("Arguments must be a JSON object.")
            validated = tool.input_model.model_validate(raw)
            result = await tool.run(validated, context)
        except json.JSONDecodeError as error:
            return ToolOutcome(name=name, is_error=True, content=f"Arguments are not valid JSON: {error.msg}.")
        except ValidationError as error:
            return ToolOutcome(name=name, is_error=True, content=format_validation_error(error))
        except ToolError as error:
            return ToolOutcome(name=name, is_error=True, content=str(error))
        return ToolOutcome(name=name, is_error=False, content=result.model_dump_json(exclude_none=True), result=result)


def _mark_error(span: Span | None, error_type: str) -> None:
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", error_type)
    span.set_status(Status(StatusCode.ERROR))
