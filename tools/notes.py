"""What the tools read of Lookout notes (`/lookout note`): storage's `WorkspaceNotes` is the real source.

Protocols only, apart from `tools.annotations`, so that `tools.context` can name them without importing the tool.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol


class NoteLike(Protocol):
    """A Lookout note as storage hands it over (`storage.tables.notes.Note`)."""

    @property
    def id(self) -> int | None: ...
    @property
    def day(self) -> date: ...
    @property
    def text(self) -> str: ...
    @property
    def expected(self) -> bool: ...


class NoteSource(Protocol):
    """One workspace's Lookout notes (`storage.repos.notes.WorkspaceNotes`)."""

    async def notes_between(self, *, start: date, end: date) -> Sequence[NoteLike]: ...
