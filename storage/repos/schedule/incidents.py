"""Alert incidents (open, find, create, close, the message that announced them) and the feedback people give on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.tables.schedule import (
    AlertFeedback,
    AlertIncident,
)


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
