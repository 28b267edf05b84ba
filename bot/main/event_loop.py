"""The event loop a Lookout server runs on: uvloop, unless `LOOKOUT_EVENT_LOOP=asyncio` asks for Python's own.

uvloop runs the same tasks and callbacks on libuv, with the loop's scheduling, sockets and timers in C: the bot does
the same work in fewer instructions (`lookout bench agent`, `lookout bench ack`; the figures are in CHANGELOG.md).
It is a plain dependency, not an optional one: its wheels cover the Linux and macOS machines `lookout serve` runs on,
and the server already needs a Unix event loop (signal handlers on the loop).

What differs from asyncio's loop, so no code may rely on it: `loop.call_later` with a delay under half a millisecond
returns a plain `asyncio.Handle` (no `when()`), and `loop.time()` advances in whole milliseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from bot.config.settings import EventLoop

_T = TypeVar("_T")


def loop_factory(choice: EventLoop) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """What builds the chosen loop; None is asyncio's default (what `asyncio.run` uses)."""
    if choice is EventLoop.UVLOOP:
        import uvloop  # only when chosen: `LOOKOUT_EVENT_LOOP=asyncio` never loads it

        return uvloop.new_event_loop
    return None


def run(main: Coroutine[Any, Any, _T], *, event_loop: EventLoop) -> _T:
    """`asyncio.run(main)` on the chosen event loop."""
    with asyncio.Runner(loop_factory=loop_factory(event_loop)) as runner:
        return runner.run(main)
