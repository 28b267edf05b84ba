"""Shared fixtures: the network guard, a migrated database (SQLite, and PostgreSQL when it answers), a cipher."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import SQLModel

from storage.crypto import TokenCipher
from storage.db import Database
from storage.migrate import migrate
from tests import network_guard

network_guard.install()

# Never let an SDK pick up a developer's real keys or endpoints from the environment.
for _name in list(os.environ):
    if _name.startswith(
        ("SLACK_", "GOOGLE_", "GA4_", "SEARCH_CONSOLE_", "ANTHROPIC_", "GEMINI_", "XAI_", "OPENAI_")
    ) or _name in ("DATABASE_URL", "LOOKOUT_SECRET_KEY"):
        del os.environ[_name]

POSTGRES_ADMIN_URL = os.environ.get("LOOKOUT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _no_real_network() -> Iterator[None]:
    before = len(network_guard.attempts)
    yield
    leaked = network_guard.attempts[before:]
    assert not leaked, f"test tried to reach the real network: {leaked}"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`lookout …` entry points configure the root logger; keep that from leaking into later tests."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: migrating once keeps the suite fast."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def build() -> None:
        database = Database(f"sqlite:///{path}")
        await migrate(database)
        await database.dispose()

    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def _postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated once and dropped at the end."""
    if not postgres_available():
        if os.environ.get("LOOKOUT_REQUIRE_POSTGRES") == "1":
            pytest.fail("LOOKOUT_REQUIRE_POSTGRES=1 but PostgreSQL does not answer on 127.0.0.1:5432")
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    name = f"lookout_test_{uuid.uuid4().hex[:10]}"

    async def admin_sql(statement: str) -> None:
        admin = Database(POSTGRES_ADMIN_URL)
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
        await admin.dispose()

    async def create() -> None:
        await admin_sql(f'CREATE DATABASE "{name}"')
        database = Database(_replace_db(POSTGRES_ADMIN_URL, name))
        await migrate(database)
        await database.dispose()

    asyncio.run(create())
    yield _replace_db(POSTGRES_ADMIN_URL, name)
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _replace_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty, migrated database of each kind; tests that take it run once per kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "lookout.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("_postgres_url")
    asyncio.run(_truncate_all(url))
    return url


async def _truncate_all(url: str) -> None:
    database = Database(url)
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    async with database.session() as session:
        await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await database.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher(Fernet.generate_key())


# ------------------------------------------------------------------------------------------------ Slack front door
# A fake Slack Web API and the real aiohttp app running against it (see tests/helpers/app_harness.py).

from collections.abc import Awaitable, Callable  # noqa: E402
from contextlib import AsyncExitStack  # noqa: E402
from typing import Any  # noqa: E402

from bot.fakes.slack_api import FakeSlack  # noqa: E402
from tests.helpers.app_harness import RunningApp, running_app  # noqa: E402
from tests.helpers.slack_requests import DEFAULT_USER  # noqa: E402


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API on loopback; `fake_slack.url` is a SLACK_API_URL.

    Its default person (`DEFAULT_USER`, Alice) is a workspace admin, so she may change settings; anyone else is an
    ordinary member unless a test says otherwise (`fake_slack.add_user(..., is_restricted=True)`).
    """
    async with FakeSlack() as slack:
        slack.add_user(DEFAULT_USER, name="Alice", is_admin=True)
        yield slack


@pytest.fixture
async def slack_app(fake_slack: FakeSlack, database: Database, tmp_path: Path) -> AsyncIterator[RunningApp]:
    """The real app in single-workspace mode (SLACK_BOT_TOKEN = the fake's bot token), on both databases."""
    async with running_app(slack=fake_slack, database=database, data_dir=tmp_path, mode="single") as app:
        yield app


@pytest.fixture
async def multi_workspace_app(fake_slack: FakeSlack, database: Database, tmp_path: Path) -> AsyncIterator[RunningApp]:
    """The real app in multi-workspace mode (SLACK_CLIENT_ID/SECRET); nothing is installed yet."""
    async with running_app(slack=fake_slack, database=database, data_dir=tmp_path, mode="multi") as app:
        yield app


@pytest.fixture
async def start_app(
    fake_slack: FakeSlack, database: Database, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[RunningApp]]]:
    """Start an app with custom options: `await start_app(mode="multi", configure=fn, **settings_overrides)`."""
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> RunningApp:
            options.setdefault("data_dir", tmp_path)
            return await stack.enter_async_context(running_app(slack=fake_slack, database=database, **options))

        yield start
