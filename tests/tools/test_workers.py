"""CPU work runs in a worker process; when that process dies the work still gets done (in a thread, said in the
log), the next call starts a new process, and after repeated deaths everything stays in threads."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.workers import MAX_RESTARTS, CpuPool


def pid() -> int:
    return os.getpid()


def crash_unless_in(parent: int) -> str:
    """Kills the worker process it runs in; in the parent process (a thread) it just answers."""
    if os.getpid() != parent:
        os._exit(1)
    return "done in a thread"


async def test_work_runs_in_another_process() -> None:
    pool = CpuPool(workers=1)
    try:
        assert await pool.run(pid) != os.getpid()
    finally:
        pool.shutdown()


async def test_a_dead_worker_falls_back_to_a_thread_then_a_new_process(caplog: pytest.LogCaptureFixture) -> None:
    pool = CpuPool(workers=1)
    try:
        with caplog.at_level(logging.WARNING, logger="tools.workers"):
            assert await pool.run(crash_unless_in, os.getpid()) == "done in a thread"
        assert "this call runs in a thread, the next starts a new one" in caplog.text
        assert not pool.in_threads

        assert await pool.run(pid) != os.getpid()  # a fresh process
    finally:
        pool.shutdown()


async def test_after_repeated_deaths_work_stays_in_threads(caplog: pytest.LogCaptureFixture) -> None:
    pool = CpuPool(workers=1)
    with caplog.at_level(logging.WARNING, logger="tools.workers"):
        for _ in range(MAX_RESTARTS):
            assert await pool.run(crash_unless_in, os.getpid()) == "done in a thread"

    assert pool.in_threads
    assert "CPU work runs in threads from now on" in caplog.text
    assert await pool.run(pid) == os.getpid()


async def test_resizing_lets_the_old_pool_go() -> None:
    pool = CpuPool(workers=1)
    try:
        first = await pool.run(pid)
        pool.resize(workers=2)
        assert pool.workers == 2
        assert await pool.run(pid) not in (first, os.getpid())
    finally:
        pool.shutdown()


_ORPHANED_PARENT = """
import asyncio, os
from tools.workers import CpuPool

async def main() -> None:
    worker = await CpuPool(workers=1).run(os.getpid)
    print(worker, flush=True)
    os.kill(os.getpid(), 9)  # killed outright: no atexit, no pool shutdown

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to see whether the worker still runs")
def test_a_worker_ends_when_its_parent_is_killed_outright() -> None:
    # A replica killed by SIGKILL or the OOM killer must not leave its CPU worker behind for ever.
    parent = subprocess.run(
        [sys.executable, "-c", _ORPHANED_PARENT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert parent.returncode == -9, parent.stderr
    worker = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 30
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)
