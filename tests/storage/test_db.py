"""The database wrapper: a pooled SQLite connection goes back to the pool outside any transaction."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.db import Database


async def _in_transaction_and_count(database: Database) -> tuple[bool, int]:
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        in_transaction = bool(raw.driver_connection.in_transaction)  # type: ignore[union-attr]
        count = int((await connection.execute(text("SELECT count(*) FROM kept"))).scalar_one())
    return in_transaction, count


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'reset.db'}")
    try:
        async with database.session() as session:
            await session.execute(text("CREATE TABLE kept (x INTEGER)"))
        # When a connection goes back to the pool with a write its holder never committed,
        async with database.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.execute("INSERT INTO kept VALUES (1)")
            assert driver.in_transaction

        # the next one to take it (the pool's only connection) finds no transaction open and the write undone.
        assert await _in_transaction_and_count(database) == (False, 0)
    finally:
        await database.dispose()


async def test_committed_sessions_leave_their_connection_clean_and_their_rows_kept(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'reset.db'}")
    try:
        async with database.session() as session:
            await session.execute(text("CREATE TABLE kept (x INTEGER)"))
        for value in range(3):
            async with database.session() as session:
                await session.execute(text("INSERT INTO kept VALUES (:x)"), {"x": value})

        assert await _in_transaction_and_count(database) == (False, 3)
    finally:
        await database.dispose()
