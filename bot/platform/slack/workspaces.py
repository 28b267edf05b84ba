"""Which workspace an incoming request belongs to, honouring uninstalls.

One rule decides it for every request (event, slash command, action, view): the installation bolt authorised the
request with (`owner_of`). Its Google connection, settings, dedupe keys and usage budget are that workspace's, and
its bot token is the one bolt put in the request's client, so an answer can never mix two workspaces. In a Slack
Connect channel the event's envelope names the workspace where it happened while `authorizations[0]` names the
installation Slack delivered it for; the installation wins: the channel gets that workspace's data, posted with that
workspace's token, never the other organisation's (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings, SlackMode
from storage.repos.workspaces import ensure_workspace, get_workspace
from storage.tables.core import Workspace

if TYPE_CHECKING:
    from bot.platform.services import Services


async def resolve_workspace(*, services: Services, enterprise_id: str | None, team_id: str | None) -> Workspace | None:
    """The workspace to act for, or None when nothing should be done for it (unknown or uninstalled)."""
    cached = services.workspace_cache.get(enterprise_id=enterprise_id, team_id=team_id)
    if cached is not None:
        return cached
    async with services.database.session() as session:
        workspace = await find_active_workspace(
            session=session, settings=services.settings, enterprise_id=enterprise_id, team_id=team_id
        )
    if workspace is not None:
        services.workspace_cache.put(workspace)
    return workspace


@dataclass(frozen=True, slots=True)
class WorkspaceKey:
    """A workspace as stored: an org-wide (Enterprise Grid) install has an enterprise id and no team id."""

    enterprise_id: str | None
    team_id: str | None

    @property
    def label(self) -> str:
        """Short and unique, for dedupe keys and log lines."""
        return f"{self.enterprise_id or '-'}/{self.team_id or '-'}"

    @classmethod
    def from_label(cls, label: str) -> WorkspaceKey:
        enterprise_id, _, team_id = label.partition("/")
        return cls(
            enterprise_id=None if enterprise_id in ("", "-") else enterprise_id,
            team_id=None if team_id in ("", "-") else team_id,
        )


def owner_of(context: AsyncBoltContext) -> WorkspaceKey:
    """The workspace that owns this request: the one whose installation bolt looked up to authorise it.

    bolt reads these ids once per request (`authorizations[0]` before the envelope for events, the view's
    `app_installed_team_id` for modals opened across a Slack Connect channel, `enterprise`/`team` for actions)
    and hands exactly them to the installation store; an org-wide install is stored without a team.
    """
    team_id = None if context.is_enterprise_install else context.team_id
    return WorkspaceKey(enterprise_id=context.enterprise_id or None, team_id=team_id or None)


async def resolve_owner(*, services: Services, context: AsyncBoltContext) -> Workspace | None:
    """`resolve_workspace` for the workspace that owns this request (`owner_of`)."""
    return await resolve_key(services=services, key=owner_of(context))


async def resolve_key(*, services: Services, key: WorkspaceKey) -> Workspace | None:
    return await resolve_workspace(services=services, enterprise_id=key.enterprise_id, team_id=key.team_id)


async def find_active_workspace(
    *, session: AsyncSession, settings: Settings, enterprise_id: str | None, team_id: str | None
) -> Workspace | None:
    """`resolve_workspace` inside an open session.

    In single-workspace mode the one workspace is created on first sight; once it is marked uninstalled it stays
    ignored until an operator installs the app again (and restarts with the new token). In multi-workspace mode a
    workspace exists only through an OAuth install.
    """
    workspace = await get_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
    if workspace is None and settings.slack_mode is SlackMode.SINGLE_WORKSPACE and team_id:
        workspace = await ensure_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
    if workspace is None or workspace.uninstalled_at is not None:
        return None
    return workspace
