"""Async engine and sessions for SQLite (one process) or PostgreSQL (several replicas)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

from storage.sqlite_writer import SqliteWriter

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


# Connections a process keeps open (more are opened for a burst, up to 10 beyond this, and closed after it).
POOL_SIZE = 10


def async_url(database_url: str) -> URL:
    """Map the URLs operators write (`sqlite:///…`, `postgresql://…`) onto the async drivers we ship."""
    url = make_url(database_url)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        url = url.set(drivername="sqlite+aiosqlite")
    elif url.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+asyncpg")
    return url


def display_url(database_url: str) -> str:
    """The URL as the operator wrote it, minus any password (in the authority or as a query parameter)."""
    url = make_url(database_url)
    bare = URL.create(
        drivername=url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query={key: value for key, value in url.query.items() if key.lower() != "password"},
    )
    return bare.render_as_string(hide_password=False)


class Database:
    """Owns the engine; hands out sessions. One per process, created in the entry point.

    With a `tracer` (OpenTelemetry's API, set by the composition root when tracing is on) each session's transaction
    is a span; statements and their parameters never go on it (they may hold encrypted tokens).
    """

    def __init__(self, database_url: str, *, echo: bool = False) -> None:
        self.url = async_url(database_url)
        # Where the database is, as the operator wrote it, for messages and logs: never with its password.
        self.display_url = display_url(database_url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            # When this fails the first connection says so, and the caller turns that into one line for the operator.
            with contextlib.suppress(OSError):
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, object] = {"echo": echo}
        if self.is_postgres:
            kwargs.update(pool_size=POOL_SIZE, max_overflow=10, pool_pre_ping=True, pool_recycle=1800)
        else:
            # A connection going back to the pool is rolled back only when it is in a transaction (`_sqlite_reset`):
            # after a commit, SQLAlchemy's default ROLLBACK does nothing but cost a trip to aiosqlite's thread (one of
            # the ~12 per answer in `lookout bench agent`). PostgreSQL's driver already skips it without a transaction.
            kwargs.update(connect_args={"timeout": 30}, pool_reset_on_return=None)
            if self.url.database and self.url.database != ":memory:":
                # As many kept as PostgreSQL's: with SQLAlchemy's default five, the sixth to eighth answers stored at
                # once (each waits its turn for SQLite's one writer) opened a connection and closed it again, a thread
                # and four pragmas each time (0.4 per answer in `lookout bench agent`).
                kwargs.update(pool_size=POOL_SIZE, max_overflow=10)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        # SQLite's writers queue in this process rather than sleep in its busy handler (`sqlite_writer.py`).
        self._writer: SqliteWriter | None = None
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "reset", _sqlite_reset)
            self._writer = SqliteWriter(self.engine.sync_engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.tracer: Tracer | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self._writer.session_turn() if self._writer is not None else contextlib.nullcontext():
            async with self._traced_session() as session:
                yield session

    @asynccontextmanager
    async def _traced_session(self) -> AsyncIterator[AsyncSession]:
        if self.tracer is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        from opentelemetry.trace import SpanKind

        system = "postgresql" if self.is_postgres else self.url.get_backend_name()
        attributes = {"db.system.name": system, "db.operation.name": "transaction"}
        with self.tracer.start_as_current_span(
            f"{system} transaction",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                async with self._sessions() as session, session.begin():
                    yield session
            except BaseException as error:
                from opentelemetry.trace import Status, StatusCode

                # The type only: an error's text may quote the statement's parameters.
                span.set_attribute("error.type", type(error).__qualname__)
                span.set_status(Status(StatusCode.ERROR))
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_reset(dbapi_connection: Any, record: ConnectionPoolEntry, state: PoolResetState) -> None:
    """Roll back a connection that returns to the pool inside a transaction (what SQLAlchemy's default reset does
    for every connection); one that is not in a transaction has nothing to roll back."""
    if state.terminate_only or not state.asyncio_safe:
        return  # the connection is being discarded, or this is not the event loop's thread: as SQLAlchemy's reset
    if record.driver_connection is not None and record.driver_connection.in_transaction:
        dbapi_connection.rollback()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
