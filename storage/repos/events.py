"""The dedupe ledger: claim a piece of incoming work once, across retries, event kinds and processes."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.tables.base import rowcount, utcnow
from storage.tables.core import ProcessedEvent


def event_key(event_id: str) -> str:
    return f"event:{event_id}"


def message_key(*, team_id: str, channel_id: str, ts: str) -> str:
    """`team_id` names the workspace that answers (for an org-wide install, its enterprise): see bot.platform.slack.workspaces."""
    return f"message:{team_id}:{channel_id}:{ts}"


@dataclass(frozen=True)
class Place:
    """Where the message of a claim was written: the thread to apologise in if its answer is abandoned."""

    channel_id: str
    thread_ts: str


@dataclass(frozen=True)
class AbandonedClaim:
    key: str
    team_id: str
    place: Place | None


async def claim_all(
    *,
    session: AsyncSession,
    keys: Mapping[str, str],
    lease_until: datetime | None = None,
    places: Mapping[str, Place] | None = None,
) -> set[str]:
    """Claim every key (key → team id) in one statement; returns the keys this call won, the rest were taken.

    With `lease_until` the claims are in progress until `finish_claims`: a key whose earlier claim was never
    finished and whose lease has run out (its holder died) is won again, by exactly one claimant.
    """
    if not keys:
        return set()
    now = utcnow()
    places = places or {}
    # Sorted: replicas whose batches overlap then lock the keys in one order and cannot deadlock each other.
    rows = [
        {
            "key": key,
            "team_id": team_id,
            "received_at": now,
            "lease_until": lease_until,
            "channel_id": places[key].channel_id if key in places else None,
            "thread_ts": places[key].thread_ts if key in places else None,
        }
        for key, team_id in sorted(keys.items())
    ]
    # One statement with a parameter list: SQLAlchemy's "insertmanyvalues" sends it as a multi-row INSERT (in
    # parameter order) from a statement compiled once, instead of compiling a new VALUES list for every batch.
    result = await session.execute(_CLAIM_STATEMENTS[session.get_bind().dialect.name == "postgresql"], rows)
    return set(result.scalars())


def _claim_statement(insert: Callable[[Table], Any]) -> Any:
    table: Table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    statement = insert(table)
    # A conflict is won only over an unfinished claim whose lease ran out before this one was made (the new row's
    # `received_at` is "now"). PostgreSQL locks the row and re-checks the condition, so one claimant wins it.
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"lease_until": statement.excluded.lease_until},
        where=(
            table.c.done_at.is_(None)
            & table.c.lease_until.is_not(None)
            & (table.c.lease_until < statement.excluded.received_at)
        ),
    ).returning(table.c.key)


# Keyed by "is PostgreSQL"; built once so the compiled form is cached too.
_CLAIM_STATEMENTS = {True: _claim_statement(postgres_insert), False: _claim_statement(sqlite_insert)}


async def renew_claims(*, session: AsyncSession, keys: Collection[str], lease_until: datetime) -> None:
    """Keep claims in progress while their answer is being written."""
    await session.execute(
        update(ProcessedEvent)
        .where(col(ProcessedEvent.key).in_(sorted(keys)), col(ProcessedEvent.done_at).is_(None))
        .values(lease_until=lease_until)
    )


async def finish_claims(*, session: AsyncSession, keys: Collection[str]) -> None:
    """The work of these claims is over (answered, apologised for, or nothing to do): never take them over."""
    await session.execute(_FINISH_STATEMENT, {"finished_keys": sorted(keys), "finished_at": utcnow()})


def _finish_statement() -> Any:
    table: Table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.key.in_(bindparam("finished_keys", expanding=True)))
        .values(done_at=bindparam("finished_at"), lease_until=None)
    )


# Built once, the keys a parameter list: compiled once too, however many claims a batch finishes.
_FINISH_STATEMENT = _finish_statement()


async def take_abandoned_claims(
    *, session: AsyncSession, expired_before: datetime, limit: int = 100
) -> list[AbandonedClaim]:
    """Finish, and return, unfinished claims whose lease ran out before `expired_before`: their holder died.

    One conditional UPDATE: when several replicas sweep at once, each claim goes to exactly one of them.
    """
    table: Table = ProcessedEvent.__table__  # type: ignore[attr-defined]
    abandoned = (
        select(table.c.id)
        .where(table.c.done_at.is_(None), table.c.lease_until.is_not(None), table.c.lease_until < expired_before)
        .order_by(table.c.lease_until)
        .limit(limit)
    )
    result = await session.execute(
        update(table)
        .where(table.c.id.in_(abandoned), table.c.done_at.is_(None))
        .values(done_at=utcnow(), lease_until=None)
        .returning(table.c.key, table.c.team_id, table.c.channel_id, table.c.thread_ts)
    )
    return [
        AbandonedClaim(
            key=key, team_id=team_id, place=Place(channel_id=channel, thread_ts=thread) if channel and thread else None
        )
        for key, team_id, channel, thread in result.all()
    ]


async def purge_processed_events(*, session: AsyncSession, older_than: datetime) -> int:
    """Forget claims older than Slack's retry window; returns how many were removed."""
    result = await session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < older_than))
    return rowcount(result)
