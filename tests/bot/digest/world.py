"""A small world for digest and alert tests: the fake Google and Slack servers, one workspace, and the services
wired exactly as `lookout serve` wires them, except that Google credentials and targets are fixed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from google.oauth2.credentials import Credentials
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.posting import AlertService
from bot.alerts.wiring import CheckWiring
from bot.digest.posting import DigestService
from bot.fakes.slack_api import FakeSlack, SlackCall
from bot.google.target import GoogleClients, GoogleTarget
from bot.scheduler.limits import ChannelPacer
from bot.scheduler.posting import ClaimedPoster
from storage.db import Database
from storage.repos.notes import WorkspaceNotes
from storage.repos.schedule import ScheduledSubscription, get_scheduled_subscription, upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import DigestCadence, SubscriptionKind
from tools.fakes.google import FakeGoogle
from tools.google.runtime import GoogleRuntime
from tools.sample.dataset import PropertyDataset

PROPERTY_ID = "123456"
# The dataset's "now" is 2026-11-20 15:30 in New York; digests post on Nov 20 and report Nov 19.
POSTED_ON_UTC = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class StaticTargets:
    def __init__(self, target: GoogleTarget) -> None:
        self.target = target

    async def resolve_target(self, *, workspace_id: int, channel_id: str | None) -> GoogleTarget:
        return GoogleTarget(
            workspace_id=workspace_id,
            property_id=self.target.property_id,
            property_name=self.target.property_name,
            site_url=self.target.site_url,
            timezone=self.target.timezone,
            currency=self.target.currency,
        )


class FakeGoogleClients:
    """`annotations`: with the Admin API client too (GA4's annotations: one more request per digest or alert)."""

    def __init__(self, google: FakeGoogle, runtime: GoogleRuntime, *, annotations: bool = False) -> None:
        self._google = google
        self._runtime = runtime
        self._annotations = annotations

    async def clients_for(self, *, target: GoogleTarget) -> GoogleClients:
        credentials = Credentials(token="test-access-token")
        url = self._google.url
        admin_url = url if self._annotations else None
        return GoogleClients.for_grant(
            credentials, ga4_url=url, gsc_url=url, runtime=self._runtime, admin_url=admin_url
        )


def serve_history(slack: FakeSlack) -> None:
    """Answer conversations.history from the chat.postMessage calls, metadata included, as Slack does.

    FakeSlack now answers it from what it stored; this keeps answering from the calls themselves for tests that
    post through several fakes' views (the cluster tests use it).
    """

    def history(call: SlackCall) -> dict[str, Any]:
        channel = call.get("channel")
        oldest = float(call.get("oldest") or 0)
        messages = []
        for posted in slack.ok_calls_to("chat.postMessage"):
            ts = str(posted.response["ts"])
            if posted.get("channel") == channel and float(ts) >= oldest and not posted.get("thread_ts"):
                message: dict[str, Any] = {"type": "message", "ts": ts, "text": posted.get("text")}
                if posted.get("metadata"):
                    message["metadata"] = posted.get("metadata")
                messages.append(message)
        return {"ok": True, "messages": list(reversed(messages)), "has_more": False}

    slack.on("conversations.history", history)


@dataclass
class World:
    database: Database
    slack: FakeSlack
    google: FakeGoogle
    dataset: PropertyDataset
    clock: Clock
    runtime: GoogleRuntime
    workspace_id: int
    targets: StaticTargets

    def client(self) -> AsyncWebClient:
        return AsyncWebClient(token=self.slack.workspace.bot_token, base_url=self.slack.url)

    def digest_service(
        self, *, claimant: str = "replica-1", chart: Any = None, targets: Any = None, annotations: bool = False
    ) -> DigestService:
        pacer = ChannelPacer(interval=0.0)
        poster = ClaimedPoster(
            database=self.database, clock=self.clock, claimant=claimant, pacer=pacer, stale_after=timedelta(seconds=60)
        )

        async def slack_client_for(workspace_id: int) -> AsyncWebClient:
            return self.client()

        return DigestService(
            targets=targets or self.targets,
            google=FakeGoogleClients(self.google, self.runtime, annotations=annotations),
            slack_client_for=slack_client_for,
            poster=poster,
            clock=self.clock,
            chart=chart,
            notes=(lambda workspace_id: WorkspaceNotes(database=self.database, workspace_id=workspace_id))
            if annotations
            else None,
        )

    def alert_service(
        self, *, claimant: str = "replica-1", policy: Any = None, chart: Any = None, annotations: bool = False
    ) -> AlertService:
        pacer = ChannelPacer(interval=0.0)
        poster = ClaimedPoster(
            database=self.database, clock=self.clock, claimant=claimant, pacer=pacer, stale_after=timedelta(seconds=60)
        )

        async def slack_client_for(workspace_id: int) -> AsyncWebClient:
            return self.client()

        wiring = CheckWiring(
            database=self.database,
            targets=self.targets,
            google=FakeGoogleClients(self.google, self.runtime, annotations=annotations),
            slack_client_for=slack_client_for,
            poster=poster,
            clock=self.clock,
        )
        return AlertService(wiring, policy=policy, chart=chart)

    async def subscribe(
        self,
        channel_id: str,
        *,
        kind: SubscriptionKind = SubscriptionKind.DIGEST,
        time_of_day: str = "09:00",
        sensitivity: str = "medium",
        cadence: DigestCadence = DigestCadence.DAILY,
        weekday: int = 0,
        kpis: str | None = None,
    ) -> ScheduledSubscription:
        async with self.database.session() as session:
            subscription = await upsert_subscription(
                session=session,
                workspace_id=self.workspace_id,
                channel_id=channel_id,
                kind=kind,
                time_of_day=time_of_day,
                timezone="America/New_York",
                sensitivity=sensitivity,
                created_by="U0ALICE",
                now=self.clock(),
                cadence=cadence,
                weekday=weekday,
                kpis=kpis,
            )
            assert subscription.id is not None
            subscription_id = subscription.id
        async with self.database.session() as session:
            scheduled = await get_scheduled_subscription(session=session, subscription_id=subscription_id)
        assert scheduled is not None
        return scheduled


@asynccontextmanager
async def make_world(
    database: Database, *, dataset: PropertyDataset | None = None, latency: float = 0.0
) -> AsyncIterator[World]:
    dataset = dataset or PropertyDataset()
    async with FakeSlack() as slack, FakeGoogle(latency=latency) as google:
        google.add_dataset(dataset, property_id=PROPERTY_ID)
        async with database.session() as session:
            workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=slack.workspace.team_id)
            assert workspace.id is not None
        target = GoogleTarget(
            workspace_id=workspace.id,
            property_id=PROPERTY_ID,
            property_name="Acme Analytics",
            site_url=dataset.site_url,
            timezone=dataset.timezone,
            currency=dataset.currency,
        )
        runtime = GoogleRuntime()
        try:
            yield World(
                database=database,
                slack=slack,
                google=google,
                dataset=dataset,
                clock=Clock(POSTED_ON_UTC),
                runtime=runtime,
                workspace_id=workspace.id,
                targets=StaticTargets(target),
            )
        finally:
            runtime.close()
