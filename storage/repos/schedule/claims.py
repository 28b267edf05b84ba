"""Exactly-once posting: one claim per (subscription, period), taken by a conditional UPDATE or a unique key, renewed
while posting, marked posted or released. Call each in its own short transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, delete, or_, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables.base import aware_utc, rowcount
from storage.tables.schedule import (
    PostClaim,
)


class ClaimStatus(StrEnum):
    CLAIMED = "claimed"  # first claim: nobody has tried to post this period yet
    TAKEN_OVER = "taken_over"  # a stale claim of a claimant that died mid-post: it may or may not have posted
    POSTED = "posted"  # already done
    HELD = "held"  # another claimant is posting it right now


@dataclass(frozen=True, kw_only=True)
class Claim:
    status: ClaimStatus
    claim_id: int
    token: str = ""
    attempts: int = 1
    previous_claimed_at: datetime | None = None  # for TAKEN_OVER: when the dead claimant started

    @property
    def acquired(self) -> bool:
        return self.status in (ClaimStatus.CLAIMED, ClaimStatus.TAKEN_OVER)


async def claim_post(
    *,
    session: AsyncSession,
    workspace_id: int,
    subscription_id: int,
    period: str,
    claimant: str,
    now: datetime,
    stale_after: timedelta,
) -> Claim:
    """Claim the right to post (subscription, period); see `ClaimStatus` for what the caller may do next."""
    token = uuid.uuid4().hex
    # One statement: the unique key decides, no savepoint to roll back to (two round trips fewer per post at 09:00).
    insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = await session.execute(
        insert(PostClaim)
        .values(
            workspace_id=workspace_id,
            subscription_id=subscription_id,
            period=period,
            token=token,
            claimed_by=claimant,
            claimed_at=now,
            attempts=1,
        )
        .on_conflict_do_nothing(index_elements=["subscription_id", "period"])
        .returning(col(PostClaim.id))
    )
    claim_id = inserted.scalar_one_or_none()
    if claim_id is not None:
        return Claim(status=ClaimStatus.CLAIMED, claim_id=claim_id, token=token)
    existing = await get_claim(session=session, subscription_id=subscription_id, period=period)
    assert existing is not None and existing.id is not None
    if existing.posted_at is not None:
        return Claim(status=ClaimStatus.POSTED, claim_id=existing.id)
    previous_claimed_at = aware_utc(existing.claimed_at)
    if previous_claimed_at > now - stale_after:
        return Claim(status=ClaimStatus.HELD, claim_id=existing.id)
    # Read before the UPDATE: the ORM synchronizes `existing` with the values it sets.
    attempts = existing.attempts + 1
    # Compare-and-set on the old token: of several processes taking over at once, exactly one wins.
    result = await session.execute(
        update(PostClaim)
        .where(*_held(existing.id, existing.token))
        .values(token=token, claimed_by=claimant, claimed_at=now, attempts=attempts)
    )
    if rowcount(result) != 1:
        return Claim(status=ClaimStatus.HELD, claim_id=existing.id)
    return Claim(
        status=ClaimStatus.TAKEN_OVER,
        claim_id=existing.id,
        token=token,
        attempts=attempts,
        previous_claimed_at=previous_claimed_at,
    )


def _held(claim_id: int, token: str) -> tuple[ColumnElement[bool], ...]:
    """The claim is still this token's and not posted yet: what every step of a claimant compares and sets on."""
    return col(PostClaim.id) == claim_id, col(PostClaim.token) == token, col(PostClaim.posted_at).is_(None)


async def still_holds_claim(*, session: AsyncSession, claim_id: int, token: str) -> bool:
    """Checked right before posting: a claimant that stalled past the lease must not post over its successor."""
    row = (await session.execute(select(col(PostClaim.id)).where(*_held(claim_id, token)))).first()
    return row is not None


async def renew_claim(*, session: AsyncSession, claim_id: int, token: str, now: datetime) -> bool:
    """Checked right before posting, like `still_holds_claim`, and restarts the claim's staleness clock.

    A claim counts as abandoned `stale_after` after `claimed_at`. Building a message can take longer than that
    (slow Google, a busy process), so the holder renews just before it posts: from then on nobody can take the
    claim over for another `stale_after`, which is ample for one Slack call.
    """
    result = await session.execute(update(PostClaim).where(*_held(claim_id, token)).values(claimed_at=now))
    return rowcount(result) == 1


async def mark_posted(
    *, session: AsyncSession, claim_id: int, token: str, message_ts: str | None, now: datetime
) -> bool:
    """Record that the period is done (`message_ts` None when it ended without a post, e.g. channel gone)."""
    result = await session.execute(
        update(PostClaim).where(*_held(claim_id, token)).values(posted_at=now, message_ts=message_ts)
    )
    return rowcount(result) == 1


async def release_claim(*, session: AsyncSession, claim_id: int, token: str) -> None:
    """Give an unposted claim back (a transient failure before posting) so the next sweep retries at once."""
    await session.execute(delete(PostClaim).where(*_held(claim_id, token)))


async def get_claim(*, session: AsyncSession, subscription_id: int, period: str) -> PostClaim | None:
    result = await session.execute(
        select(PostClaim)
        .where(col(PostClaim.subscription_id) == subscription_id, col(PostClaim.period) == period)
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def posted_subscription_ids(*, session: AsyncSession, periods: Sequence[tuple[int, str]]) -> set[int]:
    """Which of these (subscription, period) pairs are already posted: the catch-up sweep skips them."""
    if not periods:
        return set()
    done: set[int] = set()
    for start in range(0, len(periods), 400):
        chunk = periods[start : start + 400]
        rows = await session.execute(
            select(col(PostClaim.subscription_id)).where(
                col(PostClaim.posted_at).is_not(None),
                or_(
                    *(
                        and_(col(PostClaim.subscription_id) == sid, col(PostClaim.period) == period)
                        for sid, period in chunk
                    )
                ),
            )
        )
        done.update(int(value) for value in rows.scalars().all())
    return done
