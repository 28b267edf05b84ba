"""The dedupe ledger in front of the database: concurrent claims share one transaction (group commit).

A claim is a row in `ProcessedEvent` under a unique key, so the first claimant wins across retries, event kinds and
replicas. Under load, every claim that arrives while a transaction is running joins the next one, so a burst of
mentions costs a few transactions instead of one each; alone, a claim is written at once.

A claim the database could not record is retried a few times, then reported as `ClaimNotRecorded`: the caller must
then stay silent, since another replica may hold the claim and be answering (Slack already has our ack).

A claim is in progress until `finish`: its holder keeps a lease on it (`hold` renews it) while it answers. If the
holder dies, the lease runs out; a redelivery of the message then wins the claim again, and otherwise the sweep in
`bot.slack.abandoned` apologises in the thread. So a person gets an answer (or an apology) at least once, and a
live claim is never answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta

from storage.db import Database
from storage.repos.events import Place, claim_all, finish_claims, renew_claims
from storage.tables.base import utcnow

logger = logging.getLogger(__name__)

_MAX_BATCH = 500
# Seconds between attempts: rides out a dropped pooled connection, a failover or a busy SQLite file.
RETRY_DELAYS = (0.25, 0.75, 1.5)
# How long a claim stays in progress without renewal; `hold` renews it every third of that. A claim of a process that
# died is taken over (or apologised for) this long after its last renewal.
CLAIM_LEASE_SECONDS = 90.0


class ClaimNotRecorded(RuntimeError):
    """The database refused the claim on every attempt; whether this caller won is unknown."""


@dataclass
class _Claim:
    database: Database
    keys: dict[str, str]  # key → team id
    places: dict[str, Place]
    result: asyncio.Future[set[str]]


class EventLedger:
    """`await ledger.claim(database=..., keys={key: team_id})` returns the keys this caller won."""

    def __init__(self, *, lease_seconds: float = CLAIM_LEASE_SECONDS) -> None:
        self._pending: list[_Claim] = []
        self._flusher: asyncio.Task[None] | None = None
        self.lease = timedelta(seconds=lease_seconds)

    async def claim(
        self, *, database: Database, keys: Mapping[str, str], places: Mapping[str, Place] | None = None
    ) -> set[str]:
        """The keys this caller won; raises `ClaimNotRecorded` when the database failed on every attempt.

        `places` says where each message key's message was written, for an apology if its answer is abandoned.
        """
        for delay in RETRY_DELAYS:
            try:
                return await self._claim_once(database=database, keys=keys, places=places or {})
            except Exception as error:
                logger.warning("recording a dedupe claim failed (%s); retrying in %.2f s", type(error).__name__, delay)
                await asyncio.sleep(delay)
        try:
            return await self._claim_once(database=database, keys=keys, places=places or {})
        except Exception as error:
            raise ClaimNotRecorded(f"the dedupe claim failed {len(RETRY_DELAYS) + 1} times") from error

    @contextlib.asynccontextmanager
    async def hold(self, *, database: Database, keys: Collection[str]) -> AsyncIterator[None]:
        """Renew the lease on `keys` while the block runs (an answer being written), so nobody takes them over."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.lease.total_seconds() / 3)
                try:
                    async with database.session() as session:
                        await renew_claims(session=session, keys=keys, lease_until=utcnow() + self.lease)
                except Exception as error:
                    logger.warning("renewing an answer's claim failed (%s)", type(error).__name__)

        task = asyncio.get_running_loop().create_task(renew(), name="claim-renewal")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def finish(self, *, database: Database, keys: Collection[str]) -> None:
        """Mark the claims' work over, so they are never taken over or apologised for; retried like claims.

        When the database refuses every attempt the lease runs out and the sweep would apologise for an answer
        that was given: logged, since nothing better can be done without the database.
        """
        for delay in (*RETRY_DELAYS, None):
            try:
                async with database.session() as session:
                    await finish_claims(session=session, keys=keys)
                return
            except Exception as error:
                if delay is None:
                    logger.error("could not mark %d claims finished (%s)", len(keys), type(error).__name__)
                    return
                await asyncio.sleep(delay)

    async def _claim_once(
        self, *, database: Database, keys: Mapping[str, str], places: Mapping[str, Place]
    ) -> set[str]:
        loop = asyncio.get_running_loop()
        claim = _Claim(database=database, keys=dict(keys), places=dict(places), result=loop.create_future())
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
        places: dict[str, Place] = {}
        for index, claim in enumerate(batch):
            for key, team_id in claim.keys.items():
                if key not in first:
                    first[key] = index
                    rows[key] = team_id
                    if key in claim.places:
                        places[key] = claim.places[key]
        try:
            async with database.session() as session:
                won = await claim_all(session=session, keys=rows, lease_until=utcnow() + self.lease, places=places)
        except Exception as error:
            for claim in batch:
                if not claim.result.done():
                    claim.result.set_exception(error)
            return
        for index, claim in enumerate(batch):
            if not claim.result.done():
                claim.result.set_result({key for key in claim.keys if key in won and first[key] == index})
