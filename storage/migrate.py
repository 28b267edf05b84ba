"""Apply Alembic migrations from code (`lookout migrate`, `lookout serve`, tests).

A database already at the newest revision is recognised without Alembic: its `alembic_version` row is compared with
the heads of the version files, read as text. An empty database (a first start) is given the newest schema straight
from the tables and stamped with the newest revision, as Alembic's documentation suggests for building a database
from scratch; `tests/storage/test_migrations.py` checks that this schema is the one the migrations build. Alembic
(with Mako and Pygments) costs ~9 MB that the process keeps and ~0.3 s of CPU at start-up, and is loaded only when
there is something to upgrade.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

from storage.db import Database
from storage.reachability import DatabaseProblem, DatabaseUnavailable, classify, wait_for_database

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^revision\b[^=\n]*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")
# Any fixed 64-bit number: PostgreSQL advisory lock so replicas starting together migrate one at a time.
_MIGRATION_LOCK_ID = 0x4C4F4F4B4F5554


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def script_heads() -> frozenset[str]:
    """The newest revisions of the version files (those no other revision names as its `down_revision`)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text()
        revision = _REVISION.search(text)
        if revision is None:
            continue
        revisions.add(revision.group(1))
        down = _DOWN_REVISION.search(text)
        if down is not None:
            parents.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - parents)


async def at_newest_revision(database: Database) -> bool:
    """True when the database's recorded revisions are exactly the newest ones (False when it has none yet)."""
    try:
        async with database.engine.connect() as connection:
            result = await connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            current = frozenset(str(row[0]) for row in result)
    except SQLAlchemyError:
        return False  # no version table yet, or it cannot be read: Alembic decides
    return bool(current) and current == script_heads()


async def migrate(database: Database) -> None:
    """Upgrade the schema to the newest revision."""
    if await at_newest_revision(database):
        return
    async with database.engine.connect() as connection:
        if database.is_postgres:
            await connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_ID})")
        try:
            await connection.run_sync(_create_or_upgrade)
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


def _create_or_upgrade(connection: Connection) -> None:
    """Under the migration lock: an empty database gets the newest schema at once, any other is upgraded."""
    if inspect(connection).get_table_names():
        upgrade(connection)
    else:
        create_newest(connection)


def create_newest(connection: Connection) -> None:
    """Create every table and record the newest revisions, as `alembic stamp head` would after `create_all`."""
    import storage.tables  # noqa: F401 - registers every table on SQLModel.metadata

    SQLModel.metadata.create_all(connection)
    # Alembic's version table, as `alembic.ddl.impl.DefaultImpl.version_table_impl` defines it.
    version = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    version.create(connection)
    connection.execute(version.insert(), [{"version_num": head} for head in sorted(script_heads())])


def upgrade(connection: Connection) -> None:
    """Run the version files from the database's revision to the newest (Alembic)."""
    from alembic import command

    command.upgrade(alembic_config(connection), "head")
