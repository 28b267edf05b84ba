"""The migrations build exactly the schema the tables describe, on every supported database, and a first start
(an empty database, given the tables' schema at once) ends with the very schema the migrations build."""

import asyncio
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from storage.db import Database
from storage.migrate import alembic_config, at_newest_revision, migrate, script_heads, upgrade
from tests.conftest import POSTGRES_ADMIN_URL, postgres_available


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two URLs to empty databases of one kind (nothing migrated, no version table)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
        return
    if not postgres_available():
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    names = [f"lookout_migrations_{uuid.uuid4().hex[:10]}" for _ in range(2)]

    async def admin(statements: list[str]) -> None:
        database = Database(POSTGRES_ADMIN_URL)
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                await connection.execute(text(statement))
        await database.dispose()

    asyncio.run(admin([f'CREATE DATABASE "{name}"' for name in names]))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{names[0]}", f"{base}/{names[1]}"
    asyncio.run(admin([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names]))


@pytest.fixture
async def by_version_files(empty_database_urls: tuple[str, str]) -> AsyncIterator[Database]:
    """An empty database upgraded by every version file in turn (Alembic)."""
    database = Database(empty_database_urls[0])
    async with database.engine.connect() as connection:
        await connection.run_sync(upgrade)
        await connection.commit()
    yield database
    await database.dispose()


def _schema(connection: Connection) -> dict[str, Any]:
    """What a database holds, as SQLAlchemy reads it back: columns, keys, indexes and constraints of every table."""
    inspector = inspect(connection)
    schema: dict[str, Any] = {}
    for table in inspector.get_table_names():
        columns = inspector.get_columns(table)
        schema[table] = {
            "columns": {c["name"]: (str(c["type"]), c["nullable"], str(c.get("default"))) for c in columns},
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (str(i["name"]), tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (str(u["name"]), tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
            ),
            "foreign keys": sorted(
                (
                    str(f["name"]),
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    str(sorted(f.get("options", {}).items())),
                )
                for f in inspector.get_foreign_keys(table)
            ),
        }
    rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version ORDER BY version_num")
    schema["revisions"] = [row[0] for row in rows]
    return schema


async def test_migrated_schema_matches_the_tables(by_version_files: Database) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)

    async with by_version_files.engine.connect() as connection:
        differences = await connection.run_sync(diff)

    assert differences == []


async def test_a_first_start_builds_the_schema_the_version_files_build(
    empty_database_urls: tuple[str, str], by_version_files: Database
) -> None:
    first_start = Database(empty_database_urls[1])
    try:
        await migrate(first_start)
        async with first_start.engine.connect() as connection:
            created = await connection.run_sync(_schema)
    finally:
        await first_start.dispose()
    async with by_version_files.engine.connect() as connection:
        migrated = await connection.run_sync(_schema)

    assert created == migrated
    assert set(created["revisions"]) == script_heads()


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


# What a database a release behind looks like: its revision set back, and the columns the newer one added dropped.
_SET_BACK = (
    "    async with database.engine.begin() as connection:\n"
    "        await connection.exec_driver_sql(\"UPDATE alembic_version SET version_num = '0014_alert_rules'\")\n"
    "        await connection.exec_driver_sql('ALTER TABLE subscription DROP COLUMN rollup')\n"
    "        await connection.exec_driver_sql('ALTER TABLE subscription DROP COLUMN properties')\n"
    "    await prepare_database(database)\n"
)


def _alembic_loaded(url: str, *, set_back: bool = False) -> str:
    """In a fresh interpreter, prepare the database at `url` (then, with `set_back`, put it a release behind and
    prepare it again); whether Alembic was ever imported."""
    code = (
        "import asyncio, sys\n"
        "from storage.db import Database\n"
        "from storage.migrate import prepare_database\n"
        "async def main():\n"
        f"    database = Database({url!r})\n"
        "    await prepare_database(database)\n"
        f"{_SET_BACK if set_back else ''}"
        "    await database.dispose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_starting_on_an_up_to_date_database_does_not_load_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lookout.db'}"
    first = _alembic_loaded(url)
    second = _alembic_loaded(url)

    assert (first, second) == ("False", "False")


def test_a_database_behind_the_newest_revision_is_upgraded_by_alembic(tmp_path: Path) -> None:
    assert _alembic_loaded(f"sqlite:///{tmp_path / 'lookout.db'}", set_back=True) == "True"
