"""Every async test here runs twice: on asyncio's own event loop and on uvloop, the one `lookout serve` runs on.

The answer queue and the background work lean on the loop's timers and clock, where uvloop differs from asyncio
(`bot.main.event_loop`); the other loop stays tested for `LOOKOUT_EVENT_LOOP=asyncio`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import pytest

from bot.config.settings import EventLoop
from bot.main.event_loop import loop_factory


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    return {choice.value: loop_factory(choice) or asyncio.new_event_loop for choice in EventLoop}
