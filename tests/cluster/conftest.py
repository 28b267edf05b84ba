"""Cluster fixtures: a fresh, empty PostgreSQL database per test (the replicas migrate it), the fakes, a cluster."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from storage.db import Database
from tests.cluster.harness import Cluster
from tests.conftest import POSTGRES_ADMIN_URL, postgres_available


def _require_postgres() -> None:
    if postgres_available():
        return
    if os.environ.get("LOOKOUT_REQUIRE_POSTGRES") == "1":
        pytest.fail("LOOKOUT_REQUIRE_POSTGRES=1 but PostgreSQL does not answer on 127.0.0.1:5432")
    pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")


async def _admin(statement: str) -> None:
    admin = Database(POSTGRES_ADMIN_URL)
    try:
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await admin.dispose()


@pytest.fixture
async def cluster_database_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards (replicas and their connections included)."""
    _require_postgres()
    name = f"lookout_cluster_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def secret_key() -> str:
    """One LOOKOUT_SECRET_KEY shared by every replica, as a deployment shares it."""
    return Fernet.generate_key().decode()


@pytest.fixture
async def cluster(tmp_path: Path, cluster_database_url: str) -> AsyncIterator[Cluster]:
    """Replicas started by the test; every one is killed at the end whatever happened, before their database is
    dropped (this fixture depends on `cluster_database_url` for that order)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Cluster(env={}, log_dir=logs)
    try:
        yield running
    finally:
        await asyncio.wait_for(running.close(), timeout=30)
