"""What one agent turn tells its caller while it runs (tools started, running, finished; lines of the answer; a
restart; done) and what it returns: `AgentResult`, with why it stopped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.agent.grounding import GroundingReport
from bot.llm.messages import Message, ToolCallPart, Usage
from tools.base import ToolOutcome, ToolUserError


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


async def ignore(event: AgentEvent) -> None:
    """An `EventSink` for callers that only want the result."""
    return


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
    # The Slack message the answer was finished in, set by the renderer at `AnswerDone`: what the answer was made of
    # is then stored with the turn (one transaction), so a vote on that message can say.
    posted_ts: str | None = None

    def tool_calls_record(self) -> str:
        """The tool calls as stored with the answer (and exported with feedback): name, arguments, whether it worked."""
        return json.dumps(
            [
                {
                    "name": run.call.name,
                    "arguments": run.call.arguments_object() or run.call.arguments,
                    "ok": not run.outcome.is_error,
                }
                for run in self.tool_runs
            ],
            ensure_ascii=False,
        )

    @property
    def usage_by_model(self) -> dict[str, Usage]:
        """The requests' usage summed per model, the models in the order they first answered."""
        totals: dict[str, Usage] = {}
        for model, usage in self.request_usages:
            totals[model] = totals.get(model, Usage()) + usage
        return totals
