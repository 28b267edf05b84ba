"""A channel's digest and alert subscriptions: create or change, find, list (with their workspace, for the
scheduler), remove; and a version number that changes whenever any of them does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables.base import rowcount
from storage.tables.core import Workspace
from storage.tables.schedule import (
    DigestCadence,
    Subscription,
    SubscriptionKind,
)


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
    cadence: DigestCadence = DigestCadence.DAILY,
    weekday: int = 0,
    kpis: str | None = None,
    rollup: bool = False,
    properties: str = "",
) -> Subscription:
    """Create the channel's subscription of this kind (and cadence, for digests), or update the existing one; a
    digest becomes a roll-up (or stops being one) as `rollup` says.

    Kept whole because it is one upsert: the insert, the race it can lose, and the update share their values.
    """
    existing = await find_subscription(
        session=session, workspace_id=workspace_id, channel_id=channel_id, kind=kind, cadence=cadence
    )
    if existing is None:
        subscription = Subscription(
            workspace_id=workspace_id,
            channel_id=channel_id,
            kind=kind.value,
            time_of_day=time_of_day,
            timezone=timezone,
            sensitivity=sensitivity,
            cadence=cadence.value,
            weekday=weekday,
            kpis=kpis or "",
            rollup=rollup,
            properties=properties,
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
                session=session, workspace_id=workspace_id, channel_id=channel_id, kind=kind, cadence=cadence
            )
            assert existing is not None  # another process created it a moment ago
    existing.time_of_day = time_of_day
    existing.timezone = timezone
    existing.sensitivity = sensitivity
    existing.weekday = weekday
    if kpis is not None:  # None keeps the KPIs chosen before
        existing.kpis = kpis
    existing.rollup = rollup
    existing.properties = properties
    existing.created_by = created_by
    existing.updated_at = now
    await session.flush()
    return existing


async def find_subscription(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    kind: SubscriptionKind,
    cadence: DigestCadence = DigestCadence.DAILY,
) -> Subscription | None:
    result = await session.execute(
        select(Subscription).where(
            col(Subscription.workspace_id) == workspace_id,
            col(Subscription.channel_id) == channel_id,
            col(Subscription.kind) == kind.value,
            col(Subscription.cadence) == cadence.value,
        )
    )
    return result.scalar_one_or_none()


async def list_subscriptions(*, session: AsyncSession, workspace_id: int) -> list[Subscription]:
    result = await session.execute(
        select(Subscription)
        .where(col(Subscription.workspace_id) == workspace_id)
        .order_by(col(Subscription.channel_id), col(Subscription.kind), col(Subscription.id))
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
    cadence: DigestCadence = DigestCadence.DAILY
    weekday: int = 0  # weekly digests: the day they are posted on, 0 = Monday
    kpis: str = ""  # weekly and monthly digests: the KPIs' keys, comma-separated; "" = the default set
    rollup: bool = False  # a roll-up across the grant's GA4 properties rather than the channel's property
    properties: str = ""  # a roll-up's property ids, comma-separated; "" = every one the grant lists


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
        cadence=DigestCadence(subscription.cadence),
        weekday=subscription.weekday,
        kpis=subscription.kpis,
        rollup=subscription.rollup,
        properties=subscription.properties,
    )


async def subscriptions_version(*, session: AsyncSession) -> tuple[int, datetime | None]:
    """A cheap fingerprint of all subscriptions (count, last change): replicas poll it to notice changes."""
    row = (await session.execute(select(func.count(), func.max(col(Subscription.updated_at))))).one()
    return int(row[0]), row[1]
