"""The dedupe ledger: one winner per key, whether claims share a transaction or not."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.platform.slack.dedupe import EventLedger
from storage.db import Database
from storage.tables.core import ProcessedEvent


async def test_concurrent_claims_of_one_key_have_exactly_one_winner(database: Database) -> None:
    ledger = EventLedger()

    results = await asyncio.gather(
        *(ledger.claim(database=database, keys={"event:Ev1": "T1", f"other:{n}": "T1"}) for n in range(20))
    )

    winners = [result for result in results if "event:Ev1" in result]
    assert len(winners) == 1
    assert all(f"other:{n}" in result for n, result in enumerate(results))
    async with database.session() as session:
        stored = (await session.execute(select(ProcessedEvent.key, ProcessedEvent.team_id))).all()
    assert len(stored) == 21
    assert {team for _, team in stored} == {"T1"}


async def test_a_key_claimed_earlier_or_by_another_ledger_is_not_won_again(database: Database) -> None:
    first, second = EventLedger(), EventLedger()  # two replicas

    won_first = await first.claim(database=database, keys={"message:T1:C1:1.0": "T1"})
    won_second = await second.claim(database=database, keys={"message:T1:C1:1.0": "T1", "event:Ev2": "T1"})

    assert won_first == {"message:T1:C1:1.0"}
    assert won_second == {"event:Ev2"}
