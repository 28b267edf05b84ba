"""`lookout bench agent`: the agent's own cost in time and memory, with zero-latency fake model, Google and Slack.

- overhead: from a signed `app_mention` POST to the final Slack message (`chat.stopStream`), minus the time the
  turn spent waiting on the model and on Google (the agent's own counters), p50/p99 over sequential conversations;
- memory: resident set of the bot process after 1,000 and after 10,000 conversations (each a new thread: one GA4
  report, two model calls, a streamed answer, a stored conversation);
- ready: wall time from starting `lookout serve` to its first healthy `/healthz`, with one model provider configured.

The bot runs in its own process (as in production); the fakes and the load run in this one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet

from bot.bench import agent_server
from bot.bench._common import (
    SIGNING_SECRET,
    percentile_ms,
    process_cpu_seconds,
    signed_mention,
    start_server_process,
    stop_server_process,
)
from bot.bench.agent_server import bot_process
from bot.bench.tokens import CACHE_MIN_TOKENS, PromptSize, print_prompt_size
from bot.config.settings import EventLoop, Settings
from bot.fakes.anthropic import FakeAnthropic
from bot.fakes.llm_script import RecordedRequest, Reply, ScriptedToolCall
from bot.fakes.prompt_cache import PromptCache
from bot.fakes.slack_api import FakeSlack

_ROOT = Path(__file__).resolve().parents[2]
PROPERTY_ID = agent_server.PROPERTY_ID
MODEL = "anthropic:claude-haiku-5-5"
QUESTION = "how many sessions did we have last week?"
LAST_WEEK = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}


def main(argv: Sequence[str], *, settings: Settings) -> int:
    parser = argparse.ArgumentParser(prog="lookout bench agent", description=__doc__)
    parser.add_argument("--conversations", "-n", type=int, default=10_000, help="total conversations (memory run)")
    parser.add_argument("--samples", type=int, default=500, help="sequential conversations timed for p50/p99")
    parser.add_argument("--concurrency", "-c", type=int, default=8, help="concurrent conversations in the memory run")
    parser.add_argument("--ready-runs", type=int, default=3, help="times `lookout serve` is started for ready time")
    args = parser.parse_args(list(argv))
    return asyncio.run(_bench(args, event_loop=settings.lookout_event_loop))


# ------------------------------------------------------------------------------------------------ the fakes


PROMPT_SIZE = PromptSize()


def _script(recorded: RecordedRequest) -> Reply:
    """First step: ask for last week's sessions; second step (a tool result came back): answer with the total."""
    PROMPT_SIZE.see(recorded.body)
    if not recorded.tool_results:
        return Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),), input_tokens=2500, output_tokens=40)
    match = re.search(r'"sessions":\s*(\d+)', recorded.tool_results[0])
    total = int(match.group(1)) if match else 0
    return Reply(text=f"Sessions last week were **{total:,}**.\n- Steady against the week before.", output_tokens=30)


