"""Lookout notes of one workspace: add, list, find by day, remove. Every query is scoped to one workspace."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.db import Database
from storage.tables.base import rowcount
from storage.tables.notes import Note


async def add_note(
    *,
    session: AsyncSession,
    workspace_id: int,
    day: date,
    text: str,
    expected: bool,
    created_by: str,
    now: datetime,
    source_channel_id: str = "",
    source_ts: str = "",
) -> Note:
    note = Note(
        workspace_id=workspace_id,
        day=day,
        text=text,
        expected=expected,
        created_by=created_by,
        source_channel_id=source_channel_id,
        source_ts=source_ts,
        created_at=now,
    )
    session.add(note)
    await session.flush()
    return note


async def notes_between(*, session: AsyncSession, workspace_id: int, start: date, end: date) -> list[Note]:
    """The notes dated `start` to `end` (inclusive), oldest day first."""
    statement = (
        select(Note)
        .where(col(Note.workspace_id) == workspace_id, col(Note.day) >= start, col(Note.day) <= end)
        .order_by(col(Note.day), col(Note.id))
    )
    return list((await session.execute(statement)).scalars().all())


async def recent_notes(*, session: AsyncSession, workspace_id: int, limit: int) -> list[Note]:
    """The `limit` latest-dated notes, latest day first."""
    statement = (
        select(Note)
        .where(col(Note.workspace_id) == workspace_id)
        .order_by(col(Note.day).desc(), col(Note.id).desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars().all())


async def get_note(*, session: AsyncSession, workspace_id: int, note_id: int) -> Note | None:
    statement = select(Note).where(col(Note.workspace_id) == workspace_id, col(Note.id) == note_id)
    return (await session.execute(statement)).scalars().first()


async def delete_note(*, session: AsyncSession, workspace_id: int, note_id: int) -> bool:
    """Remove one note; False when this workspace has no such note."""
    statement = delete(Note).where(col(Note.workspace_id) == workspace_id, col(Note.id) == note_id)
    return rowcount(await session.execute(statement)) > 0


async def expected_on(*, session: AsyncSession, workspace_id: int, day: date) -> bool:
    """Whether a note marks `day` expected (a planned change: alerts whose incident starts that day stay quiet)."""
    statement = (
        select(Note.id)
        .where(col(Note.workspace_id) == workspace_id, col(Note.day) == day, col(Note.expected).is_(True))
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None


class WorkspaceNotes:
    """One workspace's notes as the tools read them (`tools.annotations.NoteSource`)."""

    def __init__(self, *, database: Database, workspace_id: int) -> None:
        self._database = database
        self._workspace_id = workspace_id

    async def notes_between(self, *, start: date, end: date) -> list[Note]:
        async with self._database.session() as session:
            return await notes_between(session=session, workspace_id=self._workspace_id, start=start, end=end)
