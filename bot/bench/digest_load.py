"""What `lookout bench digest` runs beside the digests: the fake Slack in its own process, and the front door's acks
measured while the digest run happens.

In production the scheduler leader is also a web replica: its event loop acks Slack's deliveries while it posts the
morning's digests. The benchmark starts the real front door (`lookout serve`'s server, without a model key, so a
mention is acked, claimed and answered with one short reply) in the process that runs the digests, and a load
generator in another process sends it signed `app_mention` deliveries at a steady rate for as long as the run lasts.
The fake Slack Web API runs in a third process: Slack's own work shares neither the bot's event loop nor the load's.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet

from bot.bench._common import SIGNING_SECRET, signed_mention
from bot.config.logs import configure_logging
from bot.config.settings import Settings
from bot.fakes.slack_api import FakeSlack
from bot.main.serve import RunningServer, start_server
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import PropertyDataset

POST_METHODS = ("chat.postMessage", "files.completeUploadExternal")


def bot_token_of(team_id: str) -> str:
    """The bot token the fake Slack gives a workspace added with `team_id` (`FakeSlack.add_workspace`)."""
    return f"xoxb-fake-{team_id}"


@dataclass(frozen=True)
class PostCall:
    """One successful post that reached the fake Slack: which method, in which channel, when (time.monotonic())."""

    method: str
    channel: str
    at: float


def _fake_slack_process(team_ids: list[str], commands: Queue[str | None], answers: Queue[Any]) -> None:
    async def serve() -> None:
        async with FakeSlack() as slack:
            for team_id in team_ids:
                slack.add_workspace(team_id=team_id)
            answers.put((slack.url, slack.workspace.bot_token))
            while await asyncio.to_thread(commands.get) is not None:
                answers.put(
                    [
                        PostCall(
                            method=call.method,
                            channel=str(call.get("channel") or call.get("channel_id") or "?"),
                            at=call.at,
                        )
                        for call in slack.calls
                        if call.method in POST_METHODS and call.ok
                    ]
                )

    asyncio.run(serve())


class RemoteFakeSlack:
    """The fake Slack Web API in its own process, knowing one workspace per team id (and its default one)."""

    def __init__(self, team_ids: Iterable[str]) -> None:
        context = multiprocessing.get_context("spawn")
        self._commands: Queue[str | None] = context.Queue()
        self._answers: Queue[Any] = context.Queue()
        self._process: BaseProcess = context.Process(
            target=_fake_slack_process, args=(list(team_ids), self._commands, self._answers), daemon=True
        )
        self.url = ""
        self.front_door_token = ""

    async def start(self) -> None:
        self._process.start()
        self.url, self.front_door_token = await asyncio.to_thread(self._answers.get, True, 120)

    async def posts(self) -> list[PostCall]:
        """Every successful post so far."""
        self._commands.put("posts")
        calls: list[PostCall] = await asyncio.to_thread(self._answers.get, True, 120)
        return calls

    async def stop(self) -> None:
        self._commands.put(None)
        await asyncio.to_thread(self._process.join, 30)
        if self._process.is_alive():
            self._process.kill()


async def start_front_door(*, slack_url: str, bot_token: str, database_url: str, data_dir: Path) -> RunningServer:
    """`lookout serve`'s server on loopback, on the digests' database, without a model key or scheduler."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        lookout_secret_key=Fernet.generate_key().decode(),
        lookout_data_dir=data_dir,
        slack_signing_secret=SIGNING_SECRET,
        slack_bot_token=bot_token,
        slack_api_url=slack_url,
        lookout_scheduler_enabled=False,
        log_level="WARNING",
    )
    configure_logging(settings.log_level)  # as `lookout serve` does: no access log line per delivery
    return await start_server(settings=settings, port=0, socket_mode=False, host="127.0.0.1")


@dataclass(frozen=True)
class Ack:
    sent_at: float  # time.monotonic() when the delivery was sent
    seconds: float  # until the HTTP answer arrived
    ok: bool


def _ack_load_process(url: str, rate: float, commands: Queue[str | None], answers: Queue[Any]) -> None:
    asyncio.run(_ack_load(url, rate, commands, answers))


