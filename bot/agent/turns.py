"""One agent turn with everything around it: budget, stored thread history, routing, fallback, usage and cost.

Both the Slack handler and `lookout ask` call `AgentService.answer`; only the rendering differs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypedDict, TypeVar

from bot.agent.cost import PriceTable
from bot.agent.events import AgentResult, EventSink, StopReason
from bot.agent.loop import DEFAULT_LIMITS, Agent, AgentLimits, tool_specs
from bot.agent.metrics import AgentMetrics
from bot.agent.prompt import PromptFacts, system_prompt
from bot.agent.routing import depth_for
from bot.llm.base import ADMIN_KINDS, AllModelsFailed
from bot.llm.fallback import FallbackModel, KeyWatch
from bot.llm.messages import Message, Usage, dump_conversation, load_conversation
from bot.llm.registry import API_KEY_VARIABLES, Depth, ModelRegistry
from bot.observe import tracing
from bot.text import agent as messages
from storage.db import Database
from storage.repos import agent as repo
from tools.base import ToolRegistry

log = logging.getLogger(__name__)

ContextT = TypeVar("ContextT")

SPENT_TTL_SECONDS = 30.0
# Older turns are dropped (whole turns only, so calls keep their results) past this much stored text.
HISTORY_CHAR_BUDGET = 120_000


class TurnStatus(StrEnum):
    ANSWERED = "answered"  # possibly partial: see `result.stop`
    BUDGET_SPENT = "budget_spent"
    NO_MODEL = "no_model"
    MODELS_FAILED = "models_failed"
    USER_PROBLEM = "user_problem"


@dataclass(kw_only=True)
class TurnOutcome:
    status: TurnStatus
    text: str  # what to show (model words are NOT yet Slack-escaped; the renderer does that)
    result: AgentResult | None = None
    depth: Depth = Depth.FAST
    cost_usd: float = 0.0
    notes: list[str] = field(default_factory=list)
    first_turn: bool = False  # the thread had no stored history (a DM thread is then given a title)


def trim_history(history: Sequence[Message], *, max_chars: int = HISTORY_CHAR_BUDGET) -> list[Message]:
    """The most recent whole turns that fit; a turn starts at a user message that carries text."""
    starts = [i for i, m in enumerate(history) if m.role == "user" and m.text and not m.tool_results]
    sizes = [len(m.model_dump_json()) for m in history]
    for start in starts:
        if sum(sizes[start:]) <= max_chars:
            return list(history[start:])
    return []


def models_failed_text(error: AllModelsFailed) -> str:
    """Why no model answered, honestly: a rejected key needs an admin (which provider, which variable); only an
    outage (429, 5xx, timeouts, garbage) is worth trying again in a few minutes."""
    rejected: dict[str, str] = {}
    outage = False
    for failure in error.errors:
        provider = failure.model.partition(":")[0]
        if failure.kind in ADMIN_KINDS:
            rejected[messages.provider_label(provider)] = API_KEY_VARIABLES.get(provider, "")
        else:
            outage = True
    if not rejected:
        return messages.MODELS_UNAVAILABLE
    return messages.models_key_rejected(rejected=list(rejected.items()), others_down=outage)


def next_month_label(moment: datetime) -> str:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1).strftime("%b 1")


@dataclass(frozen=True, kw_only=True)
class _Thread:
    """Where a turn's conversation is stored."""

    workspace_id: int
    channel_id: str
    thread_ts: str


class _ThreadKeys(TypedDict):
    """`_Thread` as the repository's keyword arguments."""

    workspace_id: int
    channel_id: str
    thread_ts: str


