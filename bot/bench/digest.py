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

Each layout ends with the lateness of the digests (from a digest's due time to the end of its post, chart
included) and the front door's ack latency measured while the run happens: the real server runs on the same event
loop as the digests, as on the scheduler leader, and another process sends it `--ack-rate` signed mentions per
second from the first due time to the last digest (`bot.bench.digest_load`).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from google.oauth2.credentials import Credentials
from slack_sdk.web.async_client import AsyncWebClient

from bot.bench._common import percentile_ms
from bot.bench.digest_load import (
    Ack,
    AckLoad,
    GoogleProcess,
    GoogleStats,
    PostCall,
    PostLog,
    RemoteFakeSlack,
    bot_token_of,
    start_front_door,
)
from bot.config.settings import Settings
from bot.digest.charts import digest_chart
from bot.digest.jobs import DigestJob, DigestTiming
from bot.digest.posting import DigestService
from bot.google.target import GoogleClients, GoogleTarget
from bot.main import event_loop
from bot.platform.slack.clients import make_web_client
from bot.scheduler.jobs import digest_due_at
from bot.scheduler.limits import ChannelPacer
from bot.scheduler.posting import ClaimedPoster, PostOutcome, PostResult
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription, list_scheduled_subscriptions, upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import SubscriptionKind
from tools.chart import shutdown_chart_renderer
from tools.google.runtime import GoogleRuntime
from tools.workers import configure as configure_cpu_workers
from tools.workers import cpu_pool

DUE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # the fake dataset's "today"; digests report Nov 19
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
    parser.add_argument(
        "--ack-rate", type=float, default=20.0, help="signed mentions per second sent to the front door during the run"
    )
    return parser


def main(argv: Sequence[str], *, settings: Settings) -> int:
    # The benchmark runs on its own temporary database and fakes; only the digests' limits come from the settings.
    args = _parser().parse_args(list(argv))
    args.concurrency = settings.lookout_digest_concurrency
    args.event_loop = settings.lookout_event_loop
    configure_cpu_workers(workers=settings.lookout_cpu_workers)
    layouts = DEFAULT_LAYOUTS if args.channels_per_property is None else (args.channels_per_property,)
    try:
        for index, per_property in enumerate(layouts):
            if index:
                print()
            layout = argparse.Namespace(**{**vars(args), "channels_per_property": per_property})
            # The scheduler leader's event loop, as `lookout serve` runs it: the digests and the front door share it.
            event_loop.run(_run(layout), event_loop=args.event_loop)
    finally:
        shutdown_chart_renderer()
    return 0


def _team_id(index: int) -> str:
    return f"T{index:05d}"


async def _setup(
    database: Database, *, subscriptions: int, per_property: int
) -> tuple[dict[int, GoogleTarget], dict[int, str]]:
    properties = -(-subscriptions // per_property)
    targets: dict[int, GoogleTarget] = {}
    tokens: dict[int, str] = {}
    created = 0
    for index in range(properties):
        async with database.session() as session:
            workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=_team_id(index))
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
        tokens[workspace.id] = bot_token_of(_team_id(index))
    return targets, tokens


class _Recorder:
    def __init__(self, service: DigestService, outcomes: list[PostOutcome]) -> None:
        self._service = service
        self._outcomes = outcomes

    async def run_digest(self, subscription: ScheduledSubscription, *, local_day: date) -> PostOutcome:
        outcome = await self._service.run_digest(subscription, local_day=local_day)
        self._outcomes.append(outcome)
        return outcome


@dataclass
class RunResult:
    """What one layout's run measured, for the report."""

    outcomes: list[PostOutcome] = field(default_factory=list)
    lateness: list[float] = field(default_factory=list)  # seconds from each digest's due time to the end of its post
    wall: float = 0.0
    acks: list[Ack] = field(default_factory=list)  # the front door's acks sent while the digests ran
    wall_end: float = 0.0  # time.monotonic() when the last digest was posted


