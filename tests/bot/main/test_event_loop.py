"""`lookout serve` runs on uvloop unless LOOKOUT_EVENT_LOOP=asyncio; the setting picks the loop `run` builds."""

from __future__ import annotations

import asyncio

import uvloop

from bot.config.settings import EventLoop, Settings
from bot.main.event_loop import run


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_by_default_the_server_runs_on_uvloop() -> None:
    loop = run(_running_loop(), event_loop=Settings(_env_file=None).lookout_event_loop)

    assert isinstance(loop, uvloop.Loop)
    assert loop.is_closed()


def test_the_setting_turns_uvloop_off() -> None:
    choice = Settings(_env_file=None, lookout_event_loop="asyncio").lookout_event_loop

    loop = run(_running_loop(), event_loop=choice)

    assert choice is EventLoop.ASYNCIO
    assert not isinstance(loop, uvloop.Loop)
    assert isinstance(loop, asyncio.BaseEventLoop)
    assert loop.is_closed()
