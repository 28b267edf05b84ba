"""The migrations build exactly the schema the tables describe, on every supported database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from storage.db import Database


async def test_migrated_schema_matches_the_tables(database: Database) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(diff)

    assert differences == []
