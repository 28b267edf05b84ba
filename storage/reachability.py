"""Why the database cannot be used, in a form an operator can act on, and waiting for it at start.

Drivers fail in their own ways (asyncpg raises `ConnectionRefusedError` or an SQLSTATE, SQLite an
`OperationalError` with a sentence); `classify` maps them onto a few `DatabaseProblem`s so that `lookout` can print
one line that says what to check, and `/healthz` can say why it is unhealthy.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.db import Database

logger = logging.getLogger(__name__)

# Seconds between attempts while waiting for the database at start: doubling, capped.
_FIRST_DELAY, _MAX_DELAY = 1.0, 15.0
# One connection attempt may take this long before it counts as "timed out".
CONNECT_TIMEOUT_SECONDS = 10.0


class DatabaseProblem(StrEnum):
    REFUSED = "connection refused"
    UNREACHABLE = "host unreachable"
    CONNECTION_LOST = "connection lost"
    UNKNOWN_HOST = "host name not found"
    TIMEOUT = "timed out"
    AUTH = "login refused"
    NO_DATABASE = "database does not exist"
    STARTING = "database is starting up or shutting down"
    TOO_MANY_CONNECTIONS = "too many connections"
    CANNOT_OPEN = "cannot open the database file"
    READ_ONLY = "database is read-only"
    OTHER = "unexpected error"


# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) an operator can fix.
_SQLSTATES = {
    "28000": DatabaseProblem.AUTH,  # invalid_authorization_specification (unknown role, pg_hba.conf)
    "28P01": DatabaseProblem.AUTH,  # invalid_password
    "3D000": DatabaseProblem.NO_DATABASE,  # invalid_catalog_name
    "57P01": DatabaseProblem.STARTING,  # admin_shutdown
    "57P02": DatabaseProblem.STARTING,  # crash_shutdown
    "57P03": DatabaseProblem.STARTING,  # cannot_connect_now
    "53300": DatabaseProblem.TOO_MANY_CONNECTIONS,
    "25006": DatabaseProblem.READ_ONLY,  # read_only_sql_transaction (a hot standby, default_transaction_read_only)
}


class DatabaseUnavailable(RuntimeError):
    """The database could not be used; `problem` says why, `url` is where (never with its password)."""

    def __init__(self, *, problem: DatabaseProblem, url: str) -> None:
        super().__init__(f"{problem.value} ({url})")
        self.problem = problem
        self.url = url


def classify(error: BaseException) -> DatabaseProblem:
    """The operator-level cause of a failed database call."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _classify_one(current)
        if found is not None:
            return found
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return DatabaseProblem.OTHER


def _classify_one(error: BaseException) -> DatabaseProblem | None:
    if isinstance(error, socket.gaierror):
        return DatabaseProblem.UNKNOWN_HOST
    if isinstance(error, ConnectionRefusedError):
        return DatabaseProblem.REFUSED
    if isinstance(error, TimeoutError):
        return DatabaseProblem.TIMEOUT
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate in _SQLSTATES:
        return _SQLSTATES[sqlstate]
    message = str(error).lower()
    if "readonly database" in message:  # SQLite: the file or its directory is not writable
        return DatabaseProblem.READ_ONLY
    if "unable to open database file" in message:  # SQLite: a missing or unreadable directory
        return DatabaseProblem.CANNOT_OPEN
    if isinstance(error, ConnectionError) or "connection was closed" in message or "connection is closed" in message:
        return DatabaseProblem.CONNECTION_LOST
    if isinstance(error, OSError):
        return DatabaseProblem.UNREACHABLE
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return DatabaseProblem.CONNECTION_LOST
    return None


async def check_database(database: Database) -> None:
    """Connect and run one query; raises `DatabaseUnavailable` saying why when that fails."""
    try:
        if database.is_sqlite and database.url.database not in (None, "", ":memory:"):
            # Opened with the plain driver first: when aiosqlite fails to open a file, its worker thread reports
            # the failure to the event loop later, and after `asyncio.run` has closed the loop that is a traceback.
            await asyncio.to_thread(_open_sqlite, str(database.url.database))
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS), database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        raise DatabaseUnavailable(problem=classify(error), url=database.display_url) from error


def _open_sqlite(path: str) -> None:
    sqlite3.connect(path).close()


async def wait_for_database(
    database: Database,
    *,
    wait_seconds: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once the database answers. With `wait_seconds` > 0, retry with backoff (1 s doubling to 15 s) for that
    long, logging each failed attempt once; then, or at once without waiting, raise `DatabaseUnavailable`."""
    deadline = clock() + max(0.0, wait_seconds)
    delay = _FIRST_DELAY
    while True:
        try:
            await check_database(database)
            return
        except DatabaseUnavailable as unavailable:
            remaining = deadline - clock()
            if remaining <= 0:
                raise
            pause = min(delay, remaining)
            logger.warning(
                "database at %s not available (%s); retrying in %.0f s", unavailable.url, unavailable.problem, pause
            )
            await sleep(pause)
            delay = min(delay * 2, _MAX_DELAY)
