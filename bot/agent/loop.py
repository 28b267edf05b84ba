"""The agent loop: ask the model, run the tools it asks for in parallel, feed the results back, until it answers.

Caps on model calls, tool calls, tokens and wall time end the loop with the best partial answer and a note of what
could not be done. Mistakes the model can fix (bad arguments) go back to it as tool errors, a bounded number of
times. The answer streams out line by line, each line checked against the data (grounding) before it is shown
(`bot.agent.line_grounding`); what a turn reports as it runs and returns: `bot.agent.events`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.agent.events import (
    AgentResult,
    AnswerDone,
    EventSink,
    StopReason,
    ToolFinished,
    ToolRun,
    ToolsRunning,
    ToolsStarted,
    ignore,
)
from bot.agent.grounding import GroundingReport
from bot.agent.line_grounding import LineGrounder, TurnGrounder
from bot.agent.prompt import FINAL_ROUND_NOTE
from bot.llm.base import AllModelsFailed, ChatModel, Completed, ModelRequest, StreamRestart, TextDelta, ToolSpec
from bot.llm.messages import Message, ModelResponse, TextPart, ToolCallPart, ToolResultPart, user_text
from bot.text import agent as messages
from tools.base import ToolRegistry, ToolUserError

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


@dataclass(kw_only=True)
class _Turn:
    """One turn as it goes: the conversation so far, this turn's messages, what is counted against the limits."""

    system: str
    history: Sequence[Message]
    deadline: float
    turn: list[Message]
    result: AgentResult
    lines: LineGrounder
    tool_calls: int = 0
    tool_errors: int = 0
    tokens: int = 0
    # Set once a cap is near: the next model call is the last, with tools withdrawn.
    final_round_reason: StopReason | None = None

    def give_back(self, calls: Sequence[ToolCallPart]) -> None:
        """Answer calls that will not run, so the history stays valid for every provider."""
        self.turn.append(_not_run_results(calls))


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
        on_event = on_event or ignore
        state = self._start(question, system=system, history=history, on_event=on_event)
        while (stop := await self._round(state, context=context, on_event=on_event)) is None:
            pass
        state.result.stop = stop
        _finish(state.result, state.lines)
        await on_event(AnswerDone(state.result))
        return state.result

    def _start(self, question: str, *, system: str, history: Sequence[Message], on_event: EventSink) -> _Turn:
        turn: list[Message] = [user_text(question)]
        result = AgentResult(text="", stop=StopReason.ANSWERED, new_messages=turn)
        earlier = [part.content for message in history for part in message.tool_results if not part.is_error]
        grounder = TurnGrounder(earlier=earlier, given=[question, system], runs=result.tool_runs)
        return _Turn(
            system=system,
            history=history,
            deadline=self.clock() + self.limits.max_seconds,
            turn=turn,
            result=result,
            lines=LineGrounder(grounder, on_event, mark=messages.UNVERIFIED_MARK),
        )

    async def _round(self, state: _Turn, *, context: ContextT, on_event: EventSink) -> StopReason | None:
        """One model call and the tools it asks for: why the turn stops, or None to ask the model again."""
        if self.clock() >= state.deadline:
            return StopReason.TIME
        if state.tokens >= self.limits.max_tokens:
            return StopReason.TOKENS
        if state.final_round_reason is None:
            state.final_round_reason = self._cap_reached(state)
        lines_before = len(state.lines.shown)
        response = await self._ask_model(state)
        if response is None:
            return StopReason.TIME
        calls = response.message.tool_calls
        if response.stop_reason == "refusal":
            return StopReason.REFUSED
        if not calls:
            return state.final_round_reason or StopReason.ANSWERED
        if state.final_round_reason is not None:
            # The model asked for tools although told it could not; answer them so the history stays valid.
            state.give_back(calls)
            state.result.not_run.extend(call.name for call in calls)
            return state.final_round_reason
        if len(state.lines.shown) > lines_before:
            log.debug("model wrote %d line(s) before calling tools", len(state.lines.shown) - lines_before)
        return await self._tools_round(state, calls, context=context, on_event=on_event)

    def _cap_reached(self, state: _Turn) -> StopReason | None:
        """The cap that makes the next model call the last one, if any."""
        limits = self.limits
        if state.result.model_calls + 1 >= limits.max_model_calls:
            return StopReason.MODEL_CALLS
        if state.tool_calls >= limits.max_tool_calls:
            return StopReason.TOOL_CALLS
        if state.tool_errors >= limits.max_tool_errors:
            return StopReason.TOOL_ERRORS
        return None

    async def _ask_model(self, state: _Turn) -> ModelResponse | None:
        """Call the model chain, streaming its text through the line grounder; None when time ran out."""
        result, lines, final = state.result, state.lines, state.final_round_reason
        conversation = [*state.history, *state.turn]
        request = ModelRequest(
            system=state.system,
            messages=_with_final_note(conversation) if final else conversation,
            tools=self._specs,
            tool_choice="none" if final else "auto",
            max_output_tokens=self.limits.max_output_tokens,
        )
        started, emitted = time.perf_counter(), lines.emit_seconds
        try:
            async with asyncio.timeout(max(state.deadline - self.clock(), 0.001)):
                response = await self._call(request, lines)
        except TimeoutError:
            await lines.flush()
            return None
        finally:
            result.model_seconds += time.perf_counter() - started - (lines.emit_seconds - emitted)
        result.model_calls += 1
        state.tokens += response.usage.total_tokens
        result.request_usages.append((response.model, response.usage))
        result.model, result.fallback_from = response.model, response.fallback_from
        state.turn.append(response.message)
        await lines.flush()
        return response

    async def _tools_round(
        self, state: _Turn, calls: Sequence[ToolCallPart], *, context: ContextT, on_event: EventSink
    ) -> StopReason | None:
        """Run the calls the caps allow, in parallel, and give every call its result; a reason when the turn stops."""
        result = state.result
        allowed = calls[: max(self.limits.max_tool_calls - state.tool_calls, 0)]
        skipped = calls[len(allowed) :]
        await on_event(ToolsStarted(tuple(call.name for call in allowed), calls=tuple(allowed), skipped=tuple(skipped)))
        await on_event(ToolsRunning(tuple(allowed)))
        started = time.perf_counter()
        try:
            async with asyncio.timeout(max(state.deadline - self.clock(), 0.001)):
                runs = await self._run_tools(allowed, context, on_event)
        except TimeoutError:
            state.give_back(calls)
            result.not_run.extend(call.name for call in calls)
            return StopReason.TIME
        except ToolUserError as problem:
            state.give_back(calls)
            result.user_problem = problem
            return StopReason.USER_PROBLEM
        result.tool_seconds += time.perf_counter() - started
        state.tool_calls += len(allowed)
        state.tool_errors += sum(1 for run in runs if run.outcome.is_error)
        result.tool_runs.extend(runs)
        parts = [
            ToolResultPart(
                call_id=run.call.id, name=run.call.name, content=run.outcome.content, is_error=run.outcome.is_error
            )
            for run in runs
        ]
        parts += _not_run_parts(skipped)
        result.not_run.extend(call.name for call in skipped)
        state.turn.append(Message(role="user", parts=tuple(parts)))
        return None

    async def _call(self, request: ModelRequest, lines: LineGrounder) -> ModelResponse:
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
            outcome = await self.tools.run(call.name, call.arguments or "{}", context, call_id=call.id)
            await on_event(ToolFinished(call, outcome))
            return ToolRun(call=call, outcome=outcome)

        gathered = await asyncio.gather(*(one(call) for call in calls), return_exceptions=True)
        runs: list[ToolRun] = []
        for item in gathered:
            if isinstance(item, BaseException):
                raise item
            runs.append(item)
        return runs


def _finish(result: AgentResult, lines: LineGrounder) -> None:
    """The answer as shown (with a note when the turn stopped early) and what grounding found."""
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
