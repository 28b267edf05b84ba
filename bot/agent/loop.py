"""The agent loop: ask the model, run the tools it asks for in parallel, feed the results back, until it answers.

Caps on model calls, tool calls, tokens and wall time end the loop with the best partial answer and a note of what
could not be done. Mistakes the model can fix (bad arguments) go back to it as tool errors, a bounded number of
times. The answer streams out line by line, each line checked against the data (grounding) before it is shown.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from bot.agent.grounding import Grounder, GroundingReport
from bot.agent.prompt import FINAL_ROUND_NOTE
from bot.llm.base import AllModelsFailed, ChatModel, Completed, ModelRequest, StreamRestart, TextDelta, ToolSpec
from bot.llm.messages import Message, ModelResponse, TextPart, ToolCallPart, ToolResultPart, Usage, user_text
from bot.text import agent as messages
from tools.base import ToolOutcome, ToolRegistry, ToolUserError

log = logging.getLogger(__name__)

ContextT = TypeVar("ContextT")


@dataclass(frozen=True, kw_only=True)
class AgentLimits:
    max_model_calls: int = 8
    max_tool_calls: int = 16
    max_tokens: int = 300_000  # input + output over the whole turn
    max_seconds: float = 90.0
    max_tool_errors: int = 3  # tool errors (bad arguments…) the model may recover from before tools are withdrawn
    max_output_tokens: int = 2048


DEFAULT_LIMITS = AgentLimits()


class StopReason(StrEnum):
    ANSWERED = "answered"
    MODEL_CALLS = "model_calls"
    TOOL_CALLS = "tool_calls"
    TOKENS = "tokens"
    TIME = "time"
    TOOL_ERRORS = "tool_errors"
    USER_PROBLEM = "user_problem"  # a tool needs a person to act (reconnect Google, choose a property)
    REFUSED = "refused"  # the model declined (Claude's stop_reason "refusal")


@dataclass(frozen=True)
class ToolsStarted:
    """The model asked for these tools: `calls` will run, `skipped` will not (a cap was reached)."""

    names: tuple[str, ...]
    calls: tuple[ToolCallPart, ...] = ()
    skipped: tuple[ToolCallPart, ...] = ()


@dataclass(frozen=True)
class ToolsRunning:
    """The calls of the last `ToolsStarted` are running now (in parallel)."""

    calls: tuple[ToolCallPart, ...]


@dataclass(frozen=True)
class ToolFinished:
    """One call came back (complete, or an error the model sees); sent as each finishes."""

    call: ToolCallPart
    outcome: ToolOutcome


@dataclass(frozen=True)
class AnswerText:
    """A complete, grounded line (or the last piece) of the answer, ready to show."""

    text: str


@dataclass(frozen=True)
class AnswerRestart:
    """A model failed mid-answer and another answers from the start: text shown so far is void."""

    model: str


@dataclass(frozen=True)
class AnswerDone:
    """The turn is over; `result` is final (sent before the conversation is stored, so the answer shows sooner)."""

    result: AgentResult


AgentEvent = ToolsStarted | ToolsRunning | ToolFinished | AnswerText | AnswerRestart | AnswerDone


class EventSink(Protocol):
    async def __call__(self, event: AgentEvent) -> None: ...


async def _ignore(event: AgentEvent) -> None:
    return None


@dataclass
class ToolRun:
    call: ToolCallPart
    outcome: ToolOutcome


@dataclass(kw_only=True)
class AgentResult:
    text: str  # the answer as shown: grounded (untraced numbers marked), plus a note when it stopped early
    stop: StopReason
    new_messages: list[Message]  # this turn, to append to the stored conversation
    # Each model request on its own: some prices depend on the size of one request's prompt.
    request_usages: list[tuple[str, Usage]] = field(default_factory=list)
    model: str | None = None  # the model that wrote the final answer
    fallback_from: tuple[str, ...] = ()
    tool_runs: list[ToolRun] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)  # tools asked for but not run because of a cap
    grounding: GroundingReport = field(default_factory=lambda: GroundingReport(checked=0, untraced=()))
    user_problem: ToolUserError | None = None
    model_calls: int = 0
    model_seconds: float = 0.0  # waiting on models (the SDKs and the providers)
    tool_seconds: float = 0.0  # waiting on tools (mostly Google)

    @property
    def usage_by_model(self) -> dict[str, Usage]:
        """The requests' usage summed per model, the models in the order they first answered."""
        totals: dict[str, Usage] = {}
        for model, usage in self.request_usages:
            totals[model] = totals.get(model, Usage()) + usage
        return totals


