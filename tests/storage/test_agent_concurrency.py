"""Agent rows written by several replicas at once: one vote per person and answer, whoever stores it first."""

from __future__ import annotations

import asyncio

import pytest

from storage.db import Database
from storage.repos import agent as repo
from storage.repos.workspaces import ensure_workspace


async def test_a_vote_racing_another_replicas_vote_replaces_it_instead_of_failing(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has one writer at a time: the two votes cannot interleave")
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id="", team_id="T1")
        assert workspace.id is not None
        ws = workspace.id
    other_replica = Database(database.url.render_as_string(hide_password=False))

    async def vote(replica: Database, rating: int) -> None:
        async with replica.session() as session:
            await repo.record_feedback(
                session=session, workspace_id=ws, channel_id="C1", message_ts="9.0", user_id="U1", rating=rating
            )

    try:
        # Given one replica storing a person's 👍 (not yet committed),
        async with database.session() as session:
            await repo.record_feedback(
                session=session, workspace_id=ws, channel_id="C1", message_ts="9.0", user_id="U1", rating=1
            )
            # when their 👎 on the same answer reaches another replica, which finds no vote yet and inserts,
            second = asyncio.create_task(vote(other_replica, -1))
            await asyncio.sleep(0.5)
            assert not second.done()  # waiting on the first vote's row
        await asyncio.wait_for(second, timeout=10)
    finally:
        await other_replica.dispose()

    # then the second click does not fail: it replaces the first, and one vote is kept.
    async with database.session() as session:
        votes = await repo.list_feedback(session=session, workspace_id=ws)
    assert [vote.rating for vote in votes] == [-1]
