"""Tracks work that runs after Slack was answered, so shutdown can wait for it and tests can wait until it settles.

It also keeps acks ahead of answers under overload. Slack wants every request acked within 3 s; an answer may lag a
few seconds. Answers (`submit()`) therefore run at most `max_running` at a time, and while requests arrive faster
than `busy_requests_per_second` (a burst this replica can only just ack) no new answer starts unless fewer than
`max_running_busy` are running: the rest wait in arrival order and start as soon as the burst eases, or once they
have waited `max_wait_seconds`, whatever the load. Nothing is dropped: every queued answer runs, and shutdown waits
for the queue like for any other in-flight work.

A waiting answer is a small job (a function and the few fields it needs), not a suspended request handler: a
burst queues thousands of them, and each suspended handler would keep its whole request alive (body, bolt
context, per-request client), which the garbage collector then walks over and over while the acks wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

logger = logging.getLogger(__name__)

# What `submit` queues: called once a slot is free; the coroutine it returns is the answer.
Job = Callable[[], Coroutine[Any, Any, None]]

# An agent turn mostly waits on models and Google, so many may run at once. In a burst the CPU goes to acks first:
# answers start again when it eases, or after at most MAX_WAIT_SECONDS (well inside "answered within seconds").
MAX_RUNNING = 64
MAX_RUNNING_BUSY = 0
BUSY_REQUESTS_PER_SECOND = 400.0
MAX_WAIT_SECONDS = 5.0
_WINDOW_SECONDS = 0.1
# The current window is judged as a rate over at least this long: a burst is recognised after its first 16 requests
# (within 40 ms at 400/s) rather than once a whole window's worth (40) has arrived and started its answers, which
# then compete with the rest of the burst's acks (`lookout bench ack`). Not fewer: people talking to the bot at once
# send one mention per answer they wait for, so 8 conversations at a time put at most 8 requests, plus those
# their finished answers let through, into 40 ms; at 10 ms (5 requests) such traffic was called a burst and its
# answers were held 100 ms each (`lookout bench agent`: 166 of 575), and released together they came back together.
_BURST_SPAN_SECONDS = 0.04
# A look at the queue that runs this much later than it was due was held up (the process was paused, or a long
# callback ran). Requests that arrived meanwhile are read only after it, so the quiet it sees may not be real; it takes
# a second look this much later, once they had their turn, and only that one decides (see `_check`).
_LATE_SECONDS = 0.02


class BackgroundWork:
    """A counter of in-flight handlers plus the tasks spawned through it, and the answer queue."""

    def __init__(
        self,
        *,
        max_running: int = MAX_RUNNING,
        max_running_busy: int = MAX_RUNNING_BUSY,
        busy_requests_per_second: float = BUSY_REQUESTS_PER_SECOND,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
    ) -> None:
        self._active = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle: asyncio.Event | None = None
        self._max_running = max_running
        self._max_running_busy = max(0, min(max_running_busy, max_running))
        self._busy_per_window = busy_requests_per_second * _WINDOW_SECONDS
        self._max_wait = max_wait_seconds
        self._running = 0
        self._waiting: deque[tuple[float, Job]] = deque()
        self._window_start = 0.0
        self._window_count = 0
        self._previous_window_count = 0
        self._timer: asyncio.Handle | None = None
        self._timer_due = 0.0  # when the scheduled look is due, on the loop's clock
        self._second_look = False  # the scheduled check is the second look after a late one
        # A burst was seen and not yet seen to end: only the timer's look (`_check`) may call it over.
        self._in_burst = False
        self._waited = 0  # answers that did not start when queued
        self._waited_seconds = 0.0  # how long they waited, added up

    def wait_totals(self) -> tuple[int, float]:
        """(answers that did not start when queued, seconds they waited in all): `/metrics` shows them."""
        return self._waited, self._waited_seconds

    @property
    def queued(self) -> int:
        """Answers waiting for their turn."""
        return len(self._waiting)

    def note_request(self) -> None:
        """Called for every incoming Slack request: the request rate decides whether answers must make way."""
        now = time.monotonic()
        if now - self._window_start >= _WINDOW_SECONDS:
            self._previous_window_count = self._window_count if now - self._window_start < 2 * _WINDOW_SECONDS else 0
            self._window_start, self._window_count = now, 0
        self._window_count += 1

    def _busy(self, now: float) -> bool:
        elapsed = now - self._window_start
        if elapsed >= 2 * _WINDOW_SECONDS:
            return False  # nothing arrived for a whole window: the burst is over
        so_far = self._window_count * _WINDOW_SECONDS / max(elapsed, _BURST_SPAN_SECONDS)
        return max(so_far, self._previous_window_count) > self._busy_per_window

    def submit(self, job: Job) -> None:
        """Run `job()` as soon as an answer slot is free, after the answers queued before it.

        Counted as in flight from now on (`wait_idle` waits for it). `job` handles its own errors; anything that
        escapes is logged, never raised here.
        """
        now = time.monotonic()
        self._waiting.append((now, job))
        self._event().clear()
        self._start_waiting(now=now)

    def _may_start(self, now: float, *, waited_since: float, overdue_only: bool = False) -> bool:
        if self._running >= self._max_running:
            return False
        if now - waited_since >= self._max_wait:
            return True
        if overdue_only:
            return False
        if self._running < self._max_running_busy:
            return True
        if self._busy(now):
            self._in_burst = True
            return False
        # Quiet as seen from a request or a finished answer may be stale: after a pause of the process, either can
        # run before the requests that arrived meanwhile are read. Only the timer's look ends a burst (`_check`).
        return not self._in_burst

    def _start_waiting(self, *, overdue_only: bool = False, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        while self._waiting and self._may_start(now, waited_since=self._waiting[0][0], overdue_only=overdue_only):
            queued, job = self._waiting.popleft()
            if queued < now:
                self._waited += 1
                self._waited_seconds += now - queued
            self._running += 1
            self.spawn(self._run(job), name="answer")
        # While answers wait or a burst is on, look again when it may have passed.
        if (self._waiting or self._in_burst) and self._timer is None:
            self._look_again(_WINDOW_SECONDS, second_look=False)

    async def _run(self, job: Job) -> None:
        try:
            await job()
        except Exception:
            logger.exception("a queued answer failed")
        finally:
            self._running -= 1
            self._start_waiting()

    def _look_again(self, delay: float, *, second_look: bool) -> None:
        self._second_look = second_look
        loop = asyncio.get_running_loop()
        # The due time is kept here: uvloop answers a delay under half a millisecond with a plain Handle, no `when()`.
        self._timer_due = loop.time() + delay
        self._timer = loop.call_later(delay, self._check)

    def _check(self) -> None:
        """The timer's look at the queue.

        A look that runs late says nothing about the burst: while the process was paused (a busy machine, a long
        callback), requests kept arriving, and the event loop reads them only after this callback, so the quiet
        it would see is the pause's, and it would start up to `max_running` answers beside the acks of a burst that
        is still on. It starts only answers that waited `max_wait_seconds` and looks again shortly; that second look
        decides, late or not, so a loop that is always late still answers a few milliseconds later than usual.
        """
        timer, self._timer = self._timer, None
        late = timer is not None and asyncio.get_running_loop().time() - self._timer_due > _LATE_SECONDS
        if late and not self._second_look:
            self._look_again(_LATE_SECONDS, second_look=True)
            self._start_waiting(overdue_only=True)
            return
        if self._in_burst and not self._busy(time.monotonic()):
            self._in_burst = False
        self._start_waiting()

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
