"""Property and site choices (`storage/repos/google/choices.py`): scoped to a workspace and channel, deleted with
the workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.repos import google as repo
from storage.repos.workspaces import delete_workspace, ensure_workspace

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


async def test_choices_are_per_workspace_and_channel_and_go_with_the_workspace(database: Database) -> None:
    acme = await _workspace(database, "T1")
    other = await _workspace(database, "T2")
    await _connect(database, acme)
    async with database.session() as session:
        await repo.set_property(
            session=session,
            workspace_id=acme,
            channel_id="",
            property_id="123",
            property_name="Acme",
            timezone="Europe/Paris",
            currency="EUR",
            chosen_by_user_id="U1",
            now=NOW,
        )
        await repo.set_site(
            session=session,
            workspace_id=acme,
            channel_id="C9",
            site_url="sc-domain:acme.com",
            chosen_by_user_id="U1",
            now=NOW,
        )
        await repo.set_property(
            session=session,
            workspace_id=acme,
            channel_id="",
            property_id="124",
            property_name="Acme 2",
            timezone=None,
            currency=None,
            chosen_by_user_id="U2",
            now=NOW,
        )
    async with database.session() as session:
        acme_choices = await repo.list_choices(session=session, workspace_id=acme)
        other_choices = await repo.list_choices(session=session, workspace_id=other)
    assert [(c.channel_id, c.property_id, c.site_url) for c in acme_choices] == [
        ("", "124", None),
        ("C9", None, "sc-domain:acme.com"),
    ]
    assert other_choices == []

    async with database.session() as session:
        await delete_workspace(session=session, workspace_id=acme)
    async with database.session() as session:
        assert await repo.list_choices(session=session, workspace_id=acme) == []
        assert await repo.get_connection(session=session, workspace_id=acme) is None
