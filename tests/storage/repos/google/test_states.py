"""OAuth states (`storage/repos/google/states.py`): a consent link's state is verified once, a state sent to Google
is consumed once even by racing processes, and expired or unknown states are never consumed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.repos import google as repo
from storage.repos.workspaces import ensure_workspace

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


async def _workspace(database: Database, team_id: str) -> int:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=team_id)
        await session.flush()
        assert workspace.id is not None
        return workspace.id


async def _link(database: Database, workspace_id: int, state: str, *, expires_in: timedelta) -> None:
    """The state behind a consent link, before its person signed in with Slack."""
    async with database.session() as session:
        await repo.create_oauth_state(
            session=session,
            workspace_id=workspace_id,
            state=state,
            user_id="U1",
            channel_id="C1",
            code_verifier_enc="enc",
            created_at=NOW,
            expires_at=NOW + expires_in,
            nonce="n1",
        )


async def _state(database: Database, workspace_id: int, state: str, *, expires_in: timedelta) -> None:
    """A state sent to Google: issued once the link's person signed in with Slack."""
    await _link(database, workspace_id, f"link-{state}", expires_in=expires_in)
    async with database.session() as session:
        verified = await repo.verify_link_state(
            session=session, state=f"link-{state}", new_state=state, now=NOW, expires_at=NOW + expires_in
        )
    assert verified is not None and (verified.user_id, verified.nonce) == ("U1", "n1")


async def test_a_state_is_consumed_once_even_by_racing_processes(database: Database) -> None:
    # given a fresh state and a second engine standing in for another process
    workspace_id = await _workspace(database, "T1")
    await _state(database, workspace_id, "s1", expires_in=timedelta(minutes=10))
    other = Database(str(database.url.render_as_string(hide_password=False)))

    async def consume(db: Database) -> bool:
        async with db.session() as session:
            return await repo.consume_oauth_state(session=session, state="s1", now=NOW) is not None

    # when both consume it at once
    try:
        results = await asyncio.gather(consume(database), consume(other), consume(database))
    finally:
        await other.dispose()

    # then exactly one wins, and it cannot be consumed again
    assert sorted(results) == [False, False, True]
    assert not await consume(database)


async def test_a_link_state_is_verified_once_and_never_consumed_at_googles_callback(database: Database) -> None:
    workspace_id = await _workspace(database, "T1")
    await _link(database, workspace_id, "link", expires_in=timedelta(minutes=10))
    other = Database(str(database.url.render_as_string(hide_password=False)))

    async def verify(db: Database, new_state: str) -> bool:
        async with db.session() as session:
            verified = await repo.verify_link_state(
                session=session, state="link", new_state=new_state, now=NOW, expires_at=NOW + timedelta(minutes=10)
            )
            return verified is not None

    # the link's own state never completes at Google's callback
    async with database.session() as session:
        assert await repo.consume_oauth_state(session=session, state="link", now=NOW) is None
    # two sign-ins racing (two tabs, two replicas): one verified state is issued
    try:
        results = await asyncio.gather(verify(database, "g1"), verify(other, "g2"))
    finally:
        await other.dispose()
    assert sorted(results) == [False, True]
    async with database.session() as session:
        assert await repo.find_link_state(session=session, state="link", now=NOW) is None


async def test_an_expired_or_unknown_state_is_not_consumed(database: Database) -> None:
    workspace_id = await _workspace(database, "T1")
    await _state(database, workspace_id, "old", expires_in=timedelta(minutes=10))
    async with database.session() as session:
        late = await repo.consume_oauth_state(session=session, state="old", now=NOW + timedelta(minutes=11))
        unknown = await repo.consume_oauth_state(session=session, state="forged", now=NOW)
    assert late is None and unknown is None
