"""The dedupe ledger in front of the database: concurrent claims share one transaction (group commit).

A claim is a row in `ProcessedEvent` under a unique key, so the first claimant wins across retries, event kinds and
replicas. Under load, every claim that arrives while a transaction is running joins the next one, so a burst of
mentions costs a few transactions instead of one each; alone, a claim is written at once.

A claim the database could not record is retried a few times, then reported as `ClaimNotRecorded`: the caller must
then stay silent, since another replica may hold the claim and be answering (Slack already has our ack).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from storage.db import Database
from storage.repos.events import claim_all

logger = logging.getLogger(__name__)

_MAX_BATCH = 500
# Seconds between attempts: rides out a dropped pooled connection, a failover or a busy SQLite file.
RETRY_DELAYS = (0.25, 0.75, 1.5)


class ClaimNotRecorded(RuntimeError):
    """The database refused the claim on every attempt; whether this caller won is unknown."""


@dataclass
class _Claim:
    database: Database
    keys: dict[str, str]  # key → team id
    result: asyncio.Future[set[str]]


class EventLedger:
    """`await ledger.claim(database=..., keys={key: team_id})` returns the keys this caller won."""

    def __init__(self) -> None:
        self._pending: list[_Claim] = []
        self._flusher: asyncio.Task[None] | None = None

    async def claim(self, *, database: Database, keys: Mapping[str, str]) -> set[str]:
        """The keys this caller won; raises `ClaimNotRecorded` when the database failed on every attempt."""
        for delay in RETRY_DELAYS:
            try:
                return await self._claim_once(database=database, keys=keys)
            except Exception as error:
                logger.warning("recording a dedupe claim failed (%s); retrying in %.2f s", type(error).__name__, delay)
                await asyncio.sleep(delay)
        try:
            return await self._claim_once(database=database, keys=keys)
        except Exception as error:
            raise ClaimNotRecorded(f"the dedupe claim failed {len(RETRY_DELAYS) + 1} times") from error

    async def _claim_once(self, *, database: Database, keys: Mapping[str, str]) -> set[str]:
        loop = asyncio.get_running_loop()
        claim = _Claim(database=database, keys=dict(keys), result=loop.create_future())
        self._pending.append(claim)
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush(), name="event-ledger")
        return await claim.result

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # claims made in the same loop iteration join this first batch
        while self._pending:
            batch, self._pending = self._pending[:_MAX_BATCH], self._pending[_MAX_BATCH:]
            for database in {id(claim.database): claim.database for claim in batch}.values():
                await self._write([claim for claim in batch if claim.database is database], database=database)

    async def _write(self, batch: list[_Claim], *, database: Database) -> None:
        # Within a batch the first claimant of a key wins, exactly as separate transactions would decide.
        first: dict[str, int] = {}
        rows: dict[str, str] = {}
        for index, claim in enumerate(batch):
            for key, team_id in claim.keys.items():
                if key not in first:
                    first[key] = index
                    rows[key] = team_id
        try:
            async with database.session() as session:
                won = await claim_all(session=session, keys=rows)
        except Exception as error:
            for claim in batch:
                if not claim.result.done():
                    claim.result.set_exception(error)
            return
        for index, claim in enumerate(batch):
            if not claim.result.done():
                claim.result.set_result({key for key in claim.keys if key in won and first[key] == index})
