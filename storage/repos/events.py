"""The dedupe ledger: claim a piece of incoming work once, across retries, event kinds and processes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Table, delete
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.tables.base import utcnow
from storage.tables.core import ProcessedEvent


def event_key(event_id: str) -> str:
    return f"event:{event_id}"


def message_key(*, team_id: str, channel_id: str, ts: str) -> str:
    return f"message:{team_id}:{channel_id}:{ts}"


async def claim(*, session: AsyncSession, key: str, team_id: str = "") -> bool:
    """True for the first claimant of `key`, False for everyone after (the unique key decides, not a read)."""
    dialect = session.get_bind().dialect.name
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ProcessedEvent)
        .values(key=key, team_id=team_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_all(*, session: AsyncSession, keys: Mapping[str, str]) -> set[str]:
    """Claim every key (key → team id) in one statement; returns the keys this call won, the rest were taken."""
    if not keys:
        return set()
    table: Table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgres_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    statement = (
        insert(table)
        # Sorted: replicas whose batches overlap then lock the keys in one order and cannot deadlock each other.
        .values([{"key": key, "team_id": team_id, "received_at": now} for key, team_id in sorted(keys.items())])
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)
    )
    result = await session.execute(statement)
    return set(result.scalars())


async def purge_processed_events(*, session: AsyncSession, older_than: datetime) -> int:
    """Forget claims older than Slack's retry window; returns how many were removed."""
    result = await session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < older_than))
    return int(result.rowcount)  # type: ignore[attr-defined]
