"""Storing a turn: a new thread's first turn in one statement, later turns appended; an answer recorded once."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.repos import agent as repo
from storage.repos.workspaces import ensure_workspace

HAIKU = "anthropic:claude-haiku-5-5"


async def _workspace(database: Database) -> int:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id="", team_id="T1")
        assert workspace.id is not None
        return workspace.id


async def test_a_thread_is_started_once_and_later_turns_append_under_the_lock(database: Database) -> None:
    ws = await _workspace(database)
    thread = {"workspace_id": ws, "channel_id": "C1", "thread_ts": "1.0"}

    async with database.session() as session:
        started = await repo.start_conversation(session=session, messages_json='["first"]', **thread)
    async with database.session() as session:
        # the same thread again (a retried delivery): nothing is written, the caller appends instead
        started_again = await repo.start_conversation(session=session, messages_json='["again"]', **thread)
        before = (await repo.lock_conversation(session=session, **thread)).messages_json
        await repo.save_conversation(session=session, messages_json='["first", "second"]', **thread)

    async with database.session() as session:
        stored = await repo.get_conversation(session=session, **thread)
    assert (started, started_again, before) == (True, False, '["first"]')
    assert stored is not None and (stored.messages_json, stored.turns) == ('["first", "second"]', 2)


async def test_an_answer_recorded_twice_keeps_the_first_record(database: Database) -> None:
    ws = await _workspace(database)
    answer = {"workspace_id": ws, "channel_id": "C1", "thread_ts": "1.0", "message_ts": "1.5"}

    async with database.session() as session:
        await repo.record_answer(session=session, question="sessions?", tool_calls_json="[]", model="m" * 200, **answer)
    async with database.session() as session:
        await repo.record_answer(session=session, question="again", tool_calls_json="[1]", model="other", **answer)

    async with database.session() as session:
        stored = await repo.get_answer(session=session, workspace_id=ws, channel_id="C1", message_ts="1.5")
    assert stored is not None
    assert (stored.question, stored.tool_calls_json, stored.model) == ("sessions?", "[]", "m" * 128)


async def _use(session: AsyncSession, *, workspace_id: int, month: str, tokens: int, cost: float) -> None:
    """One turn's usage of Haiku: `tokens` in, a tenth of them out, half of them cached, in two requests."""
    await repo.add_usage(
        session=session,
        workspace_id=workspace_id,
        month=month,
        model=HAIKU,
        input_tokens=tokens,
        output_tokens=tokens // 10,
        cached_tokens=tokens // 2,
        cost_usd=cost,
        requests=2,
    )


async def test_usage_of_a_model_adds_up_over_turns_in_one_row(database: Database) -> None:
    ws = await _workspace(database)
    for tokens, cost in ((1000, 0.25), (500, 0.5)):
        async with database.session() as session:
            await _use(session, workspace_id=ws, month="2026-12", tokens=tokens, cost=cost)
    async with database.session() as session:
        # Another month and another workspace's totals stay apart.
        await _use(session, workspace_id=ws, month="2026-11", tokens=70, cost=7.0)
        rows = await repo.usage_for_month(session=session, workspace_id=ws, month="2026-12")
        other = await repo.usage_for_month(session=session, workspace_id=ws + 1, month="2026-12")
    assert [(r.model, r.requests, r.input_tokens, r.output_tokens, r.cached_tokens) for r in rows] == [
        (HAIKU, 4, 1500, 150, 750)
    ]
    assert abs(rows[0].cost_usd - 0.75) < 1e-12
    assert other == []