class AgentService(Generic[ContextT]):
    def __init__(
        self,
        *,
        database: Database,
        models: ModelRegistry,
        tools: ToolRegistry[ContextT],
        prices: PriceTable,
        monthly_budget_usd: float,
        metrics: AgentMetrics | None = None,
        limits: AgentLimits = DEFAULT_LIMITS,
    ) -> None:
        self.database = database
        self.models = models
        self.tools = tools
        self._specs = tool_specs(tools)
        self.prices = prices
        self.monthly_budget_usd = monthly_budget_usd
        self.metrics = metrics
        self.limits = limits
        self._spent: dict[tuple[int, str], tuple[float, float]] = {}  # (workspace, month) → (expires, usd)
        self._keys = KeyWatch()  # providers whose key was rejected, logged once per change

    async def month_spent(self, *, workspace_id: int, now: datetime) -> float:
        """The workspace's model cost this month, re-read from the database at most every `SPENT_TTL_SECONDS`.

        Several replicas share the budget through the database; each may lag the others by that long.
        """
        key = (workspace_id, repo.month_of(now))
        cached = self._spent.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        async with self.database.session() as session:
            spent = await repo.month_cost(session=session, workspace_id=workspace_id, month=key[1])
        self._spent[key] = (time.monotonic() + SPENT_TTL_SECONDS, spent)
        return spent

    def _add_spent(self, *, workspace_id: int, now: datetime, cost: float) -> None:
        key = (workspace_id, repo.month_of(now))
        if key in self._spent:
            expires, spent = self._spent[key]
            self._spent[key] = (expires, spent + cost)

    async def answer(
        self,
        question: str,
        *,
        workspace_id: int,
        channel_id: str,
        thread_ts: str,
        context: ContextT,
        facts: PromptFacts,
        on_event: EventSink | None = None,
        new_thread: bool = False,
    ) -> TurnOutcome:
        """One turn in the thread. `new_thread` (a top-level message) skips looking for stored history."""
        started = time.monotonic()
        now = facts.now
        if (spent_outcome := await self._budget_spent(workspace_id=workspace_id, now=now)) is not None:
            return spent_outcome
        depth = depth_for(question)
        chain = self.models.chain(depth)
        if not chain:
            self._count("no_model")
            return TurnOutcome(status=TurnStatus.NO_MODEL, text=messages.NO_MODEL_CONFIGURED, depth=depth)
        thread = _Thread(workspace_id=workspace_id, channel_id=channel_id, thread_ts=thread_ts)
        history = [] if new_thread else await self._stored_history(thread)
        agent = Agent(
            model=FallbackModel(chain, keys=self._keys), tools=self.tools, limits=self.limits, specs=self._specs
        )
        try:
            result = await _invoke(
                agent, question=question, facts=facts, context=context, history=history, on_event=on_event
            )
        except AllModelsFailed as error:
            log.error("no model answered: %s", error)
            self._count("models_failed")
            return TurnOutcome(status=TurnStatus.MODELS_FAILED, text=models_failed_text(error), depth=depth)
        costs = self.prices.costs_by_model(result.request_usages)
        await self._store(thread, question=question, result=result, costs=costs, now=now, new_thread=new_thread)
        cost = sum(costs.values())
        self._add_spent(workspace_id=workspace_id, now=now, cost=cost)
        self._record(result, costs=costs, seconds=time.monotonic() - started)
        return TurnOutcome(
            status=TurnStatus.USER_PROBLEM if result.stop is StopReason.USER_PROBLEM else TurnStatus.ANSWERED,
            text=result.text,
            result=result,
            depth=depth,
            cost_usd=cost,
            first_turn=not history,
        )

    async def _budget_spent(self, *, workspace_id: int, now: datetime) -> TurnOutcome | None:
        """The "budget spent" outcome when the workspace has spent this month's budget; None otherwise."""
        if self.monthly_budget_usd <= 0:
            return None
        spent = await self.month_spent(workspace_id=workspace_id, now=now)
        if spent < self.monthly_budget_usd:
            return None
        self._count("budget_spent")
        return TurnOutcome(
            status=TurnStatus.BUDGET_SPENT,
            text=messages.budget_spent(month=now.strftime("%B"), next_month=next_month_label(now)),
        )

    async def _stored_history(self, thread: _Thread) -> list[Message]:
        """The thread's stored conversation, its older turns dropped past `HISTORY_CHAR_BUDGET`."""
        async with self.database.session() as session:
            stored = await repo.get_conversation(
                session=session,
                workspace_id=thread.workspace_id,
                channel_id=thread.channel_id,
                thread_ts=thread.thread_ts,
            )
        return trim_history(load_conversation(stored.messages_json)) if stored else []

    async def _store(
        self,
        thread: _Thread,
        *,
        question: str,
        result: AgentResult,
        costs: dict[str, float],
        now: datetime,
        new_thread: bool,
    ) -> None:
        """Append the turn to the thread's conversation, add its usage and cost to the month's and, when the answer
        was posted (`result.posted_ts`), keep what it was made of: one transaction, a statement each in the usual case
        (a new thread, one model)."""
        # A refused turn is left out of the history: carried along, it would make the follow-ups refused too.
        kept = [] if result.stop is StopReason.REFUSED else result.new_messages
        where = _ThreadKeys(workspace_id=thread.workspace_id, channel_id=thread.channel_id, thread_ts=thread.thread_ts)
        async with self.database.session() as session:
            created = new_thread and await repo.start_conversation(
                session=session, **where, messages_json=dump_conversation(kept)
            )
            if not created:
                # Re-read under a row lock: a follow-up answered meanwhile (here or on another replica) keeps its turn.
                latest = await repo.lock_conversation(session=session, **where)
                history = trim_history(load_conversation(latest.messages_json))
                await repo.save_conversation(
                    session=session, **where, messages_json=dump_conversation([*history, *kept])
                )
            for model, usage in result.usage_by_model.items():
                await repo.add_usage(
                    session=session,
                    workspace_id=thread.workspace_id,
                    month=repo.month_of(now),
                    model=model,
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    cached_tokens=usage.cached_tokens,
                    cost_usd=costs.get(model, 0.0),
                )
            if result.posted_ts is not None:
                await repo.record_answer(
                    session=session,
                    **where,
                    message_ts=result.posted_ts,
                    question=question,
                    tool_calls_json=result.tool_calls_record(),
                    model=result.model or "",
                )

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.answers.labels(outcome=outcome).inc()

    def _record(self, result: AgentResult, *, costs: dict[str, float], seconds: float) -> None:
        if self.metrics is None:
            return
        self.metrics.answers.labels(outcome=result.stop.value).inc()
        self.metrics.untraced_numbers.inc(len(result.grounding.untraced))
        for failed in result.fallback_from:
            self.metrics.fallbacks.labels(failed_model=failed).inc()
        for model, usage in result.usage_by_model.items():
            self.metrics.tokens.labels(model=model, kind="input").inc(usage.input_tokens)
            self.metrics.tokens.labels(model=model, kind="output").inc(usage.output_tokens)
            self.metrics.tokens.labels(model=model, kind="cached").inc(usage.cached_tokens)
            self.metrics.cost.labels(model=model).inc(costs.get(model, 0.0))
        self.metrics.model_seconds.inc(result.model_seconds)
        self.metrics.tool_seconds.inc(result.tool_seconds)
        self.metrics.turn_seconds.observe(seconds)


async def _invoke(
    agent: Agent[ContextT],
    *,
    question: str,
    facts: PromptFacts,
    context: ContextT,
    history: list[Message],
    on_event: EventSink | None,
) -> AgentResult:
    """The agent's run: an `invoke_agent` span (GenAI conventions) around its model and tool spans when tracing is
    on, with the turn's token totals and how it ended."""
    attributes = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "lookout"}
    with tracing.child_span("invoke_agent lookout", attributes) as span:
        result = await agent.run(
            question, system=system_prompt(facts), context=context, history=history, on_event=on_event
        )
        if span is not None:
            usage = sum(result.usage_by_model.values(), Usage())
            span.set_attributes(
                {
                    "gen_ai.usage.input_tokens": usage.input_tokens,
                    "gen_ai.usage.output_tokens": usage.output_tokens,
                    "gen_ai.usage.cache_read.input_tokens": usage.cached_tokens,
                    "gen_ai.usage.cache_creation.input_tokens": usage.cache_write_tokens,
                    "lookout.agent.stop": result.stop.value,
                }
            )
        return result
