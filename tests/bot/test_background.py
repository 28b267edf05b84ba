"""The answer queue: acks first under a burst, every queued answer still runs, in arrival order."""

from __future__ import annotations

import asyncio

import pytest

from bot.background import BackgroundWork


async def _turn(work: BackgroundWork, name: str, log: list[str], release: asyncio.Event) -> None:
    async with work.track(), work.queued_turn():
        log.append(f"start {name}")
        await release.wait()
        log.append(f"end {name}")


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_without_load_answers_start_at_once_up_to_the_limit_then_in_arrival_order() -> None:
    work = BackgroundWork(max_running=2)
    log: list[str] = []
    release = asyncio.Event()
    tasks = [asyncio.create_task(_turn(work, name, log, release)) for name in "abc"]
    await _settle()
    assert log == ["start a", "start b"]
    assert work.queued == 1

    release.set()
    await asyncio.gather(*tasks)

    assert log.index("start c") > log.index("end a")
    assert work.queued == 0
    assert await work.wait_idle(timeout=1)


async def test_during_a_burst_answers_wait_and_start_once_it_eases() -> None:
    work = BackgroundWork(max_running=8, max_running_busy=0, busy_requests_per_second=50, max_wait_seconds=30)
    log: list[str] = []
    release = asyncio.Event()
    release.set()
    for _ in range(20):  # 20 requests in well under 100 ms: 200/s, above 50/s
        work.note_request()

    task = asyncio.create_task(_turn(work, "a", log, release))
    await asyncio.sleep(0.05)
    assert log == []
    assert work.queued == 1
    assert work.active == 1  # counted as in flight: shutdown waits for it

    await asyncio.wait_for(task, timeout=2)  # no request for a whole window: the burst is over
    assert log == ["start a", "end a"]


async def test_an_answer_that_waited_long_enough_starts_even_while_requests_keep_coming() -> None:
    work = BackgroundWork(max_running=8, max_running_busy=0, busy_requests_per_second=50, max_wait_seconds=0.3)
    log: list[str] = []
    release = asyncio.Event()
    release.set()
    stop = asyncio.Event()

    async def burst() -> None:
        while not stop.is_set():
            for _ in range(10):
                work.note_request()
            await asyncio.sleep(0.01)  # ~1,000 requests/s

    load = asyncio.create_task(burst())
    try:
        task = asyncio.create_task(_turn(work, "a", log, release))
        await asyncio.sleep(0.15)
        assert log == []
        await asyncio.wait_for(task, timeout=2)
        assert log == ["start a", "end a"]
    finally:
        stop.set()
        await load


async def test_a_cancelled_waiting_answer_leaves_the_queue() -> None:
    work = BackgroundWork(max_running=1)
    log: list[str] = []
    release = asyncio.Event()
    first = asyncio.create_task(_turn(work, "a", log, release))
    second = asyncio.create_task(_turn(work, "b", log, release))
    await _settle()
    assert work.queued == 1

    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    release.set()
    await first

    assert work.queued == 0
    assert log == ["start a", "end a"]
    assert await work.wait_idle(timeout=1)
