"""Apply Alembic migrations from code (`lookout migrate`, `lookout serve`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from storage.db import Database

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


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
