"""Tracks work that runs after Slack was answered, so shutdown can wait for it and tests can wait until it settles.

It also keeps acks ahead of answers. Slack wants every request acked within 3 s; an answer may take a few seconds.
Answers (`submit()`) run at most `max_running` at a time, and none starts while the front door has a request that is
not acked yet (`request_started()` / `request_ended()` bracket each one). An answer queued while no ack is due starts
at once; one held behind acks starts, in arrival order, once the front door has had no request for `QUIET_SECONDS`
(`FLOOD_QUIET_SECONDS` when more than `FLOOD_HELD` are held: a flood), or once it has waited `max_wait_seconds`,
whatever the load. Nothing is dropped: every queued answer runs, and shutdown waits for the queue like for any
other in-flight work.

Why requests in flight, and not their rate or the event loop's lag: what the hold protects is an ack that is due,
and an answer started while one is due takes the CPU ahead of it (its first steps run before the ack's next one,
then every step of theirs competes). A flood of deliveries (`lookout bench ack`: 32 connections, 3,000 mentions)
keeps requests in flight from its first one to its last, or leaves the front door idle only for moments between
two of them (or for a pause of its sender), so its answers wait for its end. Steady traffic, even many conversations at once (`lookout bench
agent`: 8 at a time), acks each request within a millisecond or two and queues its answer after the ack, so no
answer is held unless it is queued during another request's ack. A rate, by contrast, called 5 mentions within
10 ms a burst whether or not any ack was due (and held their answers for a 100 ms timer), and loop lag rises with
the answers' own work and with a busy machine, neither of which an answer's start puts at risk.

A request that arrived but whose handler has not started yet is not counted (the event loop reads it after the
callbacks that run now): the quiet is therefore judged by a timer's look, and a look that runs late takes a second
one (`_look`).

A waiting answer is a small job (a function and the few fields it needs), not a suspended request handler: a
burst queues thousands of them, and each suspended handler would keep its whole request alive (body, bolt
context, per-request client), which the garbage collector then walks over and over while the acks wait.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

logger = logging.getLogger(__name__)

# What `submit` queues: called once a slot is free; the coroutine it returns is the answer.
Job = Callable[[], Coroutine[Any, Any, None]]

# An agent turn mostly waits on models and Google, so many may run at once; the limit bounds the memory and the
# model and Google calls in flight after a flood, when thousands of answers are released together.
MAX_RUNNING = 64
# A backstop, not the rule: acks that never stop coming (a flood longer than this, or a request stuck before its
# ack) would otherwise hold answers forever. Well inside "answered within seconds", and longer than a flood this
# replica can ack (3,000 mentions take ~1.3 s in `lookout bench ack`).
MAX_WAIT_SECONDS = 5.0
# Answers held behind acks start once the front door has had no request for this long. Steady traffic leaves such
# gaps between its requests (200 mentions/s, each acked in ~2 ms: ~3 ms idle between them), and holds an answer only
# when it is queued during another request's ack, so it starts within a millisecond of the next gap.
QUIET_SECONDS = 0.001
# More answers held than steady traffic ever holds at once (at 1,000 requests/s acked in ~2 ms, about two): a flood.
# Its deliveries come back to back, but the process sending them may pause (a garbage collection, a busy core) for
# longer than this replica needs to ack the ones in flight, and its answers would start in that gap and compete with
# the acks once deliveries resume. They wait for a quiet longer than such a pause and short next to an answer's
# seconds (the rate rule this replaced waited 100-200 ms after a burst).
FLOOD_HELD = 8
FLOOD_QUIET_SECONDS = 0.05


class BackgroundWork:
    """A counter of in-flight handlers plus the tasks spawned through it, and the answer queue."""

    def __init__(
        self,
        *,
        max_running: int = MAX_RUNNING,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._active = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle: asyncio.Event | None = None
        self._max_running = max_running
        self._max_wait = max_wait_seconds
        self._clock = clock
        self._running = 0
        self._acking = 0  # requests at the front door not acked yet
        self._idle_since = -math.inf  # when the last pending ack went out
        self._quiet = False  # the front door has been idle for QUIET_SECONDS since `_idle_since`
        self._waiting: deque[tuple[float, Job]] = deque()
        self._timer: asyncio.TimerHandle | None = None  # the next look at held answers (`_look`)
        self._second_look = False  # the scheduled look is the second one after a late look
        self._waited = 0  # answers that did not start when queued
        self._waited_seconds = 0.0  # how long they waited, added up

    @property
    def queued(self) -> int:
        """Answers waiting for their turn."""
        return len(self._waiting)

    def wait_totals(self) -> tuple[int, float]:
        """(answers that did not start when queued, seconds they waited in all): `/metrics` shows them."""
        return self._waited, self._waited_seconds

    def request_started(self) -> None:
        """A Slack request reached the front door: no answer starts until it is acked (`request_ended`)."""
        self._acking += 1
        self._quiet = False

    def request_ended(self) -> None:
        """The request's response is ready (acked, refused or failed)."""
        self._acking -= 1
        if not self._waiting:
            return
        now = self._clock()
        if not self._acking:
            self._idle_since = now
            self._cancel_look()  # look again once the front door has been quiet, not at the wait limit
        self._start_waiting(now=now)

    def submit(self, job: Job) -> None:
        """Run `job()` as soon as an answer slot is free, after the answers queued before it.

        Counted as in flight from now on (`wait_idle` waits for it). `job` handles its own errors; anything that
        escapes is logged, never raised here.
        """
        now = self._clock()
        self._waiting.append((now, job))
        self._event().clear()
        self._start_waiting(now=now)
        if self._waiting and self._waiting[-1][1] is job:
            self._waited += 1

    def _may_start(self, now: float, *, queued: float) -> bool:
        if self._running >= self._max_running:
            return False  # a running answer's end starts the next one
        if now - queued >= self._max_wait:
            return True
        if self._acking:
            return False
        # No ack is due: an answer queued since the last one went out starts now; one held behind acks waits until
        # the front door has stayed quiet (a flood is idle only for moments between its deliveries).
        return queued > self._idle_since or self._quiet

    def _start_waiting(self, *, now: float) -> None:
        while self._waiting and self._may_start(now, queued=self._waiting[0][0]):
            queued, job = self._waiting.popleft()
            self._waited_seconds += now - queued  # nothing for an answer started as it was queued
            self._running += 1
            self.spawn(self._run(job), name="answer")
        if self._waiting and self._running < self._max_running and self._timer is None:
            overdue_in = self._waiting[0][0] + self._max_wait - now
            quiet_in = self._idle_since + self._quiet_needed() - now
            delay = overdue_in if self._acking or self._quiet else min(overdue_in, quiet_in)
            self._timer = asyncio.get_running_loop().call_later(max(delay, 0.0), self._look)

    def _quiet_needed(self) -> float:
        return FLOOD_QUIET_SECONDS if len(self._waiting) > FLOOD_HELD else QUIET_SECONDS

    def _cancel_look(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._second_look = None, False

    def _look(self) -> None:
        """The timer's look at held answers: the front door has been quiet long enough, or the oldest waited its limit.

        A look that runs late says nothing about the quiet: while the process was paused (a busy machine, a long
        callback), requests kept arriving, and the event loop reads them only after this callback. It then starts
        only answers that waited their limit, and looks again `QUIET_SECONDS` later, once those requests were read;
        that second look decides, late or not.
        """
        timer, self._timer = self._timer, None
        late = timer is not None and asyncio.get_running_loop().time() - timer.when() > QUIET_SECONDS
        now = self._clock()
        if late and not self._second_look:
            self._second_look = True
            self._timer = asyncio.get_running_loop().call_later(QUIET_SECONDS, self._look)
        else:
            self._second_look = False
            self._quiet = not self._acking and now - self._idle_since >= self._quiet_needed()
        self._start_waiting(now=now)

    async def _run(self, job: Job) -> None:
        try:
            await job()
        except Exception:
            logger.exception("a queued answer failed")
        finally:
            self._running -= 1
            self._start_waiting(now=self._clock())

    @property
    def active(self) -> int:
        return self._active + len(self._tasks) + len(self._waiting)

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        """Count the enclosed block as in-flight work."""
        self._active += 1
        self._event().clear()
        try:
            yield
        finally:
            self._active -= 1
            self._maybe_idle()

    def spawn(self, coroutine: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task[Any]:
        """Run `coroutine` as a task that `wait_idle` waits for; keeps a reference so it is not garbage-collected."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        self._event().clear()
        task.add_done_callback(self._done)
        return task

    async def wait_idle(self, *, timeout: float = 10.0) -> bool:  # noqa: ASYNC109
        """True once nothing is in flight; False when `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self.active:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event().wait(), timeout=remaining)
            except TimeoutError:
                return not self.active
        return True

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self.active:
            self._event().set()

    def _event(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
        return self._idle
