"""Finding, creating and forgetting workspaces."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables.base import utcnow
from storage.tables.core import Workspace


async def get_workspace(*, session: AsyncSession, enterprise_id: str | None, team_id: str | None) -> Workspace | None:
    result = await session.execute(
        select(Workspace).where(Workspace.enterprise_id == (enterprise_id or ""), Workspace.team_id == (team_id or ""))
    )
    return result.scalar_one_or_none()


async def get_workspace_by_id(*, session: AsyncSession, workspace_id: int) -> Workspace | None:
    return await session.get(Workspace, workspace_id)


async def ensure_workspace(
    *, session: AsyncSession, enterprise_id: str | None, team_id: str | None, name: str = ""
) -> Workspace:
    """The workspace row for this key, created on first sight; safe when two processes race to create it."""
    existing = await get_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
    if existing is not None:
        if name and existing.name != name:
            existing.name = name
        if existing.uninstalled_at is not None:
            existing.uninstalled_at = None
        return existing
    workspace = Workspace(enterprise_id=enterprise_id or "", team_id=team_id or "", name=name)
    try:
        async with session.begin_nested():
            session.add(workspace)
    except IntegrityError:
        found = await get_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
        assert found is not None  # the conflicting row exists: another process just created it
        return found
    return workspace


async def delete_workspace(*, session: AsyncSession, workspace_id: int) -> None:
    """Forget a workspace: its installation, Google connection and every row that hangs off it (ON DELETE CASCADE)."""
    await session.execute(delete(Workspace).where(col(Workspace.id) == workspace_id))


async def mark_uninstalled(*, session: AsyncSession, workspace_id: int) -> None:
    workspace = await session.get(Workspace, workspace_id)
    if workspace is not None:
        workspace.uninstalled_at = utcnow()
