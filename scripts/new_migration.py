"""Autogenerate the next Alembic revision from the tables: `.venv/bin/python scripts/new_migration.py REV_ID "message"`."""

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

from storage.db import Database
from storage.migrate import alembic_config, upgrade


async def main(rev_id: str, message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'gen.db'}")
        async with database.engine.connect() as connection:
            # The version files, not `migrate`: an empty database would be created from the tables, new one included.
            await connection.run_sync(upgrade)
            await connection.commit()
            await connection.run_sync(
                lambda c: command.revision(alembic_config(c), message=message, autogenerate=True, rev_id=rev_id)
            )
        await database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
