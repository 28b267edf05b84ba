"""`lookout bench agent`'s report: the per-process CPU it reads from /proc and prints beside the throughput."""

from __future__ import annotations

import argparse
import os
import time

import pytest

from bot.bench._common import process_cpu_seconds
from bot.bench.agent import Sample, _print_report
from bot.config.settings import EventLoop


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_cpu_seconds_reads_this_process_like_process_time() -> None:
    before_proc, before = process_cpu_seconds(os.getpid()), time.process_time()
    _burn(0.3)
    after_proc = process_cpu_seconds(os.getpid())
    assert before_proc is not None and after_proc is not None
    used_proc, used = after_proc - before_proc, time.process_time() - before
    # /proc counts in clock ticks (10 ms), process_time in nanoseconds: they agree within a few ticks.
    assert used == pytest.approx(used_proc, abs=0.05)
    assert used_proc >= 0.25


def test_report_prints_cpu_per_conversation_for_both_processes(capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(concurrency=8)
    samples = [Sample(total=0.02, overhead=0.01)] * 10
    report = {
        "samples": samples,
        "rss": {1_000: 150.0},
        "rss_warm": 140.0,
        "done": 1_000,
        "bulk_seconds": 20.0,
        "cpu": {"bot": 9.7, "bench": 19.4},
        "held": (97.0, 9.7),
    }
    _print_report(args, report, [0.9], model_requests=2_000, event_loop=EventLoop.UVLOOP)
    out = capsys.readouterr().out
    assert "event loop uvloop" in out
    # 970 conversations in the memory run (1,000 minus 20 warm-up and 10 samples).
    assert "CPU per conversation, the bot process" in out and "10.00 ms" in out
    assert "CPU per conversation, fakes + load (this process)" in out and "20.00 ms" in out
    assert "throughput in the memory run" in out and "48.5 /s" in out
    assert "answers held behind acks in the memory run" in out and "97 (100 ms each)" in out
