"""Reading and writing thread conversations, answer feedback and model usage, each scoped by workspace id.

Conversations are stored as the JSON text of the bot's neutral messages; storage does not interpret them.
Usage rows are incremented in the database (`x = x + n`, one upsert) so concurrent turns on several replicas add up.
A new thread's turn is three statements in one transaction: the conversation, the usage and the answer record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.tables.agent import AgentAnswer, AgentConversation, AgentFeedback, ModelUsage
from storage.tables.base import rowcount, utcnow


def _thread_is(*, workspace_id: int, channel_id: str, thread_ts: str) -> tuple[ColumnElement[bool], ...]:
    """The conditions that pick one thread's conversation row."""
    return (
        col(AgentConversation.workspace_id) == workspace_id,
        col(AgentConversation.channel_id) == channel_id,
        col(AgentConversation.thread_ts) == thread_ts,
    )


def _vote(*, workspace_id: int, channel_id: str, message_ts: str, user_id: str) -> SelectOfScalar[AgentFeedback]:
    """One person's vote on one answer."""
    return select(AgentFeedback).where(
        col(AgentFeedback.workspace_id) == workspace_id,
        col(AgentFeedback.channel_id) == channel_id,
        col(AgentFeedback.message_ts) == message_ts,
        col(AgentFeedback.user_id) == user_id,
    )


async def get_conversation(
    *, session: AsyncSession, workspace_id: int, channel_id: str, thread_ts: str
) -> AgentConversation | None:
    statement = select(AgentConversation).where(
        *_thread_is(workspace_id=workspace_id, channel_id=channel_id, thread_ts=thread_ts)
    )
    return (await session.execute(statement)).scalars().first()


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which has `on_conflict_do_nothing` (SQLite and PostgreSQL)."""
    return postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


_USAGE_COUNTS = ("requests", "input_tokens", "output_tokens", "cached_tokens", "cost_usd")


@dataclass(frozen=True)
class _TurnStatements:
    """A turn's three writes for one dialect, built once and given their values as parameters: a statement built
    with `.values(...)` per call costs more to construct and to key for the compiled cache than it takes to run
    (~1 ms of CPU of the three per answer, `lookout bench agent`)."""

    start: Any  # a new thread's conversation, unless the thread has a row already
    answer: Any  # what an answer was made of, once per message
    usage: Any  # a model's usage added to the workspace's month


def _turn_statements(insert: Callable[[Table], Any]) -> _TurnStatements:
    conversations: Table = AgentConversation.__table__  # type: ignore[attr-defined]
    answers: Table = AgentAnswer.__table__  # type: ignore[attr-defined]
    usage: Table = ModelUsage.__table__  # type: ignore[attr-defined]
    usage_insert = insert(usage)
    return _TurnStatements(
        start=insert(conversations).on_conflict_do_nothing(index_elements=["workspace_id", "channel_id", "thread_ts"]),
        answer=insert(answers).on_conflict_do_nothing(index_elements=["workspace_id", "channel_id", "message_ts"]),
        # On a conflict the increments apply to the stored row, so turns on several replicas add up.
        usage=usage_insert.on_conflict_do_update(
            index_elements=["workspace_id", "month", "model"],
            set_={name: usage.c[name] + usage_insert.excluded[name] for name in _USAGE_COUNTS},
        ),
    )


# Keyed by "is PostgreSQL".
_TURN_STATEMENTS = {True: _turn_statements(postgres_insert), False: _turn_statements(sqlite_insert)}


def _statements(session: AsyncSession) -> _TurnStatements:
    return _TURN_STATEMENTS[session.get_bind().dialect.name == "postgresql"]


async def start_conversation(
    *, session: AsyncSession, workspace_id: int, channel_id: str, thread_ts: str, messages_json: str
) -> bool:
    """Store a new thread's first turn in one statement; False (nothing written) when the thread already has a row,
    so the caller appends under `lock_conversation` instead.

    A top-level mention starts a thread that has no row yet: inserting it whole saves the empty row, the locked
    re-read and the update of the general path (two statements of five per answer; `lookout bench agent`).
    """
    now = utcnow()
    result = await session.execute(
        _statements(session).start,
        {
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "thread_ts": thread_ts,
            "messages_json": messages_json,
            "turns": 1,
            "created_at": now,
            "updated_at": now,
        },
    )
    return rowcount(result) == 1


async def lock_conversation(
    *, session: AsyncSession, workspace_id: int, channel_id: str, thread_ts: str
) -> AgentConversation:
    """The thread's conversation row, created empty if needed and locked until the transaction ends.

    A turn saves through this so that two follow-ups answered at once (here or on another replica) append one after
    the other instead of the later one overwriting the earlier one's messages. The INSERT comes first: it takes
    SQLite's write lock, and on PostgreSQL it waits for a concurrent creator to commit.
    """
    now = utcnow()
    await session.execute(
        _insert_for(session)(AgentConversation)
        .values(
            workspace_id=workspace_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            messages_json="[]",
            turns=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["workspace_id", "channel_id", "thread_ts"])
    )
    statement = (
        select(AgentConversation)
        .where(*_thread_is(workspace_id=workspace_id, channel_id=channel_id, thread_ts=thread_ts))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one()


async def save_conversation(
    *, session: AsyncSession, workspace_id: int, channel_id: str, thread_ts: str, messages_json: str
) -> None:
    """Replace the thread's conversation, counting the turn; the row is the one `lock_conversation` created and
    locked earlier in the same transaction."""
    result = await session.execute(
        update(AgentConversation)
        .where(*_thread_is(workspace_id=workspace_id, channel_id=channel_id, thread_ts=thread_ts))
        .values(messages_json=messages_json, turns=col(AgentConversation.turns) + 1, updated_at=utcnow())
    )
    assert rowcount(result) == 1, "save_conversation needs the row lock_conversation holds"


async def record_answer(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    thread_ts: str,
    message_ts: str,
    question: str,
    tool_calls_json: str,
    model: str,
) -> None:
    """Remember what the answer posted at `message_ts` was made of (a repeat for the same message is ignored).

    One INSERT that skips a row already there, rather than a savepoint around an ORM insert (three statements)."""
    await session.execute(
        _statements(session).answer,
        {
            "workspace_id": workspace_id,
            "channel_id": channel_id,
            "thread_ts": thread_ts,
            "message_ts": message_ts,
            "question": question,
            "tool_calls_json": tool_calls_json,
            "model": model[:128],
            "created_at": utcnow(),
        },
    )


async def get_answer(
    *, session: AsyncSession, workspace_id: int, channel_id: str, message_ts: str
) -> AgentAnswer | None:
    statement = select(AgentAnswer).where(
        col(AgentAnswer.workspace_id) == workspace_id,
        col(AgentAnswer.channel_id) == channel_id,
        col(AgentAnswer.message_ts) == message_ts,
    )
    return (await session.execute(statement)).scalars().first()


async def set_feedback_comment(
    *, session: AsyncSession, workspace_id: int, channel_id: str, message_ts: str, user_id: str, comment: str
) -> bool:
    """Add what was wrong to a person's vote on an answer; False when there is no such vote."""
    statement = _vote(workspace_id=workspace_id, channel_id=channel_id, message_ts=message_ts, user_id=user_id)
    row = (await session.execute(statement)).scalars().first()
    if row is None:
        return False
    row.comment = comment
    session.add(row)
    await session.flush()
    return True


