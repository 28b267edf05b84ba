"""What every per-workspace command (`ask`, `digest`, `export`, `purge`) does first: bring the database up to date,
then find the workspace the operator named by its Slack team id."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bot.text import operator as operator_messages
from storage.migrate import prepare_database
from storage.repos.workspaces import get_workspace
from storage.tables.core import Workspace

if TYPE_CHECKING:
    from bot.config.settings import Settings
    from bot.platform.services import Services


async def open_workspace(
    *, services: Services, settings: Settings, team_id: str, err: TextIO
) -> tuple[Workspace, int] | None:
    """The workspace and its id; None (after saying so on `err`) when no workspace has that team id.

    A fresh install has no tables yet, so like `serve` the command migrates first.
    """
    await prepare_database(services.database, wait_seconds=settings.lookout_database_wait_seconds)
    async with services.database.session() as session:
        workspace = await get_workspace(session=session, enterprise_id=None, team_id=team_id)
    if workspace is None or workspace.id is None:
        err.write(operator_messages.no_such_workspace(team_id=team_id) + "\n")
        return None
    return workspace, workspace.id