async def _ack_load(url: str, rate: float, commands: Queue[str | None], answers: Queue[Any]) -> None:
    acks: list[Ack] = []
    stop = asyncio.Event()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:

        async def fire(index: int) -> None:
            body, headers = signed_mention(text="<@U0LOOKOUT> how are we doing?", ts=f"{1_800_000_000 + index}.000200")
            sent = time.monotonic()
            ok = False
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    ok = response.status == 200
            acks.append(Ack(sent_at=sent, seconds=time.monotonic() - sent, ok=ok))

        async def wait_for_stop() -> None:
            await asyncio.to_thread(commands.get)
            stop.set()

        watcher = asyncio.create_task(wait_for_stop())
        answers.put("started")
        tasks: set[asyncio.Task[None]] = set()
        started = time.monotonic()
        index = 0
        while not stop.is_set():
            task = asyncio.create_task(fire(index))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            index += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, started + index / rate - time.monotonic()))
        await asyncio.gather(*tasks)
        await watcher
    answers.put(acks)


class AckLoad:
    """Signed `app_mention` deliveries at `rate` per second to `url`, from another process, until `stop()`."""

    def __init__(self, *, url: str, rate: float) -> None:
        context = multiprocessing.get_context("spawn")
        self._commands: Queue[str | None] = context.Queue()
        self._answers: Queue[Any] = context.Queue()
        self._process: BaseProcess = context.Process(
            target=_ack_load_process, args=(url, rate, self._commands, self._answers), daemon=True
        )

    async def start(self) -> None:
        self._process.start()
        await asyncio.to_thread(self._answers.get, True, 120)

    async def stop(self) -> list[Ack]:
        self._commands.put(None)
        acks: list[Ack] = await asyncio.to_thread(self._answers.get, True, 120)
        await asyncio.to_thread(self._process.join, 30)
        if self._process.is_alive():
            self._process.kill()
        return acks


@dataclass(frozen=True)
class GoogleStats:
    """What the fake Google server saw, sent back from its process."""

    calls: int
    peak_by_resource: dict[str, int]
    tokens_by_property: dict[str, int]


def _serve_google(latency: float, properties: list[tuple[str, str]], conn: Connection) -> None:
    """Child process: FakeGoogle for every property and site, until asked for its statistics."""

    async def serve() -> None:
        dataset = PropertyDataset()  # one dataset behind every property: the numbers do not matter here
        dataset.ga4()
        dataset.gsc()
        async with FakeGoogle(latency=latency) as google:
            for property_id, site in properties:
                google.add_property(property_id, dataset)
                google.add_site(site, dataset)
            conn.send(google.url)
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stats"
            resources = [f"properties/{p}" for p, _ in properties] + [s for _, s in properties]
            conn.send(
                GoogleStats(
                    calls=len(google.requests),
                    peak_by_resource={r: google.peak_concurrency(r) for r in resources},
                    tokens_by_property={p: google.quota(p).consumed_hour for p, _ in properties},
                )
            )

    asyncio.run(serve())


class GoogleProcess:
    def __init__(self, *, latency: float, properties: list[tuple[str, str]]) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process: BaseProcess = context.Process(
            target=_serve_google, args=(latency, properties, child), daemon=True
        )
        self._process.start()
        self.url: str = self._conn.recv()

    def stats(self) -> GoogleStats:
        self._conn.send("stats")
        stats: GoogleStats = self._conn.recv()
        self._process.join(timeout=10)
        return stats


@dataclass
class PostLog:
    """When each Slack post reached the fake, per channel."""

    stamps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, calls: list[PostCall], *, channels: set[str]) -> PostLog:
        """The posts in the digests' channels (the front door's replies to the ack load go elsewhere)."""
        log = cls()
        for call in calls:
            if call.channel in channels:
                log.stamps[call.channel].append(call.at)
        return log

    def busiest_second(self) -> int:
        """Most posts any one channel received within one second."""
        best = 0
        for stamps in self.stamps.values():
            ordered = sorted(stamps)
            start = 0
            for end, stamp in enumerate(ordered):
                while stamp - ordered[start] >= 1.0:
                    start += 1
                best = max(best, end - start + 1)
        return best

    def median_gap(self) -> float:
        gaps = [
            later - earlier
            for stamps in self.stamps.values()
            for earlier, later in zip(sorted(stamps), sorted(stamps)[1:], strict=False)
        ]
        return statistics.median(gaps) if gaps else 0.0

    @property
    def posts(self) -> int:
        return sum(len(stamps) for stamps in self.stamps.values())
