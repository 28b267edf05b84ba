"""The migrations build exactly the schema the tables describe, on every supported database."""

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from storage.db import Database
from storage.migrate import alembic_config, at_newest_revision, migrate, script_heads


async def test_migrated_schema_matches_the_tables(database: Database) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(diff)

    assert differences == []


def test_the_newest_revisions_are_read_from_the_version_files_as_alembic_reads_them() -> None:
    assert script_heads() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_only_a_database_at_the_newest_revision_skips_alembic(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert not await at_newest_revision(database)  # nothing there yet: Alembic creates the schema
        await migrate(database)
        assert await at_newest_revision(database)
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001_core'")
        assert not await at_newest_revision(database)  # behind: Alembic upgrades it
    finally:
        await database.dispose()


def test_starting_on_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lookout.db'}"
    code = (
        "import asyncio, sys\n"
        "from storage.db import Database\n"
        "from storage.migrate import prepare_database\n"
        "async def main():\n"
        f"    database = Database({url!r})\n"
        "    await prepare_database(database)\n"
        "    await database.dispose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert (first.strip(), second.strip()) == ("True", "False")
