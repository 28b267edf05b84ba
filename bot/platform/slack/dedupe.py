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
        # Claims being answered, per database (keyed by id): key → how many holders.
        self._held: dict[int, tuple[Database, dict[str, int]]] = {}
        self._renewer: asyncio.Task[None] | None = None
        self._finishing: list[tuple[Database, list[str], asyncio.Future[None]]] = []
        self._finisher: asyncio.Task[None] | None = None

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
        """Keep the lease on `keys` while the block runs (an answer being written), so nobody takes them over.

        One renewal loop serves every held claim of the process: an UPDATE per database every third of the lease,
        not a task and a transaction per answer.
        """
        held = self._held.setdefault(id(database), (database, {}))[1]
        for key in keys:
            held[key] = held.get(key, 0) + 1
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew(), name="claim-renewal")
        try:
            yield
        finally:
            for key in keys:
                held[key] -= 1
                if not held[key]:
                    del held[key]
            if not any(keys for _, keys in self._held.values()) and self._renewer is not None:
                self._renewer.cancel()  # nothing left to renew; the next hold starts it again
                self._renewer = None

    async def _renew(self) -> None:
        while any(keys for _, keys in self._held.values()):
            await asyncio.sleep(self.lease.total_seconds() / 3)
            for database, keys in list(self._held.values()):
                if not keys:
                    continue
                try:
                    async with database.session() as session:
                        await renew_claims(session=session, keys=list(keys), lease_until=utcnow() + self.lease)
                except Exception as error:
                    logger.warning("renewing %d answers' claims failed (%s)", len(keys), type(error).__name__)

    async def finish(self, *, database: Database, keys: Collection[str]) -> None:
        """Mark the claims' work over, so they are never taken over or apologised for; batched and retried like
        claims (one UPDATE for every claim finished meanwhile).

        When the database refuses every attempt the lease runs out and the sweep would apologise for an answer
        that was given: logged, since nothing better can be done without the database.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._finishing.append((database, list(keys), done))
        if self._finisher is None or self._finisher.done():
            self._finisher = loop.create_task(self._finish_pending(), name="claim-finish")
        await done

    async def _finish_pending(self) -> None:
        await asyncio.sleep(0)  # finishes made in the same loop iteration join this batch
        while self._finishing:
            batch, self._finishing = self._finishing[:_MAX_BATCH], self._finishing[_MAX_BATCH:]
            for database in {id(item[0]): item[0] for item in batch}.values():
                mine = [item for item in batch if item[0] is database]
                await self._finish_batch(database, sorted({key for _, keys, _ in mine for key in keys}))
                for _, _, done in mine:
                    if not done.done():
                        done.set_result(None)

    async def _finish_batch(self, database: Database, keys: list[str]) -> None:
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
