"""`lookout bench ack`: how fast the front door acks signed `app_mention` deliveries, against a bare bolt app.

Each server runs in its own process, as do the fake Slack Web API and the load generator (this process): in
production neither the load nor Slack's API share the bot's event loop. Lookout runs its full stack:
signature check, bolt authorization, metrics, then in the background the database dedupe claims and the
threaded reply posted to the fake Slack. The bare app is a slack-bolt AsyncApp whose listener only acks.

Each app runs `--rounds` times (default 5), alternating which goes first, and the median run is reported. With two
or more cores the server under test is pinned to its own core and the load generator and fake Slack to another,
identically for both apps (`--no-pin` turns this off).

Under overload Lookout acks first and answers a few seconds later (`bot.platform.background`), so events/s alone would hide
the replies' cost: the report also says when the last reply of the throughput run reached Slack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import multiprocessing
import os
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.bench._common import (
    SIGNING_SECRET,
    process_cpu_seconds,
    serve_until_sigterm,
    signed_mention,
    start_server_process,
    stop_server_process,
)
from bot.bench.ack_report import RunResult, report
from bot.config.logs import configure_logging
from bot.config.settings import EventLoop, Settings
from bot.fakes.slack_api import FakeSlack
from bot.main import event_loop

_WARM_UP_EVENTS = 500


def main(argv: Sequence[str], *, settings: Settings) -> int:
    parser = argparse.ArgumentParser(prog="lookout bench ack", description=__doc__)
    parser.add_argument("--events", "-n", type=int, default=3000, help="deliveries in the throughput run")
    parser.add_argument("--concurrency", "-c", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rate", type=float, default=200.0, help="events per second in the paced run")
    parser.add_argument("--paced-seconds", type=float, default=10.0, help="length of the paced run")
    parser.add_argument(
        "--rounds", type=int, default=5, help="throughput runs per app, alternating the apps; the median is reported"
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="don't pin the server under test to one core and the load generator and fake Slack to the other",
    )
    args = parser.parse_args(list(argv))
    return asyncio.run(_bench(args, event_loop=settings.lookout_event_loop))


async def _bench(args: argparse.Namespace, *, event_loop: EventLoop) -> int:
    cores = _pin_cores(enabled=not args.no_pin)
    rounds = max(1, args.rounds)
    throughputs: dict[str, list[RunResult]] = {"lookout": [], "bare": []}
    paced: dict[str, RunResult] = {}
    replies = 0
    posted = 0  # chat.postMessage calls the fake Slack has had so far (only Lookout posts)
    replies_done: list[float] = []
    slack = RemoteFakeSlack()
    slack_url, bot_token = await slack.start()
    try:
        for round_index in range(rounds):
            # Alternate which app goes first, so a slow start or a neighbour's burst does not always hit the same one.
            order = ("lookout", "bare") if round_index % 2 == 0 else ("bare", "lookout")
            for name in order:
                is_lookout = name == "lookout"
                with tempfile.TemporaryDirectory(prefix="lookout-bench-") as data_dir:
                    process, port = await start_server_process(
                        _server_process, name, slack_url, bot_token, data_dir, cores[1], event_loop
                    )
                    try:
                        url = f"http://127.0.0.1:{port}/slack/events"
                        # Warm-up, for both apps alike: auth.test, connection pools, the interpreter's specialised
                        # code paths and the allocator's memory; the first burst of a new process runs ~30% slower.
                        await _run(url, events=_WARM_UP_EVENTS, concurrency=args.concurrency)
                        if is_lookout:
                            posted += _WARM_UP_EVENTS
                        before = await slack.count_posts(at_least=posted)
                        started = time.perf_counter()
                        cpu_before = process_cpu_seconds(process.pid)
                        throughput = await _run(url, events=args.events, concurrency=args.concurrency)
                        cpu_after = process_cpu_seconds(process.pid)
                        if cpu_before is not None and cpu_after is not None:
                            throughput = dataclasses.replace(throughput, server_cpu_seconds=cpu_after - cpu_before)
                        throughputs[name].append(throughput)
                        sent = args.events
                        # Lookout's replies are done before the next phase.
                        after = await slack.count_posts(at_least=before + sent if is_lookout else 0)
                        if is_lookout:
                            replies_done.append(time.perf_counter() - started)
                        if round_index == 0:
                            paced_events = int(args.rate * args.paced_seconds)
                            paced[name] = await _run(
                                url, events=paced_events, concurrency=args.concurrency, rate=args.rate
                            )
                            sent += paced_events
                            after = await slack.count_posts(at_least=before + sent if is_lookout else 0)
                        if is_lookout:
                            replies += after - before
                            posted = after
                    finally:
                        await stop_server_process(process)
    finally:
        await slack.stop()
    report(throughputs, paced, args, cores=cores, event_loop=event_loop, replies=replies, replies_done=replies_done)
    return 0


def _pin_cores(*, enabled: bool) -> tuple[set[int] | None, set[int] | None]:
    """(load generator and fake Slack, server under test): one core each when there are two, for both apps alike."""
    if not enabled or not hasattr(os, "sched_setaffinity"):
        return None, None
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    load, server = {available[0]}, set(available[1:])
    os.sched_setaffinity(0, load)  # the fake Slack process, spawned next, inherits it
    return load, server


class RemoteFakeSlack:
    """The fake Slack in its own process, so its work shares neither the server's nor the load's event loop."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._commands: Queue[float | None] = context.Queue()
        self._answers: Queue[Any] = context.Queue()
        self._process: BaseProcess = context.Process(
            target=_fake_slack_process, args=(self._commands, self._answers), daemon=True
        )

    async def start(self) -> tuple[str, str]:
        self._process.start()
        url, token = await asyncio.to_thread(self._answers.get, True, 120)
        return str(url), str(token)

    async def count_posts(self, *, at_least: int, timeout: float = 120.0) -> int:  # noqa: ASYNC109
        """How many chat.postMessage calls arrived, after waiting (up to `timeout`) for `at_least` of them."""
        self._commands.put(float(at_least))
        self._commands.put(timeout)
        answer: int = await asyncio.to_thread(self._answers.get, True, timeout + 30)
        return answer

    async def stop(self) -> None:
        self._commands.put(None)
        await asyncio.to_thread(self._process.join, 30)
        if self._process.is_alive():
            self._process.kill()


