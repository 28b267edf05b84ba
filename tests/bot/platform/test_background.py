"""The answer queue: acks first under a burst, every queued answer still runs, in arrival order."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.platform.background import BackgroundWork


def _submit(work: BackgroundWork, name: str, log: list[str], release: asyncio.Event) -> None:
    async def answer() -> None:
        log.append(f"start {name}")
        await release.wait()
        log.append(f"end {name}")

    work.submit(answer)


def _burst_queue(*, per_second: int, max_wait: float = 30) -> tuple[BackgroundWork, list[str], asyncio.Event]:
    """A queue that holds every answer back during a burst of more than `per_second` requests, an empty log, and
    the event that lets the answers finish."""
    work = BackgroundWork(
        max_running=64, max_running_busy=0, busy_requests_per_second=per_second, max_wait_seconds=max_wait
    )
    return work, [], asyncio.Event()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_without_load_answers_start_at_once_up_to_the_limit_then_in_arrival_order() -> None:
    work = BackgroundWork(max_running=2)
    log: list[str] = []
    release = asyncio.Event()
    for name in "abc":
        _submit(work, name, log, release)
    await _settle()
    assert log == ["start a", "start b"]
    assert work.queued == 1
    assert work.active == 3

    release.set()
    assert await work.wait_idle(timeout=1)

    assert log.index("start c") > log.index("end a")
    assert work.queued == 0
    assert work.active == 0


async def test_during_a_burst_answers_wait_and_start_once_it_eases() -> None:
    work = BackgroundWork(max_running=8, max_running_busy=0, busy_requests_per_second=50, max_wait_seconds=30)
    log: list[str] = []
    release = asyncio.Event()
    release.set()
    for _ in range(20):  # 20 requests in well under 100 ms: 200/s, above 50/s
        work.note_request()

    _submit(work, "a", log, release)
    await asyncio.sleep(0.05)
    assert log == []
    assert work.queued == 1
    assert work.active == 1  # counted as in flight: shutdown waits for it

    assert await work.wait_idle(timeout=2)  # no request for a whole window: the burst is over
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
        await asyncio.sleep(0.02)  # the burst is under way
        _submit(work, "a", log, release)
        await asyncio.sleep(0.15)
        assert log == []
        assert await work.wait_idle(timeout=2)
        assert log == ["start a", "end a"]
    finally:
        stop.set()
        await load


async def test_a_failing_answer_is_logged_and_the_queue_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    work = BackgroundWork(max_running=1)
    log: list[str] = []
    release = asyncio.Event()
    release.set()

    async def broken() -> None:
        raise RuntimeError("boom")

    work.submit(broken)
    _submit(work, "b", log, release)
    with caplog.at_level(logging.ERROR, logger="bot.platform.background"):
        assert await work.wait_idle(timeout=1)

    assert log == ["start b", "end b"]
    assert "a queued answer failed" in caplog.text


async def test_a_burst_holds_answers_back_from_its_first_few_requests() -> None:
    # 400 requests/s is 40 per 100 ms window; a burst shows after 16 requests within 40 ms, long before 40 have
    # arrived and started 40 answers beside the acks still to come.
    work, log, release = _burst_queue(per_second=400)
    release.set()
    for _ in range(17):
        work.note_request()

    _submit(work, "a", log, release)
    await _settle()

    assert log == []
    assert await work.wait_idle(timeout=2)  # the burst is over: it starts
    assert log == ["start a", "end a"]


async def test_eight_conversations_at_once_are_not_a_burst() -> None:
    # Eight people asking at the same moment, and again as each answer comes (an answer takes well over 50 ms):
    # 160 requests/s in steps of eight, never held. A slow machine only spaces them further.
    work, log, release = _burst_queue(per_second=400)
    release.set()
    for turn in range(3):
        for person in range(8):
            work.note_request()
            _submit(work, f"{turn}-{person}", log, release)
        await _settle()
        assert work.queued == 0
        await asyncio.sleep(0.05)
    assert work.wait_totals() == (0, 0.0)


async def test_two_messages_at_once_after_a_quiet_spell_are_answered_at_once() -> None:
    work, log, release = _burst_queue(per_second=400)
    for name in "ab":
        work.note_request()
        _submit(work, name, log, release)
    await _settle()

    assert log == ["start a", "start b"]
    release.set()
    assert await work.wait_idle(timeout=1)


async def test_a_pause_of_the_process_is_not_taken_for_the_end_of_a_burst() -> None:
    # The process is held up (a busy machine, a long callback) while a burst goes on: the check due meanwhile runs
    # late, before the requests that arrived during the pause are read. Taken at face value it would see no request
    # for longer than a window and start answers beside the burst's acks.
    work, log, release = _burst_queue(per_second=50)
    release.set()
    loop = asyncio.get_running_loop()
    for _ in range(10):
        work.note_request()
    _submit(work, "a", log, release)
    await _settle()
    assert log == []

    def requests_read_after_the_pause() -> None:
        for _ in range(10):
            work.note_request()

    def pause() -> None:
        time.sleep(0.35)  # longer than two windows: the check due at 100 ms runs ~250 ms late
        loop.call_later(0.005, requests_read_after_the_pause)

    loop.call_soon(pause)
    await asyncio.sleep(0)  # the pause
    await asyncio.sleep(0.05)  # the late check, the requests read after it, and the second look
    assert log == [], "a late check started an answer during the burst"

    assert await work.wait_idle(timeout=2)  # the burst is really over: it starts
    assert log == ["start a", "end a"]


async def test_a_late_check_still_starts_answers_that_waited_their_limit() -> None:
    work, log, release = _burst_queue(per_second=50, max_wait=0.2)
    release.set()
    for _ in range(10):
        work.note_request()
    _submit(work, "a", log, release)
    await _settle()

    time.sleep(0.3)  # the first check is due at 100 ms and runs late; by then "a" has waited its 200 ms
    await _settle()

    assert log == ["start a", "end a"]


async def test_an_answer_that_ends_right_after_a_pause_does_not_call_the_burst_over() -> None:
    # After a pause, a running answer's end can be handled before the requests that arrived meanwhile are read:
    # the quiet it sees is the pause's, so only the timer's look may end a burst.
    work = BackgroundWork(max_running=64, max_running_busy=0, busy_requests_per_second=50, max_wait_seconds=30)
    log: list[str] = []
    running_release = asyncio.Event()
    release = asyncio.Event()
    release.set()
    loop = asyncio.get_running_loop()
    _submit(work, "r", log, running_release)  # started before the burst
    await _settle()
    for _ in range(10):
        work.note_request()
    _submit(work, "a", log, release)
    await _settle()
    assert log == ["start r"]

    def requests_read_after_the_pause() -> None:
        for _ in range(10):
            work.note_request()

    def pause() -> None:
        time.sleep(0.35)
        running_release.set()  # "r" ends first thing after the pause
        loop.call_later(0.005, requests_read_after_the_pause)

    loop.call_soon(pause)
    await asyncio.sleep(0)
    await asyncio.sleep(0.05)
    assert log == ["start r", "end r"], "an answer's end after a pause started an answer during the burst"

    assert await work.wait_idle(timeout=2)
    assert log == ["start r", "end r", "start a", "end a"]
