"""The dedupe ledger: claim a piece of incoming work once, across retries, event kinds and processes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.tables.base import rowcount, utcnow
from storage.tables.core import ProcessedEvent


def event_key(event_id: str) -> str:
    return f"event:{event_id}"


def message_key(*, team_id: str, channel_id: str, ts: str) -> str:
    """`team_id` names the workspace that answers (for an org-wide install, its enterprise): see bot.slack.workspaces."""
    return f"message:{team_id}:{channel_id}:{ts}"


async def claim_all(*, session: AsyncSession, keys: Mapping[str, str]) -> set[str]:
    """Claim every key (key → team id) in one statement; returns the keys this call won, the rest were taken."""
    if not keys:
        return set()
    now = utcnow()
    # Sorted: replicas whose batches overlap then lock the keys in one order and cannot deadlock each other.
    rows = [{"key": key, "team_id": team_id, "received_at": now} for key, team_id in sorted(keys.items())]
    # One statement with a parameter list: SQLAlchemy's "insertmanyvalues" sends it as a multi-row INSERT (in
    # parameter order) from a statement compiled once, instead of compiling a new VALUES list for every batch.
    result = await session.execute(_CLAIM_STATEMENTS[session.get_bind().dialect.name == "postgresql"], rows)
    return set(result.scalars())


def _claim_statement(insert: Callable[[Table], Any]) -> Any:
    table: Table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    return insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.key)


# Keyed by "is PostgreSQL"; built once so the compiled form is cached too.
_CLAIM_STATEMENTS = {True: _claim_statement(postgres_insert), False: _claim_statement(sqlite_insert)}


async def purge_processed_events(*, session: AsyncSession, older_than: datetime) -> int:
    """Forget claims older than Slack's retry window; returns how many were removed."""
    result = await session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < older_than))
    return rowcount(result)
