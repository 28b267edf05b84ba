"""Workspaces are keyed by (enterprise_id, team_id) and deleting one takes its rows with it."""

from sqlalchemy import select

from storage.crypto import TokenCipher
from storage.db import Database
from storage.repos.workspaces import delete_workspace, ensure_workspace, get_workspace
from storage.tables.core import SlackInstallation


async def test_ensure_is_idempotent_and_keyed_by_enterprise_and_team(database: Database) -> None:
    async with database.session() as session:
        first = await ensure_workspace(session=session, enterprise_id=None, team_id="T1", name="Acme")
        again = await ensure_workspace(session=session, enterprise_id="", team_id="T1")
        grid = await ensure_workspace(session=session, enterprise_id="E1", team_id="T1")

    assert first.id == again.id
    assert grid.id != first.id


async def test_delete_cascades_to_the_installation(database: Database, cipher: TokenCipher) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T1")
        assert workspace.id is not None
        session.add(SlackInstallation(workspace_id=workspace.id, bot_token_enc=cipher.encrypt("xoxb-1")))
    async with database.session() as session:
        await delete_workspace(session=session, workspace_id=workspace.id)
    async with database.session() as session:
        remaining = (await session.execute(select(SlackInstallation))).scalars().all()
        gone = await get_workspace(session=session, enterprise_id=None, team_id="T1")

    assert remaining == []
    assert gone is None
