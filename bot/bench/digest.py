"""`lookout bench digest`: 1,000 digests due at the same minute, against FakeGoogle (150 ms per request) and
FakeSlack, through the production digest path (due-time spread, exactly-once claims, per-channel pacing, one fetch
per property and day, the chart).

Each subscription's job fires at its spread due time, as the scheduler's cron trigger would; the clock reads
09:00 at the start. FakeGoogle runs in its own process, as Google does in production, so the CPU it spends
building reports does not slow Lookout down. Prints wall time, Google calls per digest, peak concurrent Google
requests per property, GA4 tokens spent per property, and Slack posts per channel per second (the busiest
one-second window of any channel, from the times the posts reached FakeSlack).

By default it runs two layouts, one after the other: channels sharing a property (5 per property: one fetch and one
chart serve five digests) and the hosted worst case, every subscription on its own property (1 per property: 1,000
fetches and 1,000 charts). `--channels-per-property N` runs one layout.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from google.oauth2.credentials import Credentials
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import Settings
from bot.digest.charts import digest_chart
from bot.digest.jobs import DigestJob, DigestTiming
from bot.digest.posting import DigestService
from bot.fakes.slack_api import FakeSlack
from bot.google.target import GoogleClients, GoogleTarget
from bot.scheduler.jobs import digest_due_at
from bot.scheduler.limits import ChannelPacer
from bot.scheduler.posting import ClaimedPoster, PostOutcome, PostResult
from storage.db import Database
from storage.migrate import migrate
from storage.repos.schedule import ScheduledSubscription, list_scheduled_subscriptions, upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import SubscriptionKind
from tools.chart import shutdown_chart_renderer
from tools.fakes.google import FakeGoogle
from tools.google.runtime import GoogleRuntime
from tools.sample.dataset import PropertyDataset

DUE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the fake dataset's "today"; digests report Nov 19
POST_METHODS = ("chat.postMessage", "files.completeUploadExternal")
GA4_CONCURRENT_LIMIT = 10
GA4_TOKENS_PER_HOUR = 40_000
SLACK_PER_CHANNEL_PER_SECOND = 1
TARGET_SECONDS = 120.0
DEFAULT_LAYOUTS = (5, 1)  # channels per property: shared properties, then one property per subscription


class Clock:
    """Real time, but reading 09:00 on the dataset's day when the run starts."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


class Targets:
    def __init__(self, by_workspace: dict[int, GoogleTarget]) -> None:
        self._by_workspace = by_workspace

    async def resolve_target(self, *, workspace_id: int, channel_id: str | None) -> GoogleTarget:
        return self._by_workspace[workspace_id]


class Clients:
    def __init__(self, url: str, runtime: GoogleRuntime) -> None:
        self._url = url
        self._runtime = runtime
        self._credentials = Credentials(token="bench-access-token")  # type: ignore[no-untyped-call]

    async def clients_for(self, *, target: GoogleTarget) -> GoogleClients:
        return GoogleClients.for_grant(self._credentials, ga4_url=self._url, gsc_url=self._url, runtime=self._runtime)


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
    def of(cls, slack: FakeSlack) -> PostLog:
        log = cls()
        for call in slack.calls:
            if call.method in POST_METHODS and call.ok:
                channel = call.get("channel") or call.get("channel_id") or "?"
                log.stamps[str(channel)].append(call.at)
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lookout bench digest", description="Digests at scale against the fakes.")
    parser.add_argument("--subscriptions", type=int, default=1000, help="digest subscriptions due at 09:00")
    parser.add_argument(
        "--channels-per-property",
        type=int,
        default=None,
        help=f"channels reading the same property (default: both {' and '.join(map(str, DEFAULT_LAYOUTS))})",
    )
    parser.add_argument("--latency", type=float, default=0.15, help="seconds FakeGoogle adds to each request")
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the due times are spread over")
    parser.add_argument("--no-chart", action="store_true", help="skip drawing and uploading charts")
    return parser


def main(argv: Sequence[str], *, settings: Settings) -> int:
    del settings  # the benchmark runs on its own temporary database and fakes
    args = _parser().parse_args(list(argv))
    layouts = DEFAULT_LAYOUTS if args.channels_per_property is None else (args.channels_per_property,)
    try:
        for index, per_property in enumerate(layouts):
            if index:
                print()
            asyncio.run(_run(argparse.Namespace(**{**vars(args), "channels_per_property": per_property})))
    finally:
        shutdown_chart_renderer()
    return 0


async def _setup(
    database: Database, slack: FakeSlack, *, subscriptions: int, per_property: int
) -> tuple[dict[int, GoogleTarget], dict[int, str]]:
    properties = -(-subscriptions // per_property)
    targets: dict[int, GoogleTarget] = {}
    tokens: dict[int, str] = {}
    created = 0
    for index in range(properties):
        team_id = f"T{index:05d}"
        fake_workspace = slack.add_workspace(team_id=team_id)
        async with database.session() as session:
            workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=team_id)
            assert workspace.id is not None
            for channel in range(min(per_property, subscriptions - created)):
                await upsert_subscription(
                    session=session,
                    workspace_id=workspace.id,
                    channel_id=f"C{index:05d}{channel:02d}",
                    kind=SubscriptionKind.DIGEST,
                    time_of_day="09:00",
                    timezone="UTC",
                    sensitivity="medium",
                    created_by="U0BENCH",
                    now=DUE,
                )
                created += 1
        targets[workspace.id] = GoogleTarget(
            workspace_id=workspace.id,
            property_id=str(100_000 + index),
            property_name=f"Site {index}",
            site_url=f"https://site{index}.example/",
            timezone="UTC",
            currency="USD",
        )
        tokens[workspace.id] = fake_workspace.bot_token
    return targets, tokens


