"""Lookout notes: what people wrote down about a day of their data (`/lookout note`, the "Add as note" shortcut).

They live here, not in Google Analytics: Lookout's Google scopes are read-only. A note marked `expected` says the
day's change was planned (a sale, a migration); alerts whose incident starts on that day are not posted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from storage.tables.base import timestamp_column, utcnow, workspace_fk_column


class Note(SQLModel, table=True):
    """One note on one day (the property's local day, as the person chose it)."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    day: date = Field(index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    expected: bool = False  # the day's change was planned: alerts starting that day are not posted
    created_by: str = Field(max_length=32)  # Slack user id
    source_channel_id: str = Field(default="", max_length=32)  # the message a shortcut turned into this note
    source_ts: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
