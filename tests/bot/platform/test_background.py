"""The answer queue: no answer starts ahead of an ack that is due, every queued answer still runs, in arrival order.

The hold is decided by the requests in flight at the front door and a clock the tests set, so nothing here depends
on how fast the machine is: `_settle` only lets started tasks take their first steps.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.platform.background import FLOOD_HELD, FLOOD_QUIET_SECONDS, QUIET_SECONDS, BackgroundWork


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _submit(work: BackgroundWork, name: str, log: list[str], release: asyncio.Event) -> None:
    async def answer() -> None:
        log.append(f"start {name}")
        await release.wait()
        log.append(f"end {name}")

    work.submit(answer)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def _released() -> asyncio.Event:
    release = asyncio.Event()
    release.set()
    return release


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
    assert work.wait_totals()[0] == 1  # "c" waited for a slot; "a" and "b" did not wait


async def test_an_answer_held_behind_an_ack_starts_once_the_front_door_has_been_quiet() -> None:
    clock = FakeClock()
    work = BackgroundWork(max_running=64, max_wait_seconds=5, clock=clock)
    log: list[str] = []
    work.request_started()
    _submit(work, "a", log, _released())
    await _settle()
    assert log == []
    assert work.queued == 1
    assert work.active == 1  # counted as in flight: shutdown waits for it

    clock.now += 0.002
    work.request_ended()
    await asyncio.sleep(0.01)  # the queue's looks run; by its clock no time has passed since the ack
    assert log == []

    clock.now += 2 * QUIET_SECONDS
    assert await work.wait_idle(timeout=5)
    assert log == ["start a", "end a"]
    waited, seconds = work.wait_totals()
    assert (waited, round(seconds, 6)) == (1, round(0.002 + 2 * QUIET_SECONDS, 6))


async def test_a_flood_holds_every_answer_until_its_last_ack_then_all_start_in_arrival_order() -> None:
    # `lookout bench ack`: 32 connections keep requests in flight from the first delivery to the last; each
    # delivery's answer is queued after its ack, while the others' acks are still due.
    clock = FakeClock()
    work = BackgroundWork(max_running=64, max_wait_seconds=5, clock=clock)
    log: list[str] = []
    for _ in range(32):
        work.request_started()
    for index in range(300):
        work.request_ended()  # one delivery acked ...
        clock.now += 0.0004
        _submit(work, str(index), log, _released())  # ... its answer queued ...
        work.request_started()  # ... and the connection's next delivery arrives
        await _settle()
    assert log == []
    assert work.queued == 300

    for _ in range(32):
        work.request_ended()
    clock.now += 2 * QUIET_SECONDS
    await asyncio.sleep(0.01)
    assert log == []  # quiet enough after a few held answers, not after a flood's

    clock.now += 2 * FLOOD_QUIET_SECONDS
    assert await work.wait_idle(timeout=5)
    assert [entry for entry in log if entry.startswith("start")] == [f"start {index}" for index in range(300)]
    assert work.wait_totals()[0] == 300


async def test_moments_without_a_request_between_a_floods_deliveries_release_nothing() -> None:
    # A flood the load generator cannot keep up with: now and then every delivery has been acked and the next
    # one is not read yet. Those moments are shorter than QUIET_SECONDS; the held answers wait for the real quiet.
    clock = FakeClock()
    work = BackgroundWork(max_running=64, max_wait_seconds=5, clock=clock)
    log: list[str] = []
    work.request_started()
    _submit(work, "held", log, _released())
    for _ in range(50):
        work.request_ended()
        clock.now += QUIET_SECONDS / 2
        await asyncio.sleep(0.002)  # the queue's looks run in between
        work.request_started()
        clock.now += 0.0004
    assert log == []

    work.request_ended()
    clock.now += 2 * QUIET_SECONDS
    assert await work.wait_idle(timeout=5)
    assert log == ["start held", "end held"]


async def test_steady_conversations_whose_acks_do_not_overlap_are_never_held() -> None:
    # `lookout bench agent`: 8 conversations at a time, each a mention (acked within a millisecond or two) and then
    # its answer; with no other ack due when an answer is queued, none waits however many arrive per second.
    clock = FakeClock()
    work = BackgroundWork(max_running=64, max_wait_seconds=5, clock=clock)
    log: list[str] = []
    release = asyncio.Event()
    for index in range(200):  # 200 mentions 1 ms apart: 1,000 per second, far above the old 400/s "burst"
        work.request_started()
        clock.now += 0.0005
        work.request_ended()
        _submit(work, str(index), log, release)
        clock.now += 0.0005
        if index % 8 == 7:
            release.set()  # answers end as the conversations go on
            await _settle()
            release.clear()
    release.set()
    assert await work.wait_idle(timeout=5)

    assert work.wait_totals() == (0, 0.0)
    assert log.count("start 199") == 1


async def test_a_pause_of_the_floods_sender_does_not_release_its_answers() -> None:
    # The process sending a flood pauses (a garbage collection, a busy core) longer than this replica takes to ack
    # what is in flight: the front door is really idle for a while, but the flood goes on after it.
    clock = FakeClock()
    work = BackgroundWork(max_running=64, max_wait_seconds=5, clock=clock)
    log: list[str] = []
    work.request_started()
    for index in range(FLOOD_HELD + 1):
        _submit(work, str(index), log, _released())
    work.request_ended()
    clock.now += FLOOD_QUIET_SECONDS / 2  # 25 ms without a request
    await asyncio.sleep(0.01)
    work.request_started()  # the flood resumes
    await _settle()
    assert log == []

    work.request_ended()
    clock.now += 2 * FLOOD_QUIET_SECONDS
    assert await work.wait_idle(timeout=5)
    assert len(log) == 2 * (FLOOD_HELD + 1)


async def test_a_request_still_awaiting_its_ack_keeps_the_hold_when_another_one_ends() -> None:
    clock = FakeClock()
    work = BackgroundWork(max_running=64, max_wait_seconds=5, clock=clock)
    log: list[str] = []
    work.request_started()
    work.request_started()
    _submit(work, "a", log, _released())
    work.request_ended()
    clock.now += 1.0  # quiet for a long while, but one ack is still due
    await asyncio.sleep(0.01)
    assert log == []

    work.request_ended()
    clock.now += 2 * QUIET_SECONDS
    assert await work.wait_idle(timeout=5)
    assert log == ["start a", "end a"]


async def test_an_answer_that_waited_its_limit_starts_even_while_acks_keep_coming() -> None:
    clock = FakeClock()
    work = BackgroundWork(max_running=64, max_wait_seconds=5, clock=clock)
    log: list[str] = []
    work.request_started()
    _submit(work, "a", log, _released())
    clock.now += 4.9
    _submit(work, "b", log, _released())
    work.request_started()
    await _settle()
    assert log == []

    clock.now += 0.1  # "a" has waited 5 s; "b" only 0.1 s
    work.request_ended()  # any event of the queue looks at the oldest answer's wait
    await _settle()

    assert log == ["start a", "end a"]
    assert work.queued == 1


async def test_the_wait_limit_needs_no_event_to_start_an_answer() -> None:
    # Acks never stop (a request stuck before its ack): the queue's own timer starts the answer after its limit.
    work = BackgroundWork(max_running=64, max_wait_seconds=0.05)
    log: list[str] = []
    work.request_started()
    _submit(work, "a", log, _released())
    await _settle()
    assert log == []

    assert await work.wait_idle(timeout=5)
    assert log == ["start a", "end a"]


async def test_the_slot_limit_holds_even_when_no_ack_is_due() -> None:
    work = BackgroundWork(max_running=1, max_wait_seconds=0)
    log: list[str] = []
    release = asyncio.Event()
    _submit(work, "a", log, release)
    _submit(work, "b", log, release)  # overdue at once, yet one answer at a time
    await _settle()
    assert log == ["start a"]

    release.set()
    assert await work.wait_idle(timeout=1)
    assert log == ["start a", "end a", "start b", "end b"]


async def test_a_failing_answer_is_logged_and_the_queue_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    work = BackgroundWork(max_running=1)
    log: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    work.submit(broken)
    _submit(work, "b", log, _released())
    with caplog.at_level(logging.ERROR, logger="bot.platform.background"):
        assert await work.wait_idle(timeout=1)

    assert log == ["start b", "end b"]
    assert "a queued answer failed" in caplog.text
