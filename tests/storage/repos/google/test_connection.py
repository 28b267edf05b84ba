"""The Google connection (`storage/repos/google/connection.py`): one refresher at a time, one reconnect notice."""

from __future__ import annotations

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


async def _connect(database: Database, workspace_id: int) -> None:
    async with database.session() as session:
        await repo.save_connection(
            session=session,
            workspace_id=workspace_id,
            refresh_token_enc="r-enc",
            access_token_enc="a-enc",
            access_token_expires_at=NOW + timedelta(hours=1),
            scopes="a b",
            connected_by_user_id="U1",
            connected_at=NOW,
        )


async def test_the_refresh_lease_has_one_holder_until_released_or_expired(database: Database) -> None:
    workspace_id = await _workspace(database, "T1")
    await _connect(database, workspace_id)
    until = NOW + timedelta(seconds=30)
    async with database.session() as session:
        first = await repo.acquire_refresh_lease(
            session=session, workspace_id=workspace_id, owner="a", now=NOW, until=until, token_enc="a-enc"
        )
    async with database.session() as session:
        second = await repo.acquire_refresh_lease(
            session=session, workspace_id=workspace_id, owner="b", now=NOW, until=until, token_enc="a-enc"
        )
    async with database.session() as session:
        after_expiry = await repo.acquire_refresh_lease(
            session=session,
            workspace_id=workspace_id,
            owner="c",
            now=until + timedelta(seconds=1),
            until=until,
            token_enc="a-enc",
        )
    async with database.session() as session:
        # "a" lost its lease to "c": its late result must not overwrite anything
        stored_by_a = await repo.store_refreshed_token(
            session=session,
            workspace_id=workspace_id,
            owner="a",
            access_token_enc="x",
            expires_at=None,
            refresh_token_enc=None,
            now=NOW,
        )
    assert (first, second, after_expiry, stored_by_a) == (True, False, True, False)


async def test_no_lease_once_the_token_read_as_due_was_replaced_by_another_process(database: Database) -> None:
    workspace_id = await _workspace(database, "T1")
    await _connect(database, workspace_id)
    until = NOW + timedelta(seconds=30)
    # "a" renews and stores its token (releasing its lease) while "b" still holds the row it read before that
    async with database.session() as session:
        assert await repo.acquire_refresh_lease(
            session=session, workspace_id=workspace_id, owner="a", now=NOW, until=until, token_enc="a-enc"
        )
    async with database.session() as session:
        assert await repo.store_refreshed_token(
            session=session,
            workspace_id=workspace_id,
            owner="a",
            access_token_enc="a2-enc",
            expires_at=None,
            refresh_token_enc=None,
            now=NOW,
        )
    async with database.session() as session:
        stale = await repo.acquire_refresh_lease(
            session=session, workspace_id=workspace_id, owner="b", now=NOW, until=until, token_enc="a-enc"
        )
    async with database.session() as session:
        current = await repo.acquire_refresh_lease(
            session=session, workspace_id=workspace_id, owner="b", now=NOW, until=until, token_enc="a2-enc"
        )

    assert (stale, current) == (False, True)


async def test_needs_reconnect_notifies_once_and_reconnecting_clears_it(database: Database) -> None:
    workspace_id = await _workspace(database, "T1")
    await _connect(database, workspace_id)
    async with database.session() as session:
        first = await repo.mark_needs_reconnect(session=session, workspace_id=workspace_id, now=NOW)
        again = await repo.mark_needs_reconnect(session=session, workspace_id=workspace_id, now=NOW)
        connection = await repo.get_connection(session=session, workspace_id=workspace_id)
        assert connection is not None
        assert connection.status == "needs_reconnect" and connection.access_token_enc is None
    assert (first, again) == (True, False)

    await _connect(database, workspace_id)
    async with database.session() as session:
        connection = await repo.get_connection(session=session, workspace_id=workspace_id)
    assert connection is not None
    assert connection.status == "healthy" and connection.reconnect_notified_at is None