def _fake_slack_process(commands: Queue[float | None], answers: Queue[Any]) -> None:
    async def serve() -> None:
        async with FakeSlack() as slack:
            answers.put((slack.url, slack.workspace.bot_token))
            while (at_least := await asyncio.to_thread(commands.get)) is not None:
                timeout = await asyncio.to_thread(commands.get)
                with contextlib.suppress(TimeoutError):
                    await slack.wait_for_calls("chat.postMessage", int(at_least), timeout=float(timeout or 0))
                answers.put(len(slack.calls_to("chat.postMessage")))

    asyncio.run(serve())


def _delivery() -> tuple[bytes, dict[str, str]]:
    return signed_mention(text="<@U0LOOKOUT> how did organic traffic do last week?", ts=f"{time.time():.6f}")


async def _run(url: str, *, events: int, concurrency: int, rate: float | None = None) -> RunResult:
    deliveries = [_delivery() for _ in range(events)]
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def fire(body: bytes, headers: dict[str, str]) -> None:
            nonlocal errors
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        if rate is None:
            queue = iter(deliveries)

            async def worker() -> None:
                for body, headers in queue:
                    await fire(body, headers)

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        else:
            tasks = []
            for index, (body, headers) in enumerate(deliveries):
                delay = started + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(fire(body, headers)))
            await asyncio.gather(*tasks)
        seconds = time.perf_counter() - started
    return RunResult(events=events, seconds=seconds, latencies=latencies, errors=errors)


# ------------------------------------------------------------------------------------------------ servers


def _server_process(
    name: str,
    slack_url: str,
    bot_token: str,
    data_dir: str,
    core: set[int] | None,
    loop: EventLoop,
    ports: Queue[int],
) -> None:
    """Either app on the event loop `lookout serve` is set to use: the bare app too, so the ratio compares apps."""
    if core is not None:
        os.sched_setaffinity(0, core)
    serving = _serve_one(name, slack_url=slack_url, bot_token=bot_token, data_dir=data_dir, loop=loop, ports=ports)
    event_loop.run(serving, event_loop=loop)


async def _serve_one(
    name: str, *, slack_url: str, bot_token: str, data_dir: str, loop: EventLoop, ports: Queue[int]
) -> None:
    if name == "lookout":
        from bot.main.serve import start_server

        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{Path(data_dir) / 'lookout.db'}",
            lookout_secret_key=Fernet.generate_key().decode(),
            lookout_data_dir=Path(data_dir),
            slack_signing_secret=SIGNING_SECRET,
            slack_bot_token=bot_token,
            slack_api_url=slack_url,
            lookout_event_loop=loop,
            lookout_scheduler_enabled=False,
            log_level="WARNING",
        )
        # As `lookout serve` does: among other things this sets slack_bolt's logger level, which bolt compares
        # (not the effective level) before formatting a debug line for every middleware of every request.
        configure_logging(settings.log_level)
        server = await start_server(settings=settings, port=0, socket_mode=False, host="127.0.0.1")
        await serve_until_sigterm(ports, server.port)
        await server.stop(grace_seconds=10)
        return
    bare = AsyncApp(signing_secret=SIGNING_SECRET, client=AsyncWebClient(token=bot_token, base_url=slack_url))

    @bare.event("app_mention")
    async def only_ack() -> None:
        return None

    runner = web.AppRunner(bare.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host="127.0.0.1", port=0).start()
    await serve_until_sigterm(ports, int(runner.addresses[0][1]))
    await runner.cleanup()


# ------------------------------------------------------------------------------------------------ report
