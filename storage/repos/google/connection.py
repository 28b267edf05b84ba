"""A workspace's Google connection: its encrypted tokens, the refresh lease (one refresher across processes), its
health (needs reconnect, last success), and the built-in sample property in place of Google."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from storage.tables.base import aware_utc, rowcount
from storage.tables.core import Workspace
from storage.tables.google import ConnectionStatus, GoogleChoice, GoogleConnection, GoogleOAuthState


def as_utc(value: datetime | None) -> datetime | None:
    """`aware_utc`, passing None through."""
    return None if value is None else aware_utc(value)


async def get_connection(*, session: AsyncSession, workspace_id: int) -> GoogleConnection | None:
    result = await session.execute(select(GoogleConnection).where(col(GoogleConnection.workspace_id) == workspace_id))
    return result.scalar_one_or_none()


async def save_connection(
    *,
    session: AsyncSession,
    workspace_id: int,
    refresh_token_enc: str,
    access_token_enc: str | None,
    access_token_expires_at: datetime | None,
    scopes: str,
    access_token_issued_at: datetime | None = None,
    connected_by_user_id: str,
    connected_at: datetime,
    google_email: str | None = None,
) -> GoogleConnection:
    """Store a fresh grant, replacing any previous one; a reconnect clears the needs-reconnect state, and a
    workspace on the sample property leaves it in the same transaction (its own data replaces the sample's)."""
    await stop_sample_data(session=session, workspace_id=workspace_id)
    values: dict[str, Any] = {
        "refresh_token_enc": refresh_token_enc,
        "access_token_enc": access_token_enc,
        "access_token_expires_at": access_token_expires_at,
        "access_token_issued_at": access_token_issued_at,
        "scopes": scopes,
        "connected_by_user_id": connected_by_user_id,
        "connected_at": connected_at,
        "google_email": google_email,
        "status": ConnectionStatus.HEALTHY.value,
        "reconnect_notified_at": None,
        "refresh_lease_owner": None,
        "refresh_lease_until": None,
    }
    existing = await get_connection(session=session, workspace_id=workspace_id)
    if existing is None:
        try:
            async with session.begin_nested():
                session.add(GoogleConnection(workspace_id=workspace_id, **values))
        except IntegrityError:
            pass  # another process connected this workspace at the same moment: the update below wins
        else:
            found = await get_connection(session=session, workspace_id=workspace_id)
            assert found is not None
            return found
    await session.execute(
        update(GoogleConnection).where(col(GoogleConnection.workspace_id) == workspace_id).values(**values)
    )
    found = await get_connection(session=session, workspace_id=workspace_id)
    assert found is not None
    await session.refresh(found)
    return found


async def acquire_refresh_lease(
    *,
    session: AsyncSession,
    workspace_id: int,
    owner: str,
    now: datetime,
    until: datetime,
    token_enc: str | None,
) -> bool:
    """Take the right to refresh this workspace's access token until `until`; False when someone else holds it, or
    when the stored access token is no longer `token_enc` (the one the caller read and found due).

    The token check is in the same statement because reading the row and taking the lease are two steps: another
    process can store a new token and release its lease in between, and without the check the late reader would
    take the free lease and refresh a second time."""
    taken = rowcount(
        await session.execute(
            update(GoogleConnection)
            .where(
                col(GoogleConnection.workspace_id) == workspace_id,
                col(GoogleConnection.status) == ConnectionStatus.HEALTHY.value,
                col(GoogleConnection.access_token_enc).is_not_distinct_from(token_enc),
                or_(
                    col(GoogleConnection.refresh_lease_until).is_(None),
                    col(GoogleConnection.refresh_lease_until) < now,
                ),
            )
            .values(refresh_lease_owner=owner, refresh_lease_until=until)
        )
    )
    return taken == 1


async def release_refresh_lease(*, session: AsyncSession, workspace_id: int, owner: str) -> None:
    await session.execute(
        update(GoogleConnection)
        .where(col(GoogleConnection.workspace_id) == workspace_id, col(GoogleConnection.refresh_lease_owner) == owner)
        .values(refresh_lease_owner=None, refresh_lease_until=None)
    )


async def store_refreshed_token(
    *,
    session: AsyncSession,
    workspace_id: int,
    owner: str,
    access_token_enc: str,
    expires_at: datetime | None,
    refresh_token_enc: str | None,
    now: datetime,
    issued_at: datetime | None = None,
) -> bool:
    """Save a refreshed access token and release the lease; False when the lease was lost (nothing saved)."""
    values: dict[str, Any] = {
        "access_token_enc": access_token_enc,
        "access_token_expires_at": expires_at,
        "access_token_issued_at": issued_at,
        "refresh_lease_owner": None,
        "refresh_lease_until": None,
        "last_success_at": now,
    }
    if refresh_token_enc is not None:
        values["refresh_token_enc"] = refresh_token_enc  # Google rotated it
    stored = rowcount(
        await session.execute(
            update(GoogleConnection)
            .where(
                col(GoogleConnection.workspace_id) == workspace_id, col(GoogleConnection.refresh_lease_owner) == owner
            )
            .values(**values)
        )
    )
    return stored == 1


async def mark_needs_reconnect(*, session: AsyncSession, workspace_id: int, now: datetime) -> bool:
    """Flag the grant as dead. True only for the one caller that should tell the person who connected."""
    await session.execute(
        update(GoogleConnection)
        .where(col(GoogleConnection.workspace_id) == workspace_id)
        .values(
            status=ConnectionStatus.NEEDS_RECONNECT.value,
            access_token_enc=None,
            access_token_expires_at=None,
            access_token_issued_at=None,
            refresh_lease_owner=None,
            refresh_lease_until=None,
        )
    )
    first = rowcount(
        await session.execute(
            update(GoogleConnection)
            .where(
                col(GoogleConnection.workspace_id) == workspace_id,
                col(GoogleConnection.reconnect_notified_at).is_(None),
            )
            .values(reconnect_notified_at=now)
        )
    )
    return first == 1


async def record_success(*, session: AsyncSession, workspace_id: int, now: datetime) -> None:
    await session.execute(
        update(GoogleConnection).where(col(GoogleConnection.workspace_id) == workspace_id).values(last_success_at=now)
    )


async def delete_connection(*, session: AsyncSession, workspace_id: int) -> None:
    """Forget the grant, every choice and every pending state of this workspace."""
    await session.execute(delete(GoogleConnection).where(col(GoogleConnection.workspace_id) == workspace_id))
    await session.execute(delete(GoogleChoice).where(col(GoogleChoice.workspace_id) == workspace_id))
    await session.execute(delete(GoogleOAuthState).where(col(GoogleOAuthState.workspace_id) == workspace_id))


# The built-in sample property (`/lookout connect demo`) stands in for Google while it is on.
async def sample_data_since(*, session: AsyncSession, workspace_id: int) -> datetime | None:
    """When the workspace chose the sample property, or None when it reads its own Google data (or nothing)."""
    result = await session.execute(select(Workspace.sample_data_since).where(col(Workspace.id) == workspace_id))
    since = result.scalar_one_or_none()
    return aware_utc(since) if since is not None else None


async def start_sample_data(*, session: AsyncSession, workspace_id: int, now: datetime) -> bool:
    """Put the workspace on the sample property; False when it already was (the first date is kept)."""
    return (
        rowcount(
            await session.execute(
                update(Workspace)
                .where(col(Workspace.id) == workspace_id, col(Workspace.sample_data_since).is_(None))
                .values(sample_data_since=now)
            )
        )
        == 1
    )


async def stop_sample_data(*, session: AsyncSession, workspace_id: int) -> bool:
    """Take the workspace off the sample property; False when it was not on it."""
    return (
        rowcount(
            await session.execute(
                update(Workspace)
                .where(col(Workspace.id) == workspace_id, col(Workspace.sample_data_since).is_not(None))
                .values(sample_data_since=None)
            )
        )
        == 1
    )
