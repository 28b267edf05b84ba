"""Subscriptions, exactly-once post claims, alert incidents, alert feedback and the scheduler lease.

Claims and the lease are compare-and-set updates plus unique keys, so they hold on SQLite and PostgreSQL alike and
across any number of processes. Call each claim function in its own short transaction (`database.session()`), so
the claim is visible to other processes before anything is posted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables.base import aware_utc, rowcount
from storage.tables.core import Workspace
from storage.tables.schedule import (
    AlertFeedback,
    AlertIncident,
    PostClaim,
    SchedulerLease,
    Subscription,
    SubscriptionKind,
)

# ---------------------------------------------------------------------------------------------------------------
# Subscriptions


async def upsert_subscription(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    kind: SubscriptionKind,
    time_of_day: str,
    timezone: str,
    sensitivity: str,
    created_by: str,
    now: datetime,
) -> Subscription:
    """Create the channel's subscription of this kind, or update the existing one (one per channel and kind)."""
    existing = await find_subscription(session=session, workspace_id=workspace_id, channel_id=channel_id, kind=kind)
    if existing is None:
        subscription = Subscription(
            workspace_id=workspace_id,
            channel_id=channel_id,
            kind=kind.value,
            time_of_day=time_of_day,
            timezone=timezone,
            sensitivity=sensitivity,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(subscription)
            return subscription
        except IntegrityError:
            existing = await find_subscription(
                session=session, workspace_id=workspace_id, channel_id=channel_id, kind=kind
            )
            assert existing is not None  # another process created it a moment ago
    existing.time_of_day = time_of_day
    existing.timezone = timezone
    existing.sensitivity = sensitivity
    existing.created_by = created_by
    existing.updated_at = now
    await session.flush()
    return existing


async def find_subscription(
    *, session: AsyncSession, workspace_id: int, channel_id: str, kind: SubscriptionKind
) -> Subscription | None:
    result = await session.execute(
        select(Subscription).where(
            col(Subscription.workspace_id) == workspace_id,
            col(Subscription.channel_id) == channel_id,
            col(Subscription.kind) == kind.value,
        )
    )
    return result.scalar_one_or_none()


async def list_subscriptions(*, session: AsyncSession, workspace_id: int) -> list[Subscription]:
    result = await session.execute(
        select(Subscription)
        .where(col(Subscription.workspace_id) == workspace_id)
        .order_by(col(Subscription.channel_id), col(Subscription.kind))
    )
    return list(result.scalars().all())


async def get_subscription(*, session: AsyncSession, workspace_id: int, subscription_id: int) -> Subscription | None:
    """One subscription of this workspace (None for another workspace's id: ids arrive from buttons)."""
    result = await session.execute(
        select(Subscription).where(
            col(Subscription.workspace_id) == workspace_id, col(Subscription.id) == subscription_id
        )
    )
    return result.scalar_one_or_none()


async def delete_subscription(*, session: AsyncSession, workspace_id: int, subscription_id: int) -> bool:
    """Remove one subscription of this workspace; its claims, incidents and feedback go with it."""
    result = await session.execute(
        delete(Subscription).where(
            col(Subscription.workspace_id) == workspace_id, col(Subscription.id) == subscription_id
        )
    )
    return rowcount(result) == 1


async def delete_channel_subscriptions(*, session: AsyncSession, workspace_id: int, channel_id: str) -> int:
    """Remove every subscription of the channel; their claims, incidents and feedback go with them."""
    result = await session.execute(
        delete(Subscription).where(
            col(Subscription.workspace_id) == workspace_id, col(Subscription.channel_id) == channel_id
        )
    )
    return rowcount(result)


@dataclass(frozen=True, kw_only=True)
class ScheduledSubscription:
    """What the scheduler needs about one subscription, with its workspace's Slack team."""

    id: int
    workspace_id: int
    team_id: str
    enterprise_id: str
    channel_id: str
    kind: SubscriptionKind
    time_of_day: str
    timezone: str
    sensitivity: str


async def list_scheduled_subscriptions(
    *, session: AsyncSession, kind: SubscriptionKind | None = None
) -> list[ScheduledSubscription]:
    """Every installed workspace's subscriptions: the scheduler is the one reader that spans workspaces."""
    query = (
        select(Subscription, Workspace)
        .join(Workspace, col(Workspace.id) == col(Subscription.workspace_id))
        .where(col(Workspace.uninstalled_at).is_(None))
        .order_by(col(Subscription.id))
    )
    if kind is not None:
        query = query.where(col(Subscription.kind) == kind.value)
    rows = (await session.execute(query)).all()
    return [_scheduled(subscription, workspace) for subscription, workspace in rows]


async def get_scheduled_subscription(*, session: AsyncSession, subscription_id: int) -> ScheduledSubscription | None:
    row = (
        await session.execute(
            select(Subscription, Workspace)
            .join(Workspace, col(Workspace.id) == col(Subscription.workspace_id))
            .where(col(Subscription.id) == subscription_id, col(Workspace.uninstalled_at).is_(None))
        )
    ).first()
    return None if row is None else _scheduled(row[0], row[1])


def _scheduled(subscription: Subscription, workspace: Workspace) -> ScheduledSubscription:
    assert subscription.id is not None
    return ScheduledSubscription(
        id=subscription.id,
        workspace_id=subscription.workspace_id,
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        channel_id=subscription.channel_id,
        kind=SubscriptionKind(subscription.kind),
        time_of_day=subscription.time_of_day,
        timezone=subscription.timezone,
        sensitivity=subscription.sensitivity,
    )


async def subscriptions_version(*, session: AsyncSession) -> tuple[int, datetime | None]:
    """A cheap fingerprint of all subscriptions (count, last change): replicas poll it to notice changes."""
    row = (await session.execute(select(func.count(), func.max(col(Subscription.updated_at))))).one()
    return int(row[0]), row[1]


# ---------------------------------------------------------------------------------------------------------------
# Post claims


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
    claim = PostClaim(
        workspace_id=workspace_id,
        subscription_id=subscription_id,
        period=period,
        token=token,
        claimed_by=claimant,
        claimed_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(claim)
        assert claim.id is not None
        return Claim(status=ClaimStatus.CLAIMED, claim_id=claim.id, token=token)
    except IntegrityError:
        pass
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


# ---------------------------------------------------------------------------------------------------------------
# Alert incidents


async def open_incidents(*, session: AsyncSession, subscription_id: int) -> list[AlertIncident]:
    result = await session.execute(
        select(AlertIncident).where(
            col(AlertIncident.subscription_id) == subscription_id, col(AlertIncident.closed_at).is_(None)
        )
    )
    return list(result.scalars().all())


async def incidents_started_since(
    *, session: AsyncSession, subscription_id: int, since: datetime
) -> list[AlertIncident]:
    """The subscription's incidents that started at or after `since`, open or closed."""
    result = await session.execute(
        select(AlertIncident).where(
            col(AlertIncident.subscription_id) == subscription_id, col(AlertIncident.started_at) >= since
        )
    )
    return list(result.scalars().all())


async def find_incident(
    *, session: AsyncSession, subscription_id: int, fingerprint: str, started_at: datetime
) -> AlertIncident | None:
    result = await session.execute(
        select(AlertIncident).where(
            col(AlertIncident.subscription_id) == subscription_id,
            col(AlertIncident.fingerprint) == fingerprint,
            col(AlertIncident.started_at) == started_at,
        )
    )
    return result.scalar_one_or_none()


async def create_incident(*, session: AsyncSession, incident: AlertIncident) -> AlertIncident:
    """Store a newly alerted incident; if another process stored the same one first, that row is returned."""
    try:
        async with session.begin_nested():
            session.add(incident)
        return incident
    except IntegrityError:
        found = await find_incident(
            session=session,
            subscription_id=incident.subscription_id,
            fingerprint=incident.fingerprint,
            started_at=incident.started_at,
        )
        assert found is not None
        return found


async def get_incident(*, session: AsyncSession, workspace_id: int, incident_id: int) -> AlertIncident | None:
    result = await session.execute(
        select(AlertIncident).where(
            col(AlertIncident.id) == incident_id, col(AlertIncident.workspace_id) == workspace_id
        )
    )
    return result.scalar_one_or_none()


async def set_incident_message(*, session: AsyncSession, incident_id: int, message_ts: str) -> None:
    await session.execute(
        update(AlertIncident).where(col(AlertIncident.id) == incident_id).values(message_ts=message_ts)
    )


async def close_incident(*, session: AsyncSession, incident_id: int, now: datetime) -> None:
    await session.execute(
        update(AlertIncident)
        .where(col(AlertIncident.id) == incident_id, col(AlertIncident.closed_at).is_(None))
        .values(closed_at=now)
    )


# ---------------------------------------------------------------------------------------------------------------
# Alert feedback


async def add_feedback(*, session: AsyncSession, feedback: AlertFeedback) -> AlertFeedback:
    session.add(feedback)
    await session.flush()
    return feedback


async def active_feedback(
    *, session: AsyncSession, subscription_id: int, fingerprint: str, now: datetime
) -> AlertFeedback | None:
    """The newest unexpired "Expected"/"Mute" answer for alerts like this one, if any."""
    result = await session.execute(
        select(AlertFeedback)
        .where(
            col(AlertFeedback.subscription_id) == subscription_id,
            col(AlertFeedback.fingerprint) == fingerprint,
            col(AlertFeedback.expires_at) > now,
        )
        .order_by(col(AlertFeedback.expires_at).desc())
        .limit(1)
    )
    return result.scalars().first()


# ---------------------------------------------------------------------------------------------------------------
# Scheduler lease


async def try_acquire_lease(*, session: AsyncSession, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the named lease: succeeds when it is free, expired, or already ours."""
    result = await session.execute(
        update(SchedulerLease)
        .where(
            col(SchedulerLease.name) == name,
            or_(col(SchedulerLease.holder) == holder, col(SchedulerLease.expires_at) < now),
        )
        .values(
            holder=holder,
            expires_at=now + ttl,
            acquired_at=case((col(SchedulerLease.holder) == holder, col(SchedulerLease.acquired_at)), else_=now),
        )
    )
    if rowcount(result) == 1:
        return True
    existing = await session.get(SchedulerLease, name)
    if existing is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(SchedulerLease(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


async def release_lease(*, session: AsyncSession, name: str, holder: str) -> None:
    """Hand the lease back at shutdown so another replica takes over at once instead of after the TTL."""
    await session.execute(
        delete(SchedulerLease).where(col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder)
    )


async def lease_holder(*, session: AsyncSession, name: str, now: datetime) -> str | None:
    lease = (
        await session.execute(
            select(SchedulerLease).where(col(SchedulerLease.name) == name).execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if lease is None or aware_utc(lease.expires_at) <= now:
        return None
    return lease.holder