class _LineGrounder:
    """Holds streamed text until a line is complete, then grounds and releases it."""

    def __init__(self, grounder: Callable[[], Grounder], emit: EventSink, *, mark: str) -> None:
        self._grounder = grounder
        self._emit = emit
        self._mark = mark
        self._pending = ""
        self.shown: list[str] = []
        self.untraced: list[str] = []
        self.checked = 0
        self.emit_seconds = 0.0  # time spent showing text (Slack calls), which is not model time

    async def feed(self, delta: str) -> None:
        self._pending += delta
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            await self._release(line + "\n")

    async def flush(self) -> None:
        if self._pending:
            line, self._pending = self._pending, ""
            await self._release(line)

    async def _release(self, text: str) -> None:
        marked, report = self._grounder().check(text, mark=self._mark)
        self.untraced.extend(report.untraced)
        self.checked += report.checked
        self.shown.append(marked)
        started = time.perf_counter()
        await self._emit(AnswerText(marked))
        self.emit_seconds += time.perf_counter() - started

    async def restart(self, model: str) -> None:
        self._pending = ""
        self.shown.clear()
        self.untraced.clear()
        self.checked = 0
        await self._emit(AnswerRestart(model))


def tool_specs(tools: ToolRegistry[Any]) -> list[ToolSpec]:
    """The registry's tools as offered to a model, schemas generated from their input models."""
    return [
        ToolSpec(name=tool.name, description=tool.description, parameters=tool.json_schema()) for tool in tools.all()
    ]


