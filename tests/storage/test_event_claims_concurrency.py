"""Dedupe claims from several replicas at once never deadlock, whatever order their batches list the keys in."""

from __future__ import annotations

import asyncio

import pytest

from storage.db import Database
from storage.repos.events import claim_all


async def test_batches_claiming_the_same_keys_in_opposite_orders_do_not_deadlock(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has one writer at a time: batches cannot interleave")
    other_replica = Database(database.url.render_as_string(hide_password=False))
    try:
        # Given one replica's batch holding "event:A" (not yet committed),
        async with database.session() as session:
            first = await claim_all(session=session, keys={"event:A": "T1"})

            # and another replica's batch claiming the same two keys, listed the other way round, waiting on it,
            async def other_batch() -> set[str]:
                async with other_replica.session() as other:
                    return await claim_all(session=other, keys={"event:B": "T1", "event:A": "T1"})

            second = asyncio.create_task(other_batch())
            await asyncio.sleep(0.5)
            # when the first replica's next claim in the same transaction takes "event:B",
            first |= await asyncio.wait_for(claim_all(session=session, keys={"event:B": "T1"}), timeout=10)
        # then neither fails (no deadlock): the first replica won both keys, the second none.
        assert first == {"event:A", "event:B"}
        assert await asyncio.wait_for(second, timeout=10) == set()
    finally:
        await other_replica.dispose()
