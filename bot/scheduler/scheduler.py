"""The scheduler service: holds leadership, keeps the job set in step with the database, tracks in-flight runs.

Only the lease holder runs jobs. Every `renew_every` seconds it renews the lease and checks a cheap fingerprint of
the subscriptions, so a `/lookout digest` answered by any replica reaches the leader's schedule within seconds;
the replica that answered the command also calls `notify_changed()` for an immediate rebuild.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.scheduler.jobs import Job
from bot.scheduler.leadership import Leadership, replica_id
from bot.scheduler.runner import JobRunner
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription, list_scheduled_subscriptions, subscriptions_version

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class JobPlan:
    """The jobs for the current subscriptions; `on_leadership` jobs also run at once when leadership is gained."""

    jobs: list[Job] = field(default_factory=list)
    on_leadership: list[Job] = field(default_factory=list)


Planner = Callable[[Sequence[ScheduledSubscription]], JobPlan]
# Makes the planner when this replica first leads. The planner's wiring imports every feature's jobs (digests, alerts,
# google-analytics-data with gRPC: ~0.4 s of CPU and ~30 MB), which a standby replica never needs.
PlannerLoader = Callable[[], Awaitable[Planner]]


class SchedulerService:
    def __init__(
        self,
        *,
        database: Database,
        clock: Callable[[], datetime],
        planner: Planner | None = None,
        load_planner: PlannerLoader | None = None,
        lease_ttl: timedelta = timedelta(seconds=20),
        renew_every: timedelta = timedelta(seconds=5),
        holder: str | None = None,
    ) -> None:
        if planner is None and load_planner is None:
            raise ValueError("a scheduler needs a planner or a way to load one")
        self._database = database
        self._planner = planner
        self._load_planner = load_planner
        self._loading: asyncio.Task[None] | None = None
        self._renew_every = renew_every.total_seconds()
        self.leadership = Leadership(database=database, clock=clock, holder=holder or replica_id(), ttl=lease_ttl)
        self._runner = JobRunner(spawn=self.spawn)
        self._running_jobs = False
        self._version: tuple[int, datetime | None] | None = None
        self._changed = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._stopping = False

    @property
    def holder(self) -> str:
        return self.leadership.holder

    @property
    def is_leader(self) -> bool:
        return self.leadership.is_leader

    def scheduled_job_names(self) -> list[str]:
        return self._runner.job_names()

    def next_runs(self) -> dict[str, datetime | None]:
        """When each scheduled job fires next (None while paused)."""
        return self._runner.next_runs()

    async def start(self) -> None:
        """Try for leadership now, then keep trying/renewing in the background."""
        await self._tick()
        self._loop_task = asyncio.create_task(self._loop(), name="scheduler-leadership")

    def notify_changed(self) -> None:
        """A subscription changed in this process: rebuild the schedule without waiting for the next poll."""
        self._changed.set()

    async def stop(self, *, grace_seconds: float = 30.0) -> None:
        """Stop firing, let in-flight runs finish (up to `grace_seconds`), then release the lease for a fast hand-over."""
        self._stopping = True
        for task in (self._loading, self._loop_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._runner.shutdown()
        self._running_jobs = False
        pending = [task for task in self._in_flight.values() if not task.done()]
        if pending:
            _, still_running = await asyncio.wait(pending, timeout=grace_seconds)
            for task in still_running:
                # Cancelled work leaves an unposted claim that the next leader takes over once it is stale.
                task.cancel()
            if still_running:
                await asyncio.wait(still_running, timeout=5)
        await self.leadership.release()

    async def wait_idle(self) -> None:
        """Wait until every spawned run has finished (tests and benchmarks)."""
        while pending := [task for task in self._in_flight.values() if not task.done()]:
            await asyncio.wait(pending)

    def spawn(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        """Run one job's work as a tracked task; a job still running from its last firing is not started twice."""
        running = self._in_flight.get(name)
        if self._stopping or (running is not None and not running.done()):
            work.close()
            return
        task = asyncio.create_task(self._guard(name, work), name=f"job:{name}")
        self._in_flight[name] = task
        task.add_done_callback(lambda done: self._forget(name, done))

    def _forget(self, name: str, task: asyncio.Task[None]) -> None:
        if self._in_flight.get(name) is task:
            del self._in_flight[name]

    async def _guard(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled job %s failed", name)

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=self._renew_every)
            await self._tick()

    async def _tick(self) -> None:
        try:
            leader = await self.leadership.renew()
            if not leader:
                if self._running_jobs:
                    self._runner.pause()
                    self._running_jobs = False
                return
            if self._planner is None:
                self._start_loading()  # the next tick (at once when loaded) builds the schedule
                return
            changed = self._changed.is_set()
            self._changed.clear()
            version = await self._read_version()
            if not self._running_jobs:
                await self._rebuild(self._planner, version, gained=True)
            elif changed or version != self._version:
                await self._rebuild(self._planner, version, gained=False)
        except Exception:
            log.exception("scheduler tick failed")

    def _start_loading(self) -> None:
        """Load the planner beside the event loop's work: the lease is held already, the jobs follow when it is in."""
        if self._loading is None or self._loading.done():
            self._loading = asyncio.create_task(self._load(), name="scheduler-planner")

    async def _load(self) -> None:
        assert self._load_planner is not None
        try:
            self._planner = await self._load_planner()
        except Exception:
            log.exception("could not load the scheduler's jobs; trying again at the next renewal")
            return
        self._changed.set()

    async def _read_version(self) -> tuple[int, datetime | None]:
        async with self._database.session() as session:
            return await subscriptions_version(session=session)

    async def _rebuild(self, planner: Planner, version: tuple[int, datetime | None], *, gained: bool) -> None:
        async with self._database.session() as session:
            subscriptions = await list_scheduled_subscriptions(session=session)
        plan = planner(subscriptions)
        count = self._runner.replace_jobs(plan.jobs)
        self._version = version
        if not self._running_jobs:
            self._runner.start()
            self._running_jobs = True
        log.info(
            "scheduler %s: %d jobs for %d subscriptions", "started" if gained else "rebuilt", count, len(subscriptions)
        )
        if gained:
            for job in plan.on_leadership:
                self.spawn(job.name, job.run())