class Agent(Generic[ContextT]):
    """Runs turns of a conversation with one model chain and one tool registry."""

    def __init__(
        self,
        *,
        model: ChatModel,
        tools: ToolRegistry[ContextT],
        limits: AgentLimits = DEFAULT_LIMITS,
        clock: Callable[[], float] = time.monotonic,
        specs: Sequence[ToolSpec] | None = None,
    ) -> None:
        self.model = model
        self.tools = tools
        self.limits = limits
        self.clock = clock
        # Generating JSON schemas is costly (milliseconds per tool): callers that run many turns pass them in.
        self._specs = list(specs) if specs is not None else tool_specs(tools)

    async def run(
        self,
        question: str,
        *,
        system: str,
        context: ContextT,
        history: Sequence[Message] = (),
        on_event: EventSink | None = None,
    ) -> AgentResult:
        """One turn: `question` after `history`. Raises AllModelsFailed when no model could answer at all."""
        limits = self.limits
        on_event = on_event or _ignore
        deadline = self.clock() + limits.max_seconds
        turn: list[Message] = [user_text(question)]
        result = AgentResult(text="", stop=StopReason.ANSWERED, new_messages=turn)
        all_results = [part.content for message in history for part in message.tool_results if not part.is_error]

        built: list[tuple[int, Grounder]] = []

        def grounder() -> Grounder:
            # Rebuilt only when new tool results arrived, not for every streamed line.
            if not built or built[-1][0] != len(result.tool_runs):
                fresh = [run.outcome.content for run in result.tool_runs if not run.outcome.is_error]
                built[:] = [(len(result.tool_runs), Grounder([*all_results, *fresh], given=[question, system]))]
            return built[-1][1]

        lines = _LineGrounder(grounder, on_event, mark=messages.UNVERIFIED_MARK)
        tool_calls = 0
        tool_errors = 0
        tokens = 0
        final_round_reason: StopReason | None = None

        while True:
            if self.clock() >= deadline:
                result.stop = StopReason.TIME
                break
            if tokens >= limits.max_tokens:
                result.stop = StopReason.TOKENS
                break
            if final_round_reason is None:
                if result.model_calls + 1 >= limits.max_model_calls:
                    final_round_reason = StopReason.MODEL_CALLS
                elif tool_calls >= limits.max_tool_calls:
                    final_round_reason = StopReason.TOOL_CALLS
                elif tool_errors >= limits.max_tool_errors:
                    final_round_reason = StopReason.TOOL_ERRORS
            request = ModelRequest(
                system=system,
                messages=_with_final_note([*history, *turn]) if final_round_reason else [*history, *turn],
                tools=self._specs,
                tool_choice="none" if final_round_reason else "auto",
                max_output_tokens=limits.max_output_tokens,
            )
            lines_before = len(lines.shown)
            started, emitted = time.perf_counter(), lines.emit_seconds
            try:
                async with asyncio.timeout(max(deadline - self.clock(), 0.001)):
                    response = await self._call(request, lines)
            except TimeoutError:
                await lines.flush()
                result.stop = StopReason.TIME
                break
            finally:
                result.model_seconds += time.perf_counter() - started - (lines.emit_seconds - emitted)
            result.model_calls += 1
            tokens += response.usage.total_tokens
            result.request_usages.append((response.model, response.usage))
            result.model, result.fallback_from = response.model, response.fallback_from
            turn.append(response.message)
            await lines.flush()

            calls = response.message.tool_calls
            if response.stop_reason == "refusal":
                result.stop = StopReason.REFUSED
                break
            if not calls:
                result.stop = final_round_reason or StopReason.ANSWERED
                break
            if final_round_reason is not None:
                # The model asked for tools although told it could not; answer them so the history stays valid.
                turn.append(_not_run_results(calls))
                result.not_run.extend(call.name for call in calls)
                result.stop = final_round_reason
                break
            if len(lines.shown) > lines_before:
                log.debug("model wrote %d line(s) before calling tools", len(lines.shown) - lines_before)

            allowed = calls[: max(limits.max_tool_calls - tool_calls, 0)]
            skipped = calls[len(allowed) :]
            await on_event(
                ToolsStarted(tuple(call.name for call in allowed), calls=tuple(allowed), skipped=tuple(skipped))
            )
            await on_event(ToolsRunning(tuple(allowed)))
            started = time.perf_counter()
            try:
                async with asyncio.timeout(max(deadline - self.clock(), 0.001)):
                    runs = await self._run_tools(allowed, context, on_event)
            except TimeoutError:
                turn.append(_not_run_results(calls))
                result.not_run.extend(call.name for call in calls)
                result.stop = StopReason.TIME
                break
            except ToolUserError as problem:
                turn.append(_not_run_results(calls))
                result.user_problem = problem
                result.stop = StopReason.USER_PROBLEM
                break
            result.tool_seconds += time.perf_counter() - started
            tool_calls += len(allowed)
            tool_errors += sum(1 for run in runs if run.outcome.is_error)
            result.tool_runs.extend(runs)
            parts = [
                ToolResultPart(
                    call_id=run.call.id, name=run.call.name, content=run.outcome.content, is_error=run.outcome.is_error
                )
                for run in runs
            ]
            parts += _not_run_parts(skipped)
            result.not_run.extend(call.name for call in skipped)
            turn.append(Message(role="user", parts=tuple(parts)))

        answer = "".join(lines.shown).strip()
        if result.stop is StopReason.USER_PROBLEM:
            result.text = answer
        elif result.stop is StopReason.REFUSED:
            result.text = messages.MODEL_DECLINED  # whatever streamed before the refusal is replaced
        else:
            if not answer:
                answer = messages.NO_ANSWER
            if result.stop is not StopReason.ANSWERED:
                answer = f"{answer}\n\n{messages.stopped_early(reason=result.stop.value, not_run=result.not_run)}"
            result.text = answer
        result.grounding = GroundingReport(checked=lines.checked, untraced=tuple(lines.untraced))
        await on_event(AnswerDone(result))
        return result

    async def _call(self, request: ModelRequest, lines: _LineGrounder) -> ModelResponse:
        response: ModelResponse | None = None
        async for event in self.model.stream(request):
            if isinstance(event, TextDelta):
                await lines.feed(event.text)
            elif isinstance(event, StreamRestart):
                await lines.restart(event.model)
            elif isinstance(event, Completed):
                response = event.response
        if response is None:
            raise AllModelsFailed([])
        return response

    async def _run_tools(self, calls: Sequence[ToolCallPart], context: ContextT, on_event: EventSink) -> list[ToolRun]:
        async def one(call: ToolCallPart) -> ToolRun:
            outcome = await self.tools.run(call.name, call.arguments or "{}", context)
            await on_event(ToolFinished(call, outcome))
            return ToolRun(call=call, outcome=outcome)

        gathered = await asyncio.gather(*(one(call) for call in calls), return_exceptions=True)
        runs: list[ToolRun] = []
        for item in gathered:
            if isinstance(item, BaseException):
                raise item
            runs.append(item)
        return runs


def _with_final_note(conversation: list[Message]) -> list[Message]:
    # The note rides on the last user turn (not the system prompt) so the cached prompt prefix stays valid.
    note = TextPart(text=FINAL_ROUND_NOTE)
    last = conversation[-1]
    if last.role == "user":
        return [*conversation[:-1], Message(role="user", parts=(*last.parts, note))]
    return [*conversation, Message(role="user", parts=(note,))]


def _not_run_parts(calls: Sequence[ToolCallPart]) -> list[ToolResultPart]:
    # Every call keeps a result, even when it was not run, so the conversation stays valid for every provider.
    note = "Not run: the limit for this question was reached."
    return [ToolResultPart(call_id=call.id, name=call.name, content=note, is_error=True) for call in calls]


def _not_run_results(calls: Sequence[ToolCallPart]) -> Message:
    return Message(role="user", parts=tuple(_not_run_parts(calls)))
