"""`app_uninstalled` and `tokens_revoked`: forget the workspace's tokens and data.

Multi-workspace mode deletes the workspace row, and with it (ON DELETE CASCADE) its installation, Google
connection and every per-workspace row. Single-workspace mode cannot reinstall by itself, so it marks the
workspace uninstalled and ignores it until an operator installs the app again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.config.settings import SlackMode
from bot.platform.slack.workspaces import owner_of
from storage.repos.workspaces import delete_workspace, get_workspace, mark_uninstalled

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)


async def forget_workspace(*, services: Services, enterprise_id: str | None, team_id: str | None) -> bool:
    """Delete (multi) or mark uninstalled (single) the workspace; False when it was not known."""
    services.workspace_cache.forget(enterprise_id=enterprise_id, team_id=team_id)
    async with services.database.session() as session:
        workspace = await get_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
        if workspace is None or workspace.id is None:
            return False
        if services.settings.slack_mode is SlackMode.SINGLE_WORKSPACE:
            await mark_uninstalled(session=session, workspace_id=workspace.id)
        else:
            await delete_workspace(session=session, workspace_id=workspace.id)
    # Again after the commit: a mention resolved meanwhile must not keep the workspace alive in the cache.
    services.workspace_cache.forget(enterprise_id=enterprise_id, team_id=team_id)
    logger.info("workspace %s/%s uninstalled: tokens and data removed", enterprise_id or "-", team_id)
    return True


def register(app: AsyncApp, *, services: Services) -> None:
    @app.event("app_uninstalled")
    async def on_app_uninstalled(context: AsyncBoltContext) -> None:
        # The installation the event was delivered for, never the envelope's team (another organisation's, in the
        # shape Slack uses for Slack Connect channels): an uninstall must not erase someone else's workspace.
        owner = owner_of(context)
        async with services.background.track():
            await forget_workspace(services=services, enterprise_id=owner.enterprise_id, team_id=owner.team_id)

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        # Only the bot token matters: Lookout never holds user tokens.
        if not (event.get("tokens") or {}).get("bot"):
            return
        owner = owner_of(context)
        async with services.background.track():
            await forget_workspace(services=services, enterprise_id=owner.enterprise_id, team_id=owner.team_id)
