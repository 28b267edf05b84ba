"""SQLite's one writer, handed from session to session in this process without sleeping.

SQLite lets one transaction write at a time. Python's driver begins a transaction at a session's first INSERT,
UPDATE or DELETE and holds the write lock until COMMIT. Between a session's statements the event loop runs other
work (aiosqlite runs each statement in its connection's thread), so a write transaction lasts milliseconds, and a
second session that tries to write meanwhile waits in SQLite's busy handler, which polls by *sleeping* 1, 2, 5, 10,
15, 20, 25 … ms between tries. Under load those sleeps, not the work, are what answers wait for: with 8 conversations
at once, `lookout bench agent` found six connection threads asleep in `sqlite3InvokeBusyHandler` at any moment.

`SqliteWriter` makes sessions of this process queue for the write lock on an asyncio lock instead: a session takes
its turn just before its first write statement (when SQLite itself would take the lock) and gives it back once its
transaction has ended, and the next one in line starts at once. Reads never wait. Other processes on the same file
(`lookout digest` beside `lookout serve`) still meet SQLite's busy handler, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# As long as SQLite's own busy timeout (`PRAGMA busy_timeout` in db.py): past it a writer gives up the same way.
WAIT_SECONDS = 30.0
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _Turn:
    """One session's place in the writers' queue."""

    __slots__ = ("held",)

    def __init__(self) -> None:
        self.held = False


# The session running in this task (set by `SqliteWriter.session_turn`); the engine's event reads it.
_current: ContextVar[_Turn | None] = ContextVar("lookout_sqlite_writer_turn", default=None)


class SqliteWriter:
    """The write lock of one SQLite engine, for the sessions of this process (see the module's docstring)."""

    def __init__(self, engine: Engine, *, wait_seconds: float = WAIT_SECONDS) -> None:
        self._wait_seconds = wait_seconds
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner: asyncio.Task[Any] | None = None
        event.listen(engine, "before_cursor_execute", self._before_execute)

    @contextmanager
    def session_turn(self) -> Iterator[None]:
        """Around one session: its write turn, if it took one, is given back when the block (its transaction) ends."""
        turn = _Turn()
        token = _current.set(turn)
        try:
            yield
        finally:
            _current.reset(token)
            if turn.held:
                self._owner = None
                self._lock_for_this_loop().release()

    def _before_execute(self, conn: Connection, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any) -> None:
        turn = _current.get()
        if turn is None or turn.held or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        task = asyncio.current_task()
        if task is None or task is self._owner:
            # A session opened inside another one of the same task: waiting for the outer one would never end, so
            # SQLite decides, as without this class.
            return
        dbapi_connection: Any = conn.connection.dbapi_connection
        dbapi_connection.run_async(lambda _raw: self._take(task))
        turn.held = True

    async def _take(self, task: asyncio.Task[Any]) -> None:
        # Not `asyncio.wait_for`: on Python 3.11 it acquires in a task of its own, and when the caller is cancelled
        # just as that task gets the lock it returns the lock and swallows the cancellation, so a cancelled session
        # kept writing and the task never ended (a stopping server waited for it for ever). Awaited directly, the
        # lock re-raises the cancellation and hands the turn to the next in line.
        async with asyncio.timeout(self._wait_seconds):
            await self._lock_for_this_loop().acquire()
        self._owner = task

    def _lock_for_this_loop(self) -> asyncio.Lock:
        # A lock belongs to one event loop; a process that runs several in turn (tests, `asyncio.run` twice) gets a
        # new one for each. Never two at once: the engine's connections belong to one loop too.
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop, self._owner = asyncio.Lock(), loop, None
        return self._lock
