"""OAuth states and consent-link states: created with an expiry, spent once by a conditional UPDATE (the one
winner across processes), forgotten when stale."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.tables.base import rowcount
from storage.tables.google import GoogleOAuthState


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
