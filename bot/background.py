"""Tracks work that runs after Slack was answered, so shutdown can wait for it and tests can wait until it settles."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any


class BackgroundWork:
    """A counter of in-flight handlers plus the tasks spawned through it."""

    def __init__(self) -> None:
        self._active = 0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle: asyncio.Event | None = None

    @property
    def active(self) -> int:
        return self._active + len(self._tasks)

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