@dataclass
class Finished:
    """When each thread's final message (`chat.stopStream`) reached the fake Slack."""

    waiters: dict[str, asyncio.Future[float]] = field(default_factory=dict)
    by_message: dict[str, str] = field(default_factory=dict)

    def expect(self, thread_ts: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[thread_ts] = future
        return future


def _instrument(slack: FakeSlack, finished: Finished) -> None:
    def start_stream(call: Any) -> dict[str, Any]:
        ts = f"{time.time():.6f}"
        finished.by_message[ts] = str(call.params.get("thread_ts"))
        return {"ok": True, "channel": call.params.get("channel"), "ts": ts}

    def append_stream(call: Any) -> dict[str, Any]:
        return {"ok": True, "channel": call.params.get("channel"), "ts": call.params.get("ts")}

    def stop_stream(call: Any) -> dict[str, Any]:
        thread = finished.by_message.pop(str(call.params.get("ts")), "")
        future = finished.waiters.pop(thread, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())
        return {"ok": True, "channel": call.params.get("channel"), "ts": call.params.get("ts")}

    # Answered without storing every streamed message, so the fake's memory does not grow with the run.
    slack.on("chat.startStream", start_stream)
    slack.on("chat.appendStream", append_stream)
    slack.on("chat.stopStream", stop_stream)
    slack.on("assistant.threads.setStatus", lambda call: {"ok": True})


_ts_counter = iter(range(1, 10**9))


def _new_ts() -> str:
    return f"{1_790_000_000 + next(_ts_counter)}.000100"


# ------------------------------------------------------------------------------------------------ the bot process


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ------------------------------------------------------------------------------------------------ the run


@dataclass
class Sample:
    total: float
    overhead: float


async def _metric(http: aiohttp.ClientSession, url: str, name: str) -> float:
    async with http.get(url) as response:
        text = await response.text()
    match = re.search(rf"^{name} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def _conversation(http: aiohttp.ClientSession, url: str, finished: Finished) -> float:
    thread_ts = _new_ts()
    done = finished.expect(thread_ts)
    body, headers = signed_mention(text=f"<@U0LOOKOUT> {QUESTION}", ts=thread_ts)
    started = time.perf_counter()
    async with http.post(url, data=body, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"delivery answered {response.status}")
    ended = await asyncio.wait_for(done, timeout=60)
    return ended - started


async def _bench(args: argparse.Namespace, *, event_loop: EventLoop) -> int:
    from tools.fakes.google import FakeGoogle
    from tools.sample.dataset import PropertyDataset

    finished = Finished()
    dataset = PropertyDataset(seed=5, now=datetime.now(UTC).replace(tzinfo=None), days=60)
    async with (
        FakeSlack() as slack,
        FakeAnthropic(record=False, prompt_cache=PromptCache(min_tokens=CACHE_MIN_TOKENS)) as claude,
        FakeGoogle() as google,
    ):
        claude.responder = _script
        google.add_dataset(dataset, property_id=PROPERTY_ID)
        _instrument(slack, finished)
        ready = await _ready_times(slack, claude, runs=args.ready_runs, event_loop=event_loop)
        with tempfile.TemporaryDirectory(prefix="lookout-bench-agent-") as data_dir:
            config = {
                "google_url": google.url,
                "settings": {
                    "database_url": f"sqlite:///{Path(data_dir) / 'lookout.db'}",
                    "lookout_secret_key": Fernet.generate_key().decode(),
                    "lookout_data_dir": data_dir,
                    "slack_signing_secret": SIGNING_SECRET,
                    "slack_bot_token": slack.workspace.bot_token,
                    "slack_api_url": slack.url,
                    "anthropic_api_key": "bench-key",
                    "anthropic_base_url": claude.url,
                    "lookout_models_fast": MODEL,
                    "lookout_models_deep": MODEL,
                    "lookout_monthly_budget_usd": 0,
                    "lookout_scheduler_enabled": False,
                    "lookout_event_loop": event_loop.value,
                    "log_level": "WARNING",
                },
            }
            process, port = await start_server_process(bot_process, config)
            try:
                assert process.pid is not None
                report = await _drive(args, port=port, pid=process.pid, finished=finished)
            finally:
                await stop_server_process(process)
    _print_report(args, report, ready, model_requests=claude.request_count, event_loop=event_loop)
    return 0


async def _drive(args: argparse.Namespace, *, port: int, pid: int, finished: Finished) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/slack/events"
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    connector = aiohttp.TCPConnector(limit=max(args.concurrency, 1) * 2)
    async with aiohttp.ClientSession(connector=connector) as http:
        for _ in range(20):  # warm-up: imports on first message, connection pools, the GA4 cache
            await _conversation(http, url, finished)
        rss_warm = _rss_mb(pid)
        samples: list[Sample] = []
        for _ in range(args.samples):
            waited_before = await _metric(http, metrics_url, "lookout_agent_model_seconds_total") + await _metric(
                http, metrics_url, "lookout_agent_tool_seconds_total"
            )
            total = await _conversation(http, url, finished)
            waited_after = await _metric(http, metrics_url, "lookout_agent_model_seconds_total") + await _metric(
                http, metrics_url, "lookout_agent_tool_seconds_total"
            )
            samples.append(Sample(total=total, overhead=total - (waited_after - waited_before)))
        done = 20 + args.samples
        rss: dict[int, float] = {}
        gate = asyncio.Semaphore(max(args.concurrency, 1))
        # Both processes share the two cores: the bot, and this one (load generator and every fake, one GIL).
        # Throughput is capped by whichever needs more CPU per conversation, so the report shows both.
        started, bot_cpu, bench_cpu = time.perf_counter(), process_cpu_seconds(pid), time.process_time()
        held_before = await _held(http, metrics_url)

        async def one() -> None:
            async with gate:
                await _conversation(http, url, finished)

        for checkpoint in (1_000, 10_000):
            target = min(checkpoint, args.conversations)
            if target > done:
                await asyncio.gather(*(one() for _ in range(target - done)))
                done = target
            if checkpoint <= args.conversations:
                rss[checkpoint] = _rss_mb(pid)
        elapsed = time.perf_counter() - started
        bot_cpu_after = process_cpu_seconds(pid)
        cpu = {
            "bot": None if bot_cpu is None or bot_cpu_after is None else bot_cpu_after - bot_cpu,
            "bench": time.process_time() - bench_cpu,
        }
        held_after = await _held(http, metrics_url)
    held = (held_after[0] - held_before[0], held_after[1] - held_before[1])
    return {
        "samples": samples,
        "rss": rss,
        "rss_warm": rss_warm,
        "done": done,
        "bulk_seconds": elapsed,
        "cpu": cpu,
        "held": held,
    }


async def _held(http: aiohttp.ClientSession, url: str) -> tuple[float, float]:
    """(answers the queue held behind acks, seconds they waited in all) so far, from the bot's /metrics."""
    return (
        await _metric(http, url, "lookout_answers_waited_total"),
        await _metric(http, url, "lookout_answer_wait_seconds_total"),
    )


async def _ready_times(slack: FakeSlack, claude: FakeAnthropic, *, runs: int, event_loop: EventLoop) -> list[float]:
    """Start `lookout serve` (as an operator would, one provider configured) and time it to a healthy /healthz."""
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="lookout-bench-ready-") as data_dir:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(_ROOT),
            "DATABASE_URL": f"sqlite:///{Path(data_dir) / 'lookout.db'}",
            "LOOKOUT_SECRET_KEY": Fernet.generate_key().decode(),
            "LOOKOUT_DATA_DIR": data_dir,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": slack.workspace.bot_token,
            "SLACK_API_URL": slack.url,
            "ANTHROPIC_API_KEY": "bench-key",
            "ANTHROPIC_BASE_URL": claude.url,
            "LOOKOUT_SCHEDULER_ENABLED": "false",
            "LOOKOUT_EVENT_LOOP": event_loop.value,
            "LOG_LEVEL": "WARNING",
        }
        async with aiohttp.ClientSession() as http:
            for _ in range(runs):
                port = _free_port()
                started = time.perf_counter()
                process = subprocess.Popen(  # noqa: ASYNC220 - started, then polled over HTTP below
                    [sys.executable, "-m", "bot", "serve", "--port", str(port)],
                    env={**env, "PORT": str(port)},
                    cwd=data_dir,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                try:
                    while process.poll() is None and time.perf_counter() - started < 60:
                        with contextlib.suppress(aiohttp.ClientError):
                            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                                if response.status == 200:
                                    times.append(time.perf_counter() - started)
                                    break
                        await asyncio.sleep(0.005)
                finally:
                    process.send_signal(signal.SIGTERM)
                    await asyncio.to_thread(process.wait, 30)
    return times


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _print_report(
    args: argparse.Namespace, report: dict[str, Any], ready: list[float], *, model_requests: int, event_loop: EventLoop
) -> None:
    samples: list[Sample] = report["samples"]
    overhead = [sample.overhead for sample in samples]
    total = [sample.total for sample in samples]
    print(
        f"lookout bench agent: zero-latency fakes, {os.cpu_count()} cores, model {MODEL}, "
        f"event loop {event_loop} (LOOKOUT_EVENT_LOOP)"
    )
    print()
    print(f"{'measure':<52}{'value':>14}{'target':>12}")
    print("-" * 78)
    print(
        f"{'overhead p50 (mention → final message, − model/Google)':<52}{percentile_ms(overhead, 0.5):>11.1f} ms{'< 30 ms':>12}"
    )
    print(f"{'overhead p99':<52}{percentile_ms(overhead, 0.99):>11.1f} ms{'< 25 ms':>12}")
    print(f"{'end to end p50 (incl. fake model + GA4 time)':<52}{percentile_ms(total, 0.5):>11.1f} ms{'':>12}")
    print(f"{'end to end p99':<52}{percentile_ms(total, 0.99):>11.1f} ms{'':>12}")
    rss: dict[int, float] = report["rss"]
    print(f"{'RSS after warm-up (20 conversations)':<52}{report['rss_warm']:>11.1f} MB{'':>12}")
    for checkpoint, value in rss.items():
        print(f"{f'RSS after {checkpoint:,} conversations':<52}{value:>11.1f} MB{'< 130 MB':>12}")
    if 1_000 in rss and 10_000 in rss:
        growth = (rss[10_000] - rss[1_000]) / rss[1_000] * 100
        print(f"{'RSS growth 1,000 → 10,000':<52}{growth:>12.1f} %{'< 5 %':>12}")
    if ready:
        print(
            f"{'ready (start → healthy /healthz), median of runs':<52}{statistics.median(ready) * 1000:>11.0f} ms{'< 1 s':>12}"
        )
        print(f"{'ready, each run':<52}{', '.join(f'{t * 1000:.0f}' for t in ready):>14}")
    bulk = report["done"] - 20 - len(samples)  # the memory run's conversations, after warm-up and samples
    rate = bulk / report["bulk_seconds"] if report["bulk_seconds"] else 0.0
    print(f"{'conversations (memory run, concurrency ' + str(args.concurrency) + ')':<52}{report['done']:>14,}")
    print(f"{'throughput in the memory run':<52}{rate:>10.1f} /s{'>= 100 /s':>12}")
    if bulk > 0:
        for who, label in (("bot", "the bot process"), ("bench", "fakes + load (this process)")):
            if report["cpu"][who] is None:
                continue  # no /proc here
            per = report["cpu"][who] / bulk * 1000
            print(f"{'CPU per conversation, ' + label:<52}{per:>11.2f} ms{'':>12}")
        held, waited = report["held"]
        average = f"{waited / held * 1000:.0f} ms each" if held else "-"
        print(f"{'answers held behind acks in the memory run':<52}{f'{held:,.0f} ({average})':>14}")
    print(f"{'model requests served by the fake':<52}{model_requests:>14,}")
    print_prompt_size(PROMPT_SIZE)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], settings=Settings(_env_file=None)))
