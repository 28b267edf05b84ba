"""The named Lookout managers, guest access and the settings-change trail of one workspace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables.access import SettingsChange, WorkspaceAccess
from storage.tables.core import SlackInstallation


async def get_access(*, session: AsyncSession, workspace_id: int) -> WorkspaceAccess | None:
    statement = select(WorkspaceAccess).where(col(WorkspaceAccess.workspace_id) == workspace_id)
    return (await session.execute(statement)).scalars().first()


async def save_access(
    *,
    session: AsyncSession,
    workspace_id: int,
    manager_user_ids: list[str],
    manager_group_id: str,
    manager_group_handle: str,
    guests_may_ask: bool,
    updated_by: str,
    now: datetime,
) -> WorkspaceAccess:
    row = await get_access(session=session, workspace_id=workspace_id)
    if row is None:
        row = WorkspaceAccess(workspace_id=workspace_id)
        session.add(row)
    row.manager_user_ids = " ".join(dict.fromkeys(manager_user_ids))
    row.manager_group_id = manager_group_id
    row.manager_group_handle = manager_group_handle
    row.guests_may_ask = guests_may_ask
    row.updated_by = updated_by
    row.updated_at = now
    await session.flush()
    return row


async def installer_user_id(*, session: AsyncSession, workspace_id: int) -> str | None:
    """Who installed Lookout through "Add to Slack" (multi-workspace mode); None when unknown."""
    statement = select(SlackInstallation.installer_user_id).where(col(SlackInstallation.workspace_id) == workspace_id)
    return (await session.execute(statement)).scalars().first()


async def record_change(
    *, session: AsyncSession, workspace_id: int, user_id: str, surface: str, action: str, detail: str, now: datetime
) -> None:
    session.add(
        SettingsChange(
            workspace_id=workspace_id, user_id=user_id, surface=surface, action=action, detail=detail, created_at=now
        )
    )


async def recent_changes(*, session: AsyncSession, workspace_id: int, limit: int) -> list[SettingsChange]:
    statement = (
        select(SettingsChange)
        .where(col(SettingsChange.workspace_id) == workspace_id)
        .order_by(col(SettingsChange.created_at).desc(), col(SettingsChange.id).desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())