class _Recorder:
    def __init__(self, service: DigestService, outcomes: list[PostOutcome]) -> None:
        self._service = service
        self._outcomes = outcomes

    async def run_digest(self, subscription: ScheduledSubscription, *, local_day: date) -> PostOutcome:
        outcome = await self._service.run_digest(subscription, local_day=local_day)
        self._outcomes.append(outcome)
        return outcome


async def _run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        await migrate(database)
        runtime = GoogleRuntime()
        async with FakeSlack() as slack:
            targets, tokens = await _setup(
                database, slack, subscriptions=args.subscriptions, per_property=args.channels_per_property
            )
            google = GoogleProcess(
                latency=args.latency,
                properties=[(t.property_id or "", t.site_url or "") for t in targets.values()],
            )
            async with database.session() as session:
                subscriptions = await list_scheduled_subscriptions(session=session, kind=SubscriptionKind.DIGEST)
            clients = {wid: AsyncWebClient(token=token, base_url=slack.url) for wid, token in tokens.items()}

            async def slack_client_for(workspace_id: int) -> AsyncWebClient:
                return clients[workspace_id]

            clock = Clock(DUE)
            pacer = ChannelPacer(interval=1.0 / SLACK_PER_CHANNEL_PER_SECOND)
            service = DigestService(
                targets=Targets(targets),
                google=Clients(google.url, runtime),
                slack_client_for=slack_client_for,
                poster=ClaimedPoster(database=database, clock=clock, claimant="bench", pacer=pacer),
                clock=clock,
                chart=None if args.no_chart else digest_chart,
            )
            timing = DigestTiming(window_seconds=args.spread)
            outcomes: list[PostOutcome] = []
            started = time.monotonic()
            finished: list[float] = []

            async def fire(subscription: ScheduledSubscription) -> None:
                due = digest_due_at(subscription, local_day=DUE.date(), window_seconds=args.spread)
                await asyncio.sleep(max(0.0, (due - clock()).total_seconds()))
                job = DigestJob(subscription, runner=_Recorder(service, outcomes), clock=clock, timing=timing)
                await job.run()
                finished.append(time.monotonic())

            await asyncio.gather(*(fire(subscription) for subscription in subscriptions))
            wall = (max(finished) if finished else time.monotonic()) - started
            _report(
                args,
                google=google.stats(),
                slack=slack,
                outcomes=outcomes,
                wall=wall,
                targets=targets,
                service=service,
            )
        runtime.close()
        await database.dispose()


def _report(
    args: argparse.Namespace,
    *,
    google: GoogleStats,
    slack: FakeSlack,
    outcomes: list[PostOutcome],
    wall: float,
    targets: dict[int, GoogleTarget],
    service: DigestService,
) -> None:
    posted = sum(1 for outcome in outcomes if outcome.result is PostResult.POSTED)
    properties = [f"properties/{t.property_id}" for t in targets.values()]
    sites = [t.site_url for t in targets.values() if t.site_url]
    peak_property = max((google.peak_by_resource.get(p, 0) for p in properties), default=0)
    peak_site = max((google.peak_by_resource.get(s, 0) for s in sites), default=0)
    tokens = max(google.tokens_by_property.values(), default=0)
    log = PostLog.of(slack)
    busiest = log.busiest_second()
    messages = len(slack.ok_calls_to("chat.postMessage"))
    files = len(slack.ok_calls_to("files.completeUploadExternal"))
    within = peak_property <= GA4_CONCURRENT_LIMIT and tokens <= GA4_TOKENS_PER_HOUR
    within = within and busiest <= SLACK_PER_CHANNEL_PER_SECOND
    on_time = posted == len(outcomes) and wall < TARGET_SECONDS
    rows = [
        ("subscriptions (digests due at 09:00)", f"{len(outcomes)}"),
        ("properties (channels per property)", f"{len(targets)} ({args.channels_per_property})"),
        ("Google latency / due-time spread", f"{args.latency * 1000:.0f} ms / {args.spread:.0f} s"),
        ("digests posted", f"{posted}"),
        ("wall time, 09:00 → last digest posted", f"{wall:.1f} s"),
        ("Google calls (per digest)", f"{google.calls} ({google.calls / max(1, len(outcomes)):.2f})"),
        ("  reports fetched / shared from cache", f"{service.stats.reports_built} / {service.stats.cache_hits}"),
        ("peak concurrent requests per GA4 property", f"{peak_property} (limit {GA4_CONCURRENT_LIMIT})"),
        ("peak concurrent requests per Search Console site", f"{peak_site}"),
        ("GA4 tokens per property this hour (max)", f"{tokens} (limit {GA4_TOKENS_PER_HOUR:,})"),
        ("Slack messages / chart uploads", f"{messages} / {files}"),
        ("Slack posts per channel per second (busiest)", f"{busiest} (limit {SLACK_PER_CHANNEL_PER_SECOND})"),
        ("Slack posts per second overall (mean)", f"{log.posts / wall if wall else 0:.1f}"),
        ("median gap between a channel's posts", f"{log.median_gap():.2f} s"),
        ("within every quota", "yes" if within else "NO"),
        (f"all posted in under {TARGET_SECONDS:.0f} s (the target)", "yes" if on_time else "NO"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'lookout bench digest':<{width}}  result")
    print("-" * (width + 20))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
