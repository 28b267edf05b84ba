"""The scheduler lease: one named row held by one process at a time, taken when free, expired or already ours."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables.base import aware_utc, rowcount
from storage.tables.schedule import (
    SchedulerLease,
)


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
