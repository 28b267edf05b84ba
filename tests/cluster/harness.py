"""Several real `lookout serve` processes on one PostgreSQL database, driven from the test process.

Each replica is `python -m bot serve --port P` in its own process group with its own log file; the fakes (Slack,
Google) run in the test process on loopback and the replicas reach them through the same environment variables an
operator would set. Every wait is bounded and every process is killed when the cluster is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.fakes.slack_api import FakeSlack
from tests.helpers.slack_requests import SlackResponse, send

REPO_ROOT = Path(__file__).resolve().parents[2]
# How long a replica may take to import, migrate and answer /healthz. Alone it takes a few seconds; three started at
# once on a 2-core CI machine already at load 6-16 took over a minute. How fast it starts is not what these tests
# check, so the bound is generous (CLUSTER_TEST_TIMEOUT_SECONDS leaves room for it).
READY_TIMEOUT_SECONDS = 300.0
CLUSTER_TEST_TIMEOUT_SECONDS = 900  # pytest-timeout for a cluster test: replicas start, answer, are killed


def free_port() -> int:
    """An ephemeral port that was free a moment ago (the replica binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Replica:
    """One `lookout serve` process."""

    name: str
    port: int
    process: asyncio.subprocess.Process
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signal(self, signum: signal.Signals) -> None:
        if self.alive:
            self.process.send_signal(signum)

    async def wait_exit(self, *, timeout: float) -> int:
        """The exit code; raises TimeoutError (the process keeps running) when it has not exited in time."""
        return await asyncio.wait_for(self.process.wait(), timeout=timeout)

    async def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), timeout=10)

    async def metric(self, name: str) -> float:
        """Sum of every sample of a Prometheus counter on this replica's `/metrics`."""
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}/metrics") as response:
            text = await response.text()
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and not line.startswith("#"):
                sample = line.split("{", 1)[0].split(" ", 1)[0]
                if sample in (name, f"{name}_total"):
                    total += float(line.rsplit(" ", 1)[1])
        return total


@dataclass
class Cluster:
    """Starts replicas with a shared environment; `close()` kills whatever is still running."""

    env: dict[str, str]
    log_dir: Path
    replicas: list[Replica] = field(default_factory=list)
    _spawned: int = 0

    async def start(
        self, count: int, *, extra_env: Mapping[str, str] | None = None, envs: Sequence[Mapping[str, str]] = ()
    ) -> list[Replica]:
        """Start `count` replicas at once (they race to migrate the database) and wait until all are healthy.

        `envs[i]`, when given, adds to the i-th replica's environment (after `extra_env`).
        """
        started = [
            await self._spawn({**(extra_env or {}), **(envs[index] if index < len(envs) else {})})
            for index in range(count)
        ]
        await asyncio.gather(*(self._wait_ready(replica) for replica in started))
        return started

    async def _spawn(self, extra_env: Mapping[str, str]) -> Replica:
        self._spawned += 1
        name = f"replica-{self._spawned}"
        port = free_port()
        log_path = self.log_dir / f"{name}.log"
        env = {**self.env, **extra_env}
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--port",
                str(port),
                cwd=str(REPO_ROOT),
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        replica = Replica(name=name, port=port, process=process, log_path=log_path)
        self.replicas.append(replica)
        return replica

    async def _wait_ready(self, replica: Replica) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if not replica.alive:
                    raise AssertionError(f"{replica.name} exited while starting:\n{replica.log()[-4000:]}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"{replica.url}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise AssertionError(f"{replica.name} did not become healthy in time:\n{replica.log()[-4000:]}")

    async def close(self) -> None:
        await asyncio.gather(*(replica.kill() for replica in self.replicas))


def replica_env(
    *,
    database_url: str,
    secret_key: str,
    signing_secret: str,
    slack: FakeSlack,
    data_dir: Path,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment an operator would give each replica, pointed at the fakes; nothing from the developer's."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")
    env = {name: value for name, value in os.environ.items() if name in keep}
    env.update(
        {
            "DATABASE_URL": database_url,
            "LOOKOUT_SECRET_KEY": secret_key,
            "LOOKOUT_DATA_DIR": str(data_dir),
            "SLACK_SIGNING_SECRET": signing_secret,
            "SLACK_BOT_TOKEN": slack.workspace.bot_token,
            "SLACK_API_URL": slack.url,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


async def deliver(
    urls: Sequence[str], body: str, *, signing_secret: str, first_retry_num: int | None = None
) -> tuple[int, SlackResponse]:
    """Deliver one signed envelope as Slack does: to the first URL, and when that is refused or not answered 200,
    retry (with `X-Slack-Retry-Num`) at the next one. Returns the index of the replica that acked, and its answer.
    """
    last_error: BaseException | None = None
    retry_num = first_retry_num
    for index, url in enumerate(urls):
        try:
            response = await send(url, body, signing_secret=signing_secret, retry_num=retry_num)
        except aiohttp.ClientError as error:
            last_error = error
        else:
            if response.status == 200:
                return index, response
            last_error = AssertionError(f"{url} answered {response.status}")
        retry_num = (retry_num or 0) + 1
    raise AssertionError(f"no replica accepted the delivery: {last_error!r}")


class SlowSlack(FakeSlack):
    """FakeSlack whose chosen Web API methods answer only after `delays[method]` seconds.

    `started[method]` is set as soon as such a call arrives, so a test can act while the caller is still waiting.
    """

    def __init__(self, *, delays: Mapping[str, float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delays = dict(delays)
        self.started: dict[str, asyncio.Event] = {}

    def arrived(self, method: str) -> asyncio.Event:
        return self.started.setdefault(method, asyncio.Event())

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        delay = self.delays.get(method, 0.0)
        if delay:
            self.arrived(method).set()
            await asyncio.sleep(delay)
        return await super()._handle_api(request)


async def eventually(
    predicate: Callable[[], Awaitable[bool]] | Callable[[], bool], *, timeout: float, interval: float = 0.1
) -> float:
    """Wait until `predicate()` holds; returns the seconds it took, raises TimeoutError after `timeout`."""
    started = time.monotonic()
    while True:
        outcome = predicate()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
