"""Apply Alembic migrations from code (`lookout migrate`, `lookout serve`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from storage.db import Database
from storage.reachability import DatabaseProblem, DatabaseUnavailable, classify, wait_for_database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number: PostgreSQL advisory lock so replicas starting together migrate one at a time.
_MIGRATION_LOCK_ID = 0x4C4F4F4B4F5554


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def migrate(database: Database) -> None:
    """Upgrade the schema to the newest revision."""
    async with database.engine.connect() as connection:
        if database.is_postgres:
            await connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_ID})")
        try:
            await connection.run_sync(_upgrade)
            await connection.commit()
        finally:
            if database.is_postgres:
                await connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_ID})")
                await connection.commit()


async def prepare_database(database: Database, *, wait_seconds: float = 0.0) -> None:
    """What every command that uses the database does first: wait for it (up to `wait_seconds`), then migrate.

    Raises `DatabaseUnavailable` when the database cannot be reached or written, so the command can say so in one
    line; anything else failing inside a migration is a bug and propagates as it is.
    """
    await wait_for_database(database, wait_seconds=wait_seconds)
    try:
        await migrate(database)
    except Exception as error:
        problem = classify(error)
        if problem is DatabaseProblem.OTHER:
            raise
        raise DatabaseUnavailable(problem=problem, url=database.display_url) from error


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
