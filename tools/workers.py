"""CPU-bound work off the event loop: a small pool of spawned processes shared by the whole process.

A thread would not do: pure-Python work in a thread holds the GIL the event loop needs to ack Slack, so a morning
run of digests (each scored by the anomaly detector and charted) slowed every ack. The pool is started on first
use (a process that never draws a chart never pays for one), sized by `configure(workers=...)` from Settings
(LOOKOUT_CPU_WORKERS; one on a small host: the event loop keeps a core, the workers get the other), and spawned,
not forked, so it never inherits the loop's threads or sockets.

When the pool breaks (a worker killed, e.g. out of memory) the call that saw it runs again in a thread, with a
warning, and the next call starts a fresh pool; after `MAX_RESTARTS` breaks, or when processes cannot be started at
all, everything runs in threads from then on, said once in the log. Slower, and the loop feels it, but no digest or
chart is lost to it.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

MAX_RESTARTS = 3

log = logging.getLogger(__name__)


PARENT_CHECK_SECONDS = 1.0


def _exit_with_parent(parent_pid: int) -> None:
    """Runs first in each worker: end the worker once its parent is gone. A parent killed outright (SIGKILL, the
    out-of-memory killer) never shuts its pool down, and a pool worker waits on a queue whose pipe it holds both
    ends of, so it would wait forever, holding its memory."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class CpuPool:
    """`run(fn, *args)` in one of `workers` processes (`fn` and its arguments picklable), or in a thread when
    processes fail; at most `2 × workers` calls are handed to the processes at once, the rest wait their turn here,
    so a burst of work queues in order instead of piling pickled arguments into the pool."""

    def __init__(self, *, workers: int = 1) -> None:
        self._lock = threading.Lock()
        self._workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._use_threads = False
        self._restarts = 0
        self._gates: dict[int, asyncio.Semaphore] = {}  # per event loop: a semaphore belongs to one loop

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def in_threads(self) -> bool:
        """True once processes have been given up on."""
        return self._use_threads

    def resize(self, *, workers: int) -> None:
        """Use `workers` processes from the next call on (a running pool of another size is let go)."""
        with self._lock:
            workers = max(1, workers)
            if workers == self._workers:
                return
            self._workers = workers
            pool, self._pool = self._pool, None
            self._gates.clear()
        if pool is not None:
            pool.shutdown(wait=False)

    def _get_pool(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._pool is None and not self._use_threads:
                try:
                    context = multiprocessing.get_context("spawn")
                    self._pool = ProcessPoolExecutor(
                        max_workers=self._workers,
                        mp_context=context,
                        initializer=_exit_with_parent,
                        initargs=(os.getpid(),),
                    )
                except (OSError, NotImplementedError) as error:
                    log.warning("CPU work runs in threads: no process pool (%s)", error)
                    self._use_threads = True
            return self._pool

    def _gate(self) -> asyncio.Semaphore:
        key = id(asyncio.get_running_loop())
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = asyncio.Semaphore(2 * self._workers)
        return gate

    async def run(self, fn: Callable[..., T], /, *args: Any) -> T:
        async with self._gate():
            pool = self._get_pool()
            if pool is not None:
                try:
                    return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
                except (BrokenProcessPool, OSError) as error:
                    self._broken(pool, error)
        return await asyncio.to_thread(fn, *args)

    def _broken(self, pool: ProcessPoolExecutor, error: BaseException) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
                self._restarts += 1
                if self._restarts >= MAX_RESTARTS:
                    self._use_threads = True
            give_up = self._use_threads
        pool.shutdown(wait=False, cancel_futures=True)
        if give_up:
            log.warning("the CPU worker process failed again (%s); CPU work runs in threads from now on", error)
        else:
            log.warning(
                "the CPU worker process failed (%s); this call runs in a thread, the next starts a new one", error
            )

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop the processes, if started; the next call starts new ones."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)


_POOL = CpuPool()
atexit.register(_POOL.shutdown)


def cpu_pool() -> CpuPool:
    """The process's one pool (charts, digest scoring)."""
    return _POOL


def configure(*, workers: int) -> None:
    """Size the process's pool (`lookout serve` does, from LOOKOUT_CPU_WORKERS)."""
    _POOL.resize(workers=workers)
