"""Which workspace an incoming request belongs to, honouring uninstalls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.settings import SlackMode
from storage.repos.workspaces import ensure_workspace, get_workspace
from storage.tables.core import Workspace

if TYPE_CHECKING:
    from bot.services import Services


async def resolve_workspace(*, services: Services, enterprise_id: str | None, team_id: str | None) -> Workspace | None:
    """The workspace to act for, or None when nothing should be done for it (unknown or uninstalled).

    In single-workspace mode the one workspace is created on first sight; once it is marked uninstalled it stays
    ignored until an operator installs the app again (and restarts with the new token). In multi-workspace mode a
    workspace exists only through an OAuth install.
    """
    async with services.database.session() as session:
        workspace = await get_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
        if workspace is None and services.settings.slack_mode is SlackMode.SINGLE_WORKSPACE and team_id:
            workspace = await ensure_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
    if workspace is None or workspace.uninstalled_at is not None:
        return None
    return workspace
