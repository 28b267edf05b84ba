"""A small TTL cache for Google answers, partitioned by workspace so one workspace never sees another's entries.

`ResultCache` is process-wide; tools only ever get a `WorkspaceCache`, a view bound to one workspace id, so a key
can't cross workspaces even when two workspaces query the same property. Concurrent identical requests share one
fetch.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_TTL_SECONDS = 300.0


@dataclass
class ResultCache:
    """Entries keyed by (workspace id, key); least recently used entries go first past `max_entries`."""

    max_entries: int = 2000
    monotonic: Callable[[], float] = time.monotonic
    _entries: OrderedDict[tuple[int, str], tuple[float, Any]] = field(default_factory=OrderedDict)
    _pending: dict[tuple[int, str], asyncio.Future[Any]] = field(default_factory=dict)

    def for_workspace(self, workspace_id: int) -> WorkspaceCache:
        return WorkspaceCache(self, workspace_id)

    def clear_workspace(self, workspace_id: int) -> None:
        """Forget a workspace's entries (uninstall, disconnect, property change)."""
        for key in [k for k in self._entries if k[0] == workspace_id]:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)

    def _get(self, key: tuple[int, str]) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        expires, value = entry
        if expires < self.monotonic():
            del self._entries[key]
            return False, None
        self._entries.move_to_end(key)
        return True, value

    def _put(self, key: tuple[int, str], value: Any, ttl: float) -> None:
        self._entries[key] = (self.monotonic() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def _get_or_fetch(self, key: tuple[int, str], ttl: float, fetch: Callable[[], Awaitable[T]]) -> T:
        found, value = self._get(key)
        if found:
            return value  # type: ignore[no-any-return]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            result = await fetch()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # mark retrieved: waiters (if any) re-raise it themselves
            raise
        else:
            self._put(key, result, ttl)
            future.set_result(result)
            return result
        finally:
            del self._pending[key]


@dataclass(frozen=True)
class WorkspaceCache:
    """One workspace's slice of the cache."""

    store: ResultCache
    workspace_id: int

    async def get_or_fetch(self, key: str, fetch: Callable[[], Awaitable[T]], *, ttl: float = DEFAULT_TTL_SECONDS) -> T:
        return await self.store._get_or_fetch((self.workspace_id, key), ttl, fetch)

    def peek(self, key: str) -> tuple[bool, Any]:
        return self.store._get((self.workspace_id, key))

    def put(self, key: str, value: object, *, ttl: float = DEFAULT_TTL_SECONDS) -> None:
        self.store._put((self.workspace_id, key), value, ttl)
