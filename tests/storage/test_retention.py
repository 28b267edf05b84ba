"""The retention purge deletes exactly what is past its limit, in every workspace; the month arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from storage.db import Database
from storage.repos import agent as agent_repo
from storage.repos.retention import first_kept_month, purge_expired
from storage.repos.workspaces import ensure_workspace
from storage.tables.agent import AgentAnswer, AgentFeedback
from tests.helpers import retention_data

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "months", "expected"),
    [
        (datetime(2026, 11, 21, tzinfo=UTC), 13, "2025-11"),
        (datetime(2026, 1, 1, tzinfo=UTC), 13, "2025-01"),
        (datetime(2026, 1, 31, tzinfo=UTC), 1, "2026-01"),
        (datetime(2026, 12, 31, tzinfo=UTC), 12, "2026-01"),
    ],
)
def test_the_first_month_kept_counts_the_current_month(now: datetime, months: int, expected: str) -> None:
    assert first_kept_month(now, months=months) == expected


async def test_exactly_what_is_past_retention_is_deleted_in_every_workspace(database: Database) -> None:
    async with database.session() as session:
        ids = []
        for team in ("T1", "T2"):
            workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=team)
            await session.flush()
            assert workspace.id is not None
            ids.append(workspace.id)
    expected = retention_data.Remaining(threads=set(), months=set(), trail=set())
    for workspace_id in ids:
        expected = await retention_data.seed(database, workspace_id=workspace_id, now=NOW)

    async with database.session() as session:
        deleted = await purge_expired(
            session=session, text_before=NOW - timedelta(days=90), usage_from_month=first_kept_month(NOW, months=13)
        )

    assert deleted == {
        "agentconversation": 4,
        "agentanswer": 0,
        "agentfeedback": 0,
        "modelusage": 4,
        "settingschange": 2,
    }
    assert await retention_data.remaining(database) == expected


async def test_answer_records_go_and_votes_lose_their_text_with_the_conversations(database: Database) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T1")
        await session.flush()
        assert workspace.id is not None
        for ts, age in (("1.0", 120), ("2.0", 10)):
            await agent_repo.record_answer(
                session=session,
                workspace_id=workspace.id,
                channel_id="C1",
                thread_ts="0.1",
                message_ts=ts,
                question=f"question {ts}",
                tool_calls_json='[{"name": "ga4_run_report"}]',
                model="anthropic:claude-haiku-4-5",
            )
            vote = await agent_repo.record_feedback(
                session=session, workspace_id=workspace.id, channel_id="C1", message_ts=ts, user_id="U1", rating=-1
            )
            vote.comment = "wrong dates"
            vote.created_at = NOW - timedelta(days=age)
            session.add(vote)
        await session.execute(
            update(AgentAnswer).where(col(AgentAnswer.message_ts) == "1.0").values(created_at=NOW - timedelta(days=120))
        )

    async with database.session() as session:
        deleted = await purge_expired(
            session=session, text_before=NOW - timedelta(days=90), usage_from_month=first_kept_month(NOW, months=13)
        )
        answers = list((await session.execute(select(AgentAnswer))).scalars())
        votes = list((await session.execute(select(AgentFeedback).order_by(col(AgentFeedback.message_ts)))).scalars())

    assert (deleted["agentanswer"], deleted["agentfeedback"]) == (1, 1)
    assert [answer.message_ts for answer in answers] == ["2.0"]
    old, recent = votes
    assert (old.rating, old.model, old.question, old.tool_calls_json, old.comment) == (
        -1,
        "anthropic:claude-haiku-4-5",
        "",
        "[]",
        "",
    )
    assert (recent.question, recent.comment) == ("question 2.0", "wrong dates")
