"""Scheduler leadership: one lease row; the replica that holds it runs the jobs, the others wait to take over."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from storage.db import Database
from storage.repos.schedule import release_lease, try_acquire_lease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


def replica_id() -> str:
    """Unique per process, readable in the lease row: host, pid and a random suffix."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leadership:
    """Acquires and renews the scheduler lease; `renew()` is called every `renew_every` by the scheduler service.

    With a TTL of T and renewal every R, a dead leader is replaced within T + R (20 s + 5 s by default).
    """

    def __init__(
        self,
        *,
        database: Database,
        clock: Callable[[], datetime],
        holder: str,
        ttl: timedelta,
        name: str = LEASE_NAME,
    ) -> None:
        self._database = database
        self._clock = clock
        self.holder = holder
        self._ttl = ttl
        self._name = name
        self.is_leader = False

    async def renew(self) -> bool:
        """Take or keep the lease; returns whether this replica leads now. A database error means "not leader"."""
        try:
            async with self._database.session() as session:
                leader = await try_acquire_lease(
                    session=session, name=self._name, holder=self.holder, now=self._clock(), ttl=self._ttl
                )
        except Exception:
            log.exception("scheduler lease renewal failed; stepping down until it succeeds")
            leader = False
        if leader != self.is_leader:
            log.info("scheduler leadership %s by %s", "acquired" if leader else "lost", self.holder)
        self.is_leader = leader
        return leader

    async def release(self) -> None:
        if not self.is_leader:
            return
        self.is_leader = False
        try:
            async with self._database.session() as session:
                await release_lease(session=session, name=self._name, holder=self.holder)
        except Exception:
            log.exception("could not release the scheduler lease; it expires on its own")
