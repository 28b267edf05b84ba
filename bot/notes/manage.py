"""The one path to add, list and remove a workspace's notes (for `/lookout note` and the "Add as note" shortcut),
and to ask whether a day is marked expected (for the alert check).

Who may do what is the callers' business (`bot.access`): members who may ask add notes; a note is removed by its
author or a Lookout manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.text import notes as messages
from storage.db import Database
from storage.repos import notes as repo
from storage.tables.notes import Note

MAX_TEXT = 500  # characters: a note is a line, not a report
EARLIEST = timedelta(days=5 * 366)  # GA4 keeps at most 50 months of data; older notes explain nothing
LATEST = timedelta(days=366)  # a planned launch may be noted ahead of time
LIST_LIMIT = 20


class NoteProblem(Exception):
    """The input cannot become a note; the message is ready to show (already escaped)."""


@dataclass(frozen=True, kw_only=True)
class NoteDraft:
    day: date
    text: str
    expected: bool


def parse_day(word: str, *, today: date) -> date:
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise NoteProblem(messages.bad_date(value=word)) from None
    if not today - EARLIEST <= day <= today + LATEST:
        raise NoteProblem(messages.date_out_of_range(earliest=today - EARLIEST, latest=today + LATEST))
    return day


def draft(*, day: date, text: str, expected: bool) -> NoteDraft:
    """A checked note: some words, not too many, on one line."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise NoteProblem(messages.NEED_TEXT)
    if len(cleaned) > MAX_TEXT:
        raise NoteProblem(messages.too_long(limit=MAX_TEXT))
    return NoteDraft(day=day, text=cleaned, expected=expected)


def parse_note(words: list[str], *, today: date) -> NoteDraft:
    """`YYYY-MM-DD [expected] text…` as typed after `/lookout note`."""
    if not words:
        raise NoteProblem(messages.NEED_DATE)
    day = parse_day(words[0], today=today)
    rest = words[1:]
    expected = bool(rest) and rest[0].lower() == messages.EXPECTED_WORD
    return draft(day=day, text=" ".join(rest[1:] if expected else rest), expected=expected)


async def add(
    *,
    database: Database,
    workspace_id: int,
    note: NoteDraft,
    user_id: str,
    now: datetime,
    source_channel_id: str = "",
    source_ts: str = "",
) -> Note:
    async with database.session() as session:
        return await repo.add_note(
            session=session,
            workspace_id=workspace_id,
            day=note.day,
            text=note.text,
            expected=note.expected,
            created_by=user_id,
            now=now,
            source_channel_id=source_channel_id,
            source_ts=source_ts,
        )


async def recent(*, database: Database, workspace_id: int, limit: int = LIST_LIMIT) -> list[Note]:
    async with database.session() as session:
        return await repo.recent_notes(session=session, workspace_id=workspace_id, limit=limit)


async def find(*, database: Database, workspace_id: int, note_id: int) -> Note | None:
    async with database.session() as session:
        return await repo.get_note(session=session, workspace_id=workspace_id, note_id=note_id)


async def remove(*, database: Database, workspace_id: int, note_id: int) -> bool:
    async with database.session() as session:
        return await repo.delete_note(session=session, workspace_id=workspace_id, note_id=note_id)
