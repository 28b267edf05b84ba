"""Column helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Column, CursorResult, DateTime, ForeignKey, Integer, Result


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone, even from timezone-aware columns; every timestamp we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (what a compare-and-set checks to know whether it won)."""
    return cast(CursorResult[Any], result).rowcount


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
