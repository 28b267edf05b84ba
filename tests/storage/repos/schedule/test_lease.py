"""The scheduler lease (`storage/repos/schedule/lease.py`): one holder until it expires or is released."""

import asyncio
from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.repos.schedule import (
    lease_holder,
    release_lease,
    try_acquire_lease,
)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def test_the_lease_has_one_holder_until_it_expires_or_is_released(database: Database) -> None:
    ttl = timedelta(seconds=20)

    async def acquire(holder: str, at: datetime) -> bool:
        async with database.session() as session:
            return await try_acquire_lease(session=session, name="scheduler", holder=holder, now=at, ttl=ttl)

    results = await asyncio.gather(*(acquire(name, NOW) for name in ("a", "b", "c")))
    assert results.count(True) == 1
    winner = ["a", "b", "c"][results.index(True)]
    loser = "b" if winner != "b" else "c"

    assert await acquire(winner, NOW + timedelta(seconds=10))  # renewal
    assert not await acquire(loser, NOW + timedelta(seconds=25))  # renewed until +30
    assert await acquire(loser, NOW + timedelta(seconds=31))  # expired: taken over
    async with database.session() as session:
        assert await lease_holder(session=session, name="scheduler", now=NOW + timedelta(seconds=32)) == loser
        await release_lease(session=session, name="scheduler", holder=loser)
    async with database.session() as session:
        assert await lease_holder(session=session, name="scheduler", now=NOW + timedelta(seconds=32)) is None
    assert await acquire(winner, NOW + timedelta(seconds=33))
