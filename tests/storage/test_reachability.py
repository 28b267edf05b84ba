"""Why the database cannot be used, said per cause and without the password, and waiting for it at start."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from storage.db import Database
from storage.migrate import prepare_database
from storage.reachability import DatabaseProblem, DatabaseUnavailable, check_database, wait_for_database
from tests.conftest import POSTGRES_ADMIN_URL, postgres_available

# Port 1 on loopback: nothing listens there, so the kernel refuses at once.
REFUSED_URL = "postgresql://lookout:hunter2@127.0.0.1:1/lookout"


async def test_a_refused_connection_is_named_without_the_password() -> None:
    database = Database(REFUSED_URL)
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            await check_database(database)
    finally:
        await database.dispose()

    assert caught.value.problem is DatabaseProblem.REFUSED
    assert caught.value.url == "postgresql://lookout@127.0.0.1:1/lookout"
    assert "hunter2" not in str(caught.value)


async def test_a_sqlite_file_in_a_missing_directory_cannot_be_opened(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the directory should be")
    database = Database(f"sqlite:///{blocker}/lookout.db")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            await prepare_database(database)
    finally:
        await database.dispose()

    assert caught.value.problem is DatabaseProblem.CANNOT_OPEN


async def test_waiting_retries_with_backoff_until_the_database_appears(tmp_path: Path) -> None:
    # The directory of the SQLite file appears only after two failed attempts (a volume mounted late).
    folder = tmp_path / "mounted-later"
    database = Database(f"sqlite:///{folder}/lookout.db")
    folder.rmdir()  # `Database` creates the directory when it can; here it is not there yet
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            folder.mkdir()

    try:
        await wait_for_database(database, wait_seconds=60, sleep=sleep)
        await prepare_database(database)
    finally:
        await database.dispose()

    assert pauses == [1.0, 2.0]
    assert (folder / "lookout.db").exists()


async def test_waiting_gives_up_after_the_configured_time() -> None:
    database = Database(REFUSED_URL)
    now = [0.0]
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            await wait_for_database(database, wait_seconds=20, sleep=sleep, clock=lambda: now[0])
    finally:
        await database.dispose()

    assert caught.value.problem is DatabaseProblem.REFUSED
    assert pauses == [1.0, 2.0, 4.0, 8.0, 5.0]  # doubling, the last one cut to the deadline


async def test_without_waiting_the_first_failure_is_reported() -> None:
    database = Database(REFUSED_URL)
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    try:
        with pytest.raises(DatabaseUnavailable):
            await wait_for_database(database, wait_seconds=0, sleep=sleep)
    finally:
        await database.dispose()

    assert pauses == []


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("user", DatabaseProblem.AUTH),
        ("database", DatabaseProblem.NO_DATABASE),
    ],
)
async def test_postgresql_refusals_are_told_apart(change: str, problem: DatabaseProblem) -> None:
    if not postgres_available():
        pytest.skip("PostgreSQL does not answer on 127.0.0.1:5432")
    missing = f"nobody_{uuid.uuid4().hex[:8]}"
    base, _, name = POSTGRES_ADMIN_URL.rpartition("/")
    url = base.replace("postgres@", f"{missing}:pw@", 1) + "/" + name if change == "user" else base + "/" + missing
    database = Database(url)
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            await prepare_database(database)
    finally:
        await database.dispose()

    assert caught.value.problem is problem
    assert ":pw@" not in caught.value.url