async def record_feedback(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    message_ts: str,
    user_id: str,
    rating: int,
    model: str = "",
) -> AgentFeedback:
    """Store a vote (+1 or -1) with what the answer was made of (question, tool calls and model, when Lookout
    recorded the answer); the same person voting again on the same answer replaces the vote."""
    if rating not in (1, -1):
        raise ValueError("rating must be +1 or -1")
    answer = await get_answer(session=session, workspace_id=workspace_id, channel_id=channel_id, message_ts=message_ts)
    question, tool_calls = (answer.question, answer.tool_calls_json) if answer is not None else ("", "[]")
    model = answer.model if answer is not None and answer.model else model
    statement = _vote(workspace_id=workspace_id, channel_id=channel_id, message_ts=message_ts, user_id=user_id)
    row = (await session.execute(statement)).scalars().first()
    if row is None:
        row = AgentFeedback(
            workspace_id=workspace_id,
            channel_id=channel_id,
            message_ts=message_ts,
            user_id=user_id,
            rating=rating,
            model=model,
            question=question,
            tool_calls_json=tool_calls,
        )
        try:
            async with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:
            # The same click reached another replica a moment ago; this vote replaces that one.
            row = (await session.execute(statement.execution_options(populate_existing=True))).scalars().one()
    row.rating = rating
    row.model, row.question, row.tool_calls_json = model, question, tool_calls
    row.created_at = utcnow()
    session.add(row)
    await session.flush()
    return row


async def list_feedback(*, session: AsyncSession, workspace_id: int) -> list[AgentFeedback]:
    statement = select(AgentFeedback).where(col(AgentFeedback.workspace_id) == workspace_id)
    return list((await session.execute(statement.order_by(col(AgentFeedback.id)))).scalars())


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


async def add_usage(
    *,
    session: AsyncSession,
    workspace_id: int,
    month: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int,
    cost_usd: float,
    requests: int = 1,
) -> None:
    """Add one turn's usage of one model to the workspace's month: one upsert, whether or not the row exists yet
    (on a conflict the increments apply to the stored row, so turns on several replicas add up)."""
    await session.execute(
        _statements(session).usage,
        {
            "workspace_id": workspace_id,
            "month": month,
            "model": model,
            "requests": requests,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cached_tokens": cached_tokens,
            "cost_usd": cost_usd,
        },
    )


async def month_cost(*, session: AsyncSession, workspace_id: int, month: str) -> float:
    statement = select(func.coalesce(func.sum(col(ModelUsage.cost_usd)), 0.0)).where(
        col(ModelUsage.workspace_id) == workspace_id, col(ModelUsage.month) == month
    )
    return float((await session.execute(statement)).scalar_one())


async def usage_for_month(*, session: AsyncSession, workspace_id: int, month: str) -> list[ModelUsage]:
    statement = select(ModelUsage).where(col(ModelUsage.workspace_id) == workspace_id, col(ModelUsage.month) == month)
    return list((await session.execute(statement.order_by(col(ModelUsage.model)))).scalars())


async def has_usage(*, session: AsyncSession, workspace_id: int) -> bool:
    """Whether the workspace ever used a model (kept for LOOKOUT_RETENTION_USAGE_MONTHS): "asked a question"."""
    statement = select(col(ModelUsage.id)).where(col(ModelUsage.workspace_id) == workspace_id).limit(1)
    return (await session.execute(statement)).first() is not None
