"""Pacing for outgoing work: Slack's ~1 message per second per channel, and bounded concurrency per key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class ChannelPacer:
    """Spaces posts to the same channel at least `interval` seconds apart (Slack allows about one per second).

    Reservations are handed out in order, so many digests for one channel queue up instead of bursting.
    """

    def __init__(self, *, interval: float = 1.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._monotonic = monotonic
        self._next_free: dict[str, float] = {}

    async def wait(self, channel_key: str) -> None:
        now = self._monotonic()
        slot = max(now, self._next_free.get(channel_key, 0.0))
        self._next_free[channel_key] = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class KeyedLimiter:
    """At most `limit` concurrent holders per key (e.g. per Google property), created on demand."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        semaphore = self._semaphores.get(key)
        if semaphore is None:
            semaphore = self._semaphores[key] = asyncio.Semaphore(self._limit)
        async with semaphore:
            yield
