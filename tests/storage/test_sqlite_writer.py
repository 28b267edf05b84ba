"""SQLite's writers queue in the process instead of sleeping in SQLite's busy handler (`storage/sqlite_writer.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event, text

from storage.db import Database


@pytest.fixture
async def impatient(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite database whose connections never wait for the write lock: a writer that meets another fails at once.

    What is left of SQLite's own waiting is then nothing, so only the in-process queue can keep writers apart.
    """
    database = Database(f"sqlite:///{tmp_path / 'writers.db'}")

    def no_busy_wait(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    event.listen(database.engine.sync_engine, "connect", no_busy_wait)  # after Database's own pragmas
    async with database.session() as session:
        await session.execute(text("CREATE TABLE written (writer INTEGER, step INTEGER)"))
    yield database
    await database.dispose()


async def _count(database: Database) -> int:
    async with database.session() as session:
        return int((await session.execute(text("SELECT count(*) FROM written"))).scalar_one())


async def test_sessions_that_write_at_once_take_turns_instead_of_failing(impatient: Database) -> None:
    async def writer(number: int) -> None:
        async with impatient.session() as session:
            await session.execute(text("SELECT count(*) FROM written"))  # reads first, as most sessions do
            await session.execute(text("INSERT INTO written VALUES (:n, 1)"), {"n": number})
            await asyncio.sleep(0.005)  # the event loop runs other work while this transaction is open
            await session.execute(text("INSERT INTO written VALUES (:n, 2)"), {"n": number})

    await asyncio.gather(*(writer(number) for number in range(8)))

    assert await _count(impatient) == 16


async def test_a_session_that_fails_gives_its_turn_back(impatient: Database) -> None:
    async def fail_after_writing() -> None:
        async with impatient.session() as session:
            await session.execute(text("INSERT INTO written VALUES (1, 1)"))
            raise RuntimeError("the caller's own error")

    with pytest.raises(RuntimeError):
        await fail_after_writing()

    async def write() -> None:
        async with impatient.session() as session:
            await session.execute(text("INSERT INTO written VALUES (2, 1)"))

    await asyncio.wait_for(write(), timeout=10)
    assert await _count(impatient) == 1  # the failed one was rolled back


async def test_reads_do_not_wait_for_a_writer(impatient: Database) -> None:
    written, finish = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with impatient.session() as session:
            await session.execute(text("INSERT INTO written VALUES (1, 1)"))
            written.set()
            await finish.wait()

    task = asyncio.create_task(slow_writer())
    await written.wait()
    assert await asyncio.wait_for(_count(impatient), timeout=10) == 0  # it reads what was committed
    finish.set()
    await task
    assert await _count(impatient) == 1


async def test_a_session_opened_inside_a_writing_one_does_not_wait_for_it(impatient: Database) -> None:
    async def outer() -> int:
        async with impatient.session() as session:
            await session.execute(text("INSERT INTO written VALUES (1, 1)"))
            return await _count(impatient)  # the same task: waiting for the outer session would never end

    assert await asyncio.wait_for(outer(), timeout=10) == 0


async def test_the_queue_works_again_on_a_later_event_loop(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'loops.db'}")
    async with database.session() as session:
        await session.execute(text("CREATE TABLE written (writer INTEGER, step INTEGER)"))
    await database.dispose()

    def in_new_loop() -> None:
        async def write() -> None:
            async with database.session() as session:
                await session.execute(text("INSERT INTO written VALUES (1, 1)"))
            await database.dispose()

        asyncio.run(write())

    await asyncio.to_thread(in_new_loop)
    assert await _count(database) == 1
    await database.dispose()


@pytest.mark.parametrize("turns_before_cancel", [0, 1, 2, 3])
async def test_a_writer_cancelled_while_its_turn_comes_ends_cancelled_and_keeps_no_turn(
    impatient: Database, turns_before_cancel: int
) -> None:
    writer = impatient._writer
    assert writer is not None
    lock = writer._lock_for_this_loop()
    await lock.acquire()  # another session writes
    waiting = asyncio.create_task(writer._take(asyncio.current_task()))  # type: ignore[arg-type]
    await asyncio.sleep(0)

    lock.release()  # its turn comes ...
    for _ in range(turns_before_cancel):
        await asyncio.sleep(0)
    cancel_requested = waiting.cancel()  # ... and it is cancelled about then (a server stopping)
    await asyncio.gather(waiting, return_exceptions=True)

    if cancel_requested:
        assert waiting.cancelled()  # never swallowed: the task ends
        assert not lock.locked()  # and the turn went to nobody, or to the next in line
    else:
        assert lock.locked()  # it had its turn before the cancel came: its session gives it back


async def test_a_writer_that_waits_past_the_limit_gives_up_like_sqlite_would(impatient: Database) -> None:
    writer = impatient._writer
    assert writer is not None
    writer._wait_seconds = 0.05  # SQLite's own limit is 30 s
    lock = writer._lock_for_this_loop()
    await lock.acquire()  # a session that never finishes

    with pytest.raises(TimeoutError):
        await writer._take(asyncio.current_task())  # type: ignore[arg-type]

    lock.release()
    assert not lock.locked()  # the one that gave up took nothing
