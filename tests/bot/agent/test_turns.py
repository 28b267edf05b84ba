"""A turn with its surroundings: stored thread history, usage and cost per workspace and model, the budget."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import event

from bot.agent.cost import PriceTable
from bot.agent.events import AgentEvent, AnswerDone, EventSink
from bot.agent.metrics import AgentMetrics
from bot.agent.prompt import PromptFacts
from bot.agent.turns import AgentService, TurnOutcome, TurnStatus, trim_history
from bot.config.settings import Settings
from bot.fakes.llm_script import LLMFakeServer, Reply, ScriptedToolCall
from bot.llm.messages import Message, TextPart, ToolCallPart, ToolResultPart, load_conversation, user_text
from bot.llm.registry import ModelRegistry
from storage.db import Database
from storage.repos import agent as repo
from storage.repos.workspaces import ensure_workspace
from tests.bot.agent.conftest import LoopContext, registry

NOW = datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
FACTS = PromptFacts(now=NOW, timezone="Europe/Paris", property_id="123456", property_name="Acme")
WEEK = {"metric": "sessions", "start_date": "2026-11-16", "end_date": "2026-11-18"}
# "Sessions this week?": one tool call, then the answer, with the token counts the usage rows add up.
SESSIONS_THIS_WEEK = (
    Reply(tool_calls=(ScriptedToolCall("daily_sessions", WEEK),), input_tokens=1000, output_tokens=100),
    Reply(text="4,402 sessions on Nov 18.", input_tokens=1200, output_tokens=50),
)


def service(database: Database, fake: LLMFakeServer, *, budget: float = 50.0) -> AgentService[LoopContext]:
    settings = Settings(
        _env_file=None,
        anthropic_api_key=SecretStr("test-key"),
        anthropic_base_url=fake.url,
        lookout_models_fast="anthropic:claude-haiku-4-5",
        lookout_models_deep="anthropic:claude-sonnet-4-6",
    )
    return AgentService(
        database=database,
        models=ModelRegistry(settings),
        tools=registry(),
        prices=PriceTable.from_config('{"anthropic:claude-haiku-4-5": {"input": 1.0, "output": 5.0}}'),
        monthly_budget_usd=budget,
        metrics=AgentMetrics(CollectorRegistry()),
    )


async def ask(
    agent: AgentService[LoopContext],
    question: str,
    *,
    workspace_id: int,
    thread_ts: str,
    on_event: EventSink | None = None,
    new_thread: bool = False,
) -> TurnOutcome:
    """`agent.answer` in channel C1 with the tests' context and facts."""
    return await agent.answer(
        question,
        workspace_id=workspace_id,
        channel_id="C1",
        thread_ts=thread_ts,
        context=LoopContext(),
        facts=FACTS,
        on_event=on_event,
        new_thread=new_thread,
    )


async def workspace_id(database: Database) -> int:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id="", team_id="T1")
        assert workspace.id is not None
        return workspace.id


async def test_follow_up_in_the_thread_keeps_the_stored_context(
    database: Database, fakes: dict[str, LLMFakeServer]
) -> None:
    fake = fakes["anthropic"]
    fake.script(*SESSIONS_THIS_WEEK, Reply(text="Nov 16 had 4,210.", input_tokens=1500, output_tokens=40))
    agent = service(database, fake)
    ws = await workspace_id(database)

    first = await ask(agent, "sessions this week?", workspace_id=ws, thread_ts="1.0")
    second = await ask(agent, "and on Monday?", workspace_id=ws, thread_ts="1.0")

    assert first.status is TurnStatus.ANSWERED and second.status is TurnStatus.ANSWERED
    # The follow-up carried the first turn (with its tool call and result) to the model
    sent = fake.requests[2].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "assistant", "user"]
    assert sent[2]["content"][0]["type"] == "tool_result"
    assert second.result is not None and second.result.grounding.untraced == ()  # 4,210 traced to turn one
    async with database.session() as session:
        stored = await repo.get_conversation(session=session, workspace_id=ws, channel_id="C1", thread_ts="1.0")
        usage = await repo.usage_for_month(session=session, workspace_id=ws, month="2026-11")
    assert stored is not None and stored.turns == 2
    assert [(u.model, u.requests, u.input_tokens, u.output_tokens) for u in usage] == [
        ("anthropic:claude-haiku-4-5", 2, 3700, 190)
    ]
    assert abs(usage[0].cost_usd - (3700 * 1.0 + 190 * 5.0) / 1e6) < 1e-12


