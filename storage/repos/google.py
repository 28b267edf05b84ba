"""Reading and writing a workspace's Google connection, its OAuth states and its property/site choices.

Every function is scoped by `workspace_id` (or, for a state, by the unguessable state itself), and the
two operations that must be single-winner across processes (consuming a state, taking the refresh lease)
are conditional UPDATEs whose row count says who won.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.tables.base import aware_utc, rowcount
from storage.tables.core import Workspace
from storage.tables.google import ConnectionStatus, GoogleChoice, GoogleConnection, GoogleOAuthState

DEFAULT_CHANNEL = ""  # the `channel_id` of the workspace-wide choice


def as_utc(value: datetime | None) -> datetime | None:
    """`aware_utc`, passing None through."""
    return None if value is None else aware_utc(value)


# --- OAuth states -------------------------------------------------------------------------------------------


async def create_oauth_state(
    *,
    session: AsyncSession,
    workspace_id: int,
    state: str,
    user_id: str,
    channel_id: str,
    code_verifier_enc: str,
    created_at: datetime,
    expires_at: datetime,
    nonce: str = "",
) -> GoogleOAuthState:
    row = GoogleOAuthState(
        state=state,
        workspace_id=workspace_id,
        user_id=user_id,
        channel_id=channel_id,
        code_verifier_enc=code_verifier_enc,
        created_at=created_at,
        expires_at=expires_at,
        nonce=nonce,
    )
    session.add(row)
    await session.flush()
    return row


async def find_link_state(*, session: AsyncSession, state: str, now: datetime) -> GoogleOAuthState | None:
    """The unverified, unused, unexpired state behind a consent link (`/google/oauth/start`), or None."""
    statement = select(GoogleOAuthState).where(
        col(GoogleOAuthState.state) == state,
        col(GoogleOAuthState.used_at).is_(None),
        col(GoogleOAuthState.verified_at).is_(None),
        col(GoogleOAuthState.expires_at) > now,
    )
    return (await session.execute(statement)).scalars().first()


def _state_row(*, state: str) -> SelectOfScalar[GoogleOAuthState]:
    return select(GoogleOAuthState).where(col(GoogleOAuthState.state) == state)


async def _spend_state(*, session: AsyncSession, state: str, now: datetime, verified: bool) -> GoogleOAuthState | None:
    """Mark an unused, unexpired state (verified or not, as asked) used and return it; None when another process
    spent it first or it is not spendable. The conditional UPDATE's row count is the single-use guarantee."""
    verified_at = col(GoogleOAuthState.verified_at)
    claimed = rowcount(
        await session.execute(
            update(GoogleOAuthState)
            .where(
                col(GoogleOAuthState.state) == state,
                col(GoogleOAuthState.used_at).is_(None),
                verified_at.is_not(None) if verified else verified_at.is_(None),
                col(GoogleOAuthState.expires_at) > now,
            )
            .values(used_at=now)
        )
    )
    if claimed != 1:
        return None
    return (await session.execute(_state_row(state=state))).scalar_one()


async def verify_link_state(
    *, session: AsyncSession, state: str, new_state: str, now: datetime, expires_at: datetime
) -> GoogleOAuthState | None:
    """The link's person signed in with Slack: spend the link's state and issue `new_state`, verified, for Google.

    Only the verified state is ever sent to Google, so a copy of the link cannot finish someone else's consent.
    None when the link's state was already spent (two sign-ins racing: one wins) or expired.
    """
    link = await _spend_state(session=session, state=state, now=now, verified=False)
    if link is None:
        return None
    verified = GoogleOAuthState(
        state=new_state,
        workspace_id=link.workspace_id,
        user_id=link.user_id,
        channel_id=link.channel_id,
        code_verifier_enc=link.code_verifier_enc,
        created_at=now,
        expires_at=expires_at,
        nonce=link.nonce,
        verified_at=now,
    )
    session.add(verified)
    await session.flush()
    return verified


async def consume_oauth_state(*, session: AsyncSession, state: str, now: datetime) -> GoogleOAuthState | None:
    """Mark the verified state used and return it, or None when it is unknown, unverified, expired or used.

    The conditional UPDATE is the single-use guarantee: of two callbacks racing with the same state, in one
    process or two, exactly one sees a row count of 1. Only a state issued after the link's person signed in
    with Slack (`verify_link_state`) can complete.
    """
    return await _spend_state(session=session, state=state, now=now, verified=True)