async def _run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        properties = -(-args.subscriptions // args.channels_per_property)
        slack = RemoteFakeSlack(_team_id(index) for index in range(properties))
        await slack.start()
        # The digests run in the front door's process, on its database and Google runtime, as on the scheduler leader.
        front_door = await start_front_door(
            slack_url=slack.url,
            bot_token=slack.front_door_token,
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            data_dir=Path(tmp),
        )
        database, runtime = front_door.services.database, front_door.services.google_runtime
        try:
            targets, tokens = await _setup(
                database, subscriptions=args.subscriptions, per_property=args.channels_per_property
            )
            google = GoogleProcess(
                latency=args.latency,
                properties=[(t.property_id or "", t.site_url or "") for t in targets.values()],
            )
            # As the scheduler leader's `web_client_for` makes them: on the process's shared keep-alive session, with
            # the retry handlers, rather than a fresh connection (and ClientSession) for every Web API call.
            clients = {wid: make_web_client(services=front_door.services, token=token) for wid, token in tokens.items()}
            load = AckLoad(url=f"http://127.0.0.1:{front_door.port}/slack/events", rate=args.ack_rate)
            await load.start()
            clock = Clock(DUE)  # 09:00 from now on
            service = _service(
                args, database=database, clients=clients, targets=targets, google=google, runtime=runtime, clock=clock
            )
            result = await _fire_all(args, database=database, service=service, clock=clock)
            acks = await load.stop()
            result.acks = [ack for ack in acks if ack.sent_at <= result.wall_end]
            posts = await slack.posts()
        finally:
            await front_door.stop(grace_seconds=10)
            await slack.stop()
        _report(args, google=google.stats(), posts=posts, result=result, targets=targets, service=service)


def _service(
    args: argparse.Namespace,
    *,
    database: Database,
    clients: dict[int, AsyncWebClient],
    targets: dict[int, GoogleTarget],
    google: GoogleProcess,
    runtime: GoogleRuntime,
    clock: Clock,
) -> DigestService:
    async def slack_client_for(workspace_id: int) -> AsyncWebClient:
        return clients[workspace_id]

    pacer = ChannelPacer(interval=1.0 / SLACK_PER_CHANNEL_PER_SECOND)
    return DigestService(
        targets=Targets(targets),
        google=Clients(google.url, runtime),
        slack_client_for=slack_client_for,
        poster=ClaimedPoster(database=database, clock=clock, claimant="bench", pacer=pacer),
        clock=clock,
        chart=None if args.no_chart else digest_chart,
        concurrency=args.concurrency,
    )


async def _fire_all(args: argparse.Namespace, *, database: Database, service: DigestService, clock: Clock) -> RunResult:
    """Each subscription's job at its spread due time, as the scheduler's cron trigger would fire it."""
    async with database.session() as session:
        subscriptions = await list_scheduled_subscriptions(session=session, kind=SubscriptionKind.DIGEST)
    timing = DigestTiming(window_seconds=args.spread)
    result = RunResult()
    started = time.monotonic()

    async def fire(subscription: ScheduledSubscription) -> None:
        due = digest_due_at(subscription, local_day=DUE.date(), window_seconds=args.spread)
        await asyncio.sleep(max(0.0, (due - clock()).total_seconds()))
        job = DigestJob(subscription, runner=_Recorder(service, result.outcomes), clock=clock, timing=timing)
        await job.run()
        result.lateness.append((clock() - due).total_seconds())
        result.wall_end = max(result.wall_end, time.monotonic())

    await asyncio.gather(*(fire(subscription) for subscription in subscriptions))
    result.wall = (result.wall_end or time.monotonic()) - started
    return result


def _report(
    args: argparse.Namespace,
    *,
    google: GoogleStats,
    posts: list[PostCall],
    result: RunResult,
    targets: dict[int, GoogleTarget],
    service: DigestService,
) -> None:
    """Kept whole because it is one table: each row is a line of the printout, in order."""
    outcomes, wall = result.outcomes, result.wall
    posted = sum(1 for outcome in outcomes if outcome.result is PostResult.POSTED)
    properties = [f"properties/{t.property_id}" for t in targets.values()]
    sites = [t.site_url for t in targets.values() if t.site_url]
    peak_property = max((google.peak_by_resource.get(p, 0) for p in properties), default=0)
    peak_site = max((google.peak_by_resource.get(s, 0) for s in sites), default=0)
    tokens = max(google.tokens_by_property.values(), default=0)
    channels = {f"C{index:05d}{channel:02d}" for index in range(len(targets)) for channel in range(100)}
    digest_posts = [post for post in posts if post.channel in channels]
    log = PostLog.of(digest_posts, channels=channels)
    busiest = log.busiest_second()
    messages = sum(1 for post in digest_posts if post.method == "chat.postMessage")
    files = sum(1 for post in digest_posts if post.method == "files.completeUploadExternal")
    within = peak_property <= GA4_CONCURRENT_LIMIT and tokens <= GA4_TOKENS_PER_HOUR
    within = within and busiest <= SLACK_PER_CHANNEL_PER_SECOND
    on_time = posted == len(outcomes) and wall < TARGET_SECONDS
    acked = [ack.seconds for ack in result.acks if ack.ok]
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
        # LOOKOUT_DIGEST_CONCURRENCY and LOOKOUT_CPU_WORKERS
        ("digests in flight at most (cap)", f"{service.most_in_flight} ({args.concurrency})"),
        ("CPU worker processes", f"{cpu_pool().workers}"),
        ("Slack messages / chart uploads", f"{messages} / {files}"),
        ("Slack posts per channel per second (busiest)", f"{busiest} (limit {SLACK_PER_CHANNEL_PER_SECOND})"),
        ("Slack posts per second overall (mean)", f"{log.posts / wall if wall else 0:.1f}"),
        ("median gap between a channel's posts", f"{log.median_gap():.2f} s"),
        ("within every quota", "yes" if within else "NO"),
        (f"all posted in under {TARGET_SECONDS:.0f} s (the target)", "yes" if on_time else "NO"),
        (f"front door: mentions at {args.ack_rate:.0f}/s during the run", f"{len(acked)} acked / {len(result.acks)}"),
        ("ack p50 during the digest run", f"{percentile_ms(acked, 0.5):.1f} ms"),
        ("event loop (LOOKOUT_EVENT_LOOP)", str(args.event_loop)),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'lookout bench digest':<{width}}  result")
    print("-" * (width + 20))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    lateness = result.lateness
    print(
        f"digests (one property each): {posted} posted, lateness after due time "
        f"p50 {_percentile(lateness, 0.5):.1f} s, p99 {_percentile(lateness, 0.99):.1f} s"
        if args.channels_per_property == 1
        else f"digests ({args.channels_per_property} channels per property): {posted} posted, lateness after due "
        f"time p50 {_percentile(lateness, 0.5):.1f} s, p99 {_percentile(lateness, 0.99):.1f} s"
    )
    print(f"ack p99 during the digest run: {percentile_ms(acked, 0.99):.1f} ms")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")