async def test_a_spent_budget_answers_without_calling_a_model(
    database: Database, fakes: dict[str, LLMFakeServer]
) -> None:
    fake = fakes["anthropic"]
    ws = await workspace_id(database)
    async with database.session() as session:
        await repo.add_usage(
            session=session,
            workspace_id=ws,
            month="2026-11",
            model="anthropic:claude-sonnet-4-6",
            input_tokens=1,
            output_tokens=1,
            cached_tokens=0,
            cost_usd=10.5,
        )

    outcome = await service(database, fake, budget=10.0).answer(
        "sessions?", workspace_id=ws, channel_id="C1", thread_ts="2.0", context=LoopContext(), facts=FACTS
    )

    assert outcome.status is TurnStatus.BUDGET_SPENT
    assert outcome.text.startswith("This workspace has used its AI budget for November; answers resume on Dec 1")
    assert fake.requests == []


async def test_analysis_questions_go_to_the_deep_models(database: Database, fakes: dict[str, LLMFakeServer]) -> None:
    fake = fakes["anthropic"]
    fake.script(Reply(text="Because of rankings."), Reply(text="Yes."))
    agent = service(database, fake)
    ws = await workspace_id(database)

    await agent.answer(
        "why did traffic drop?", workspace_id=ws, channel_id="C", thread_ts="3", context=LoopContext(), facts=FACTS
    )
    await agent.answer(
        "sessions yesterday?", workspace_id=ws, channel_id="C", thread_ts="4", context=LoopContext(), facts=FACTS
    )

    assert [r.body["model"] for r in fake.requests] == ["claude-sonnet-4-6", "claude-haiku-4-5"]
    rules, situation = fake.requests[0].body["system"]
    # The rules are one cached block (the same for every workspace and day); the day and property follow.
    assert "cache_control" in rules and rules["text"].startswith("You are Lookout")
    assert "Today is Thursday 2026-11-19" in situation["text"] and "cache_control" not in situation
    assert "properties/123456" in situation["text"]


def test_trimming_keeps_whole_turns() -> None:
    call = ToolCallPart(id="c1", name="t", arguments="{}")
    history = [
        user_text("old question " * 50),
        Message(role="assistant", parts=(call,)),
        Message(role="user", parts=(ToolResultPart(call_id="c1", name="t", content="x" * 500),)),
        Message(role="assistant", parts=(TextPart(text="old answer"),)),
        user_text("new question"),
        Message(role="assistant", parts=(TextPart(text="new answer"),)),
    ]

    assert trim_history(history, max_chars=400) == history[4:]
    assert trim_history(history, max_chars=100_000) == history


async def test_a_new_threads_turn_is_stored_in_one_transaction_of_three_statements(
    database: Database, fakes: dict[str, LLMFakeServer]
) -> None:
    fake = fakes["anthropic"]
    fake.script(*SESSIONS_THIS_WEEK)
    agent = service(database, fake)
    ws = await workspace_id(database)
    await agent.month_spent(workspace_id=ws, now=NOW)  # the budget, read once and kept for a while
    statements: list[str] = []
    commits: list[object] = []

    def on_commit(connection: object) -> None:
        commits.append(connection)

    def on_statement(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement.split()[0].upper())

    async def posted(event: AgentEvent) -> None:
        if isinstance(event, AnswerDone):
            event.result.posted_ts = "5.5"  # as the Slack renderer does once the message is finished

    event.listen(database.engine.sync_engine, "before_cursor_execute", on_statement)
    event.listen(database.engine.sync_engine, "commit", on_commit)
    try:
        # When a mention that opens a thread is answered,
        outcome = await ask(
            agent, "sessions this week?", workspace_id=ws, thread_ts="5.0", on_event=posted, new_thread=True
        )
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", on_statement)
        event.remove(database.engine.sync_engine, "commit", on_commit)

    # then the conversation, the usage and the answer's record go to the database in one transaction of three
    # statements (no read of a history a new thread cannot have, no savepoints),
    assert outcome.status is TurnStatus.ANSWERED
    assert (len(commits), statements) == (1, ["INSERT", "INSERT", "INSERT"])
    # and each is stored as before.
    async with database.session() as session:
        stored = await repo.get_conversation(session=session, workspace_id=ws, channel_id="C1", thread_ts="5.0")
        usage = await repo.usage_for_month(session=session, workspace_id=ws, month="2026-11")
        answer = await repo.get_answer(session=session, workspace_id=ws, channel_id="C1", message_ts="5.5")
    assert stored is not None and stored.turns == 1 and len(load_conversation(stored.messages_json)) == 4
    assert [(u.requests, u.input_tokens, u.output_tokens) for u in usage] == [(1, 2200, 150)]
    assert answer is not None and answer.question == "sessions this week?" and answer.thread_ts == "5.0"
    assert json.loads(answer.tool_calls_json) == [{"name": "daily_sessions", "arguments": WEEK, "ok": True}]
    assert answer.model == "anthropic:claude-haiku-4-5"