async def find_any_state(*, session: AsyncSession, state: str) -> GoogleOAuthState | None:
    """The state row whatever its condition (used, expired, unverified): to tell a person why a link failed."""
    return (await session.execute(_state_row(state=state))).scalar_one_or_none()


async def delete_stale_oauth_states(*, session: AsyncSession, before: datetime) -> int:
    """Forget states that expired before `before` (used ones included): they can never be consumed again."""
    return rowcount(await session.execute(delete(GoogleOAuthState).where(col(GoogleOAuthState.expires_at) < before)))


# --- The connection -----------------------------------------------------------------------------------------


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
    *, session: AsyncSession, workspace_id: int, owner: str, now: datetime, until: datetime
) -> bool:
    """Take the right to refresh this workspace's access token until `until`; False when someone else holds it."""
    taken = rowcount(
        await session.execute(
            update(GoogleConnection)
            .where(
                col(GoogleConnection.workspace_id) == workspace_id,
                col(GoogleConnection.status) == ConnectionStatus.HEALTHY.value,
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


# --- The built-in sample property (`/lookout connect demo`) ----------------------------------------------------


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


# --- Property and site choices ------------------------------------------------------------------------------


async def get_choice(*, session: AsyncSession, workspace_id: int, channel_id: str) -> GoogleChoice | None:
    result = await session.execute(
        select(GoogleChoice).where(
            col(GoogleChoice.workspace_id) == workspace_id, col(GoogleChoice.channel_id) == channel_id
        )
    )
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class ChannelSetup:
    """What decides where a channel's answers come from: the connection, the workspace default and its own choice."""

    connection: GoogleConnection | None
    default: GoogleChoice | None
    own: GoogleChoice | None  # None for no channel, or a channel with no choice of its own
    sample_since: datetime | None = None  # on the built-in sample property since then (it wins over the rest)


async def get_channel_setup(*, session: AsyncSession, workspace_id: int, channel_id: str | None) -> ChannelSetup:
    return ChannelSetup(
        sample_since=await sample_data_since(session=session, workspace_id=workspace_id),
        connection=await get_connection(session=session, workspace_id=workspace_id),
        default=await get_choice(session=session, workspace_id=workspace_id, channel_id=DEFAULT_CHANNEL),
        own=await get_choice(session=session, workspace_id=workspace_id, channel_id=channel_id) if channel_id else None,
    )


async def list_choices(*, session: AsyncSession, workspace_id: int) -> list[GoogleChoice]:
    result = await session.execute(
        select(GoogleChoice)
        .where(col(GoogleChoice.workspace_id) == workspace_id)
        .order_by(col(GoogleChoice.channel_id))
    )
    return list(result.scalars().all())


async def _choice_row(*, session: AsyncSession, workspace_id: int, channel_id: str) -> GoogleChoice:
    existing = await get_choice(session=session, workspace_id=workspace_id, channel_id=channel_id)
    if existing is not None:
        return existing
    row = GoogleChoice(workspace_id=workspace_id, channel_id=channel_id)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = await get_choice(session=session, workspace_id=workspace_id, channel_id=channel_id)
        assert found is not None  # created by a concurrent chooser
        return found
    return row


async def set_property(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    property_id: str,
    property_name: str | None,
    timezone: str | None,
    currency: str | None,
    chosen_by_user_id: str,
    now: datetime,
) -> GoogleChoice:
    row = await _choice_row(session=session, workspace_id=workspace_id, channel_id=channel_id)
    row.property_id = property_id
    row.property_name = property_name
    row.property_timezone = timezone
    row.property_currency = currency
    row.chosen_by_user_id = chosen_by_user_id
    row.updated_at = now
    await session.flush()
    return row


async def set_site(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    site_url: str,
    chosen_by_user_id: str,
    now: datetime,
) -> GoogleChoice:
    row = await _choice_row(session=session, workspace_id=workspace_id, channel_id=channel_id)
    row.site_url = site_url
    row.chosen_by_user_id = chosen_by_user_id
    row.updated_at = now
    await session.flush()
    return row


async def delete_choice(*, session: AsyncSession, workspace_id: int, channel_id: str) -> None:
    await session.execute(
        delete(GoogleChoice).where(
            col(GoogleChoice.workspace_id) == workspace_id, col(GoogleChoice.channel_id) == channel_id
        )
    )
