"""The process-wide dependencies, built once in the entry point and handed to listeners, jobs and routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.settings import Settings
from storage.crypto import TokenCipher
from storage.db import Database


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Everything a listener or job needs; tests build one with fakes behind the same settings."""

    settings: Settings
    database: Database
    cipher: TokenCipher
    clock: Callable[[], datetime] = field(default=_utcnow)
