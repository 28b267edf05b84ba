"""Column helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Integer


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp_column(*, nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware timestamp; SQLite stores it as text, PostgreSQL as timestamptz."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def workspace_fk_column(*, index: bool = True, unique: bool = False) -> Any:
    """The owning workspace; rows go with it when the workspace is deleted (uninstall, tokens revoked)."""
    return Column(
        Integer,
        ForeignKey("workspace.id", ondelete="CASCADE"),
        nullable=False,
        index=index,
        unique=unique,
    )
