"""Pacing for outgoing work: Slack's ~1 message per second per channel."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


class ChannelPacer:
    """Spaces posts to the same channel at least `interval` seconds apart (Slack allows about one per second).

    Posts to one channel go one at a time, and the next may start only `interval` after the previous one
    finished, so a slow request cannot bunch two posts into the same second on Slack's side.
    """

    def __init__(self, *, interval: float = 1.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._monotonic = monotonic
        self._next_free: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def slot(self, channel_key: str) -> AsyncIterator[None]:
        """Hold the channel for one post (a message, or a file upload and its share)."""
        lock = self._locks.get(channel_key)
        if lock is None:
            lock = self._locks[channel_key] = asyncio.Lock()
        async with lock:
            wait = self._next_free.get(channel_key, 0.0) - self._monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._next_free[channel_key] = self._monotonic() + self._interval
