"""A claimant renews its claim right before posting, so a successor cannot take over while the post is on its way,
however long the message took to build; a message built quickly goes out on its fresh claim, one transaction fewer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.scheduler.limits import ChannelPacer
from bot.scheduler.posting import ClaimedPoster, PostOutcome, PostResult, SlackPost
from storage.db import Database
from storage.repos.schedule import get_claim, upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import SubscriptionKind
from tests.cluster.harness import SlowSlack

STALE = timedelta(seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_slow_build_does_not_let_a_successor_post_while_the_post_is_in_flight(database: Database) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T0LOOKOUT")
        assert workspace.id is not None
        subscription = await upsert_subscription(
            session=session,
            workspace_id=workspace.id,
            channel_id="C0DIGEST",
            kind=SubscriptionKind.DIGEST,
            time_of_day="09:00",
            timezone="UTC",
            sensitivity="medium",
            created_by="U1",
            now=datetime.now(UTC),
        )
        assert subscription.id is not None
    clock = Clock()
    slack = SlowSlack(delays={"chat.postMessage": 1.0})
    async with slack:
        client = AsyncWebClient(token=slack.workspace.bot_token, base_url=slack.url)
        first, successor = (
            ClaimedPoster(
                database=database, clock=clock, claimant=name, pacer=ChannelPacer(interval=0), stale_after=STALE
            )
            for name in ("replica-1", "replica-2")
        )

        async def slow_build() -> SlackPost:
            clock.now += STALE * 2  # building took longer than a claim stays fresh
            return SlackPost(text="Digest")

        def post(
            poster: ClaimedPoster, prepare: Callable[[], Awaitable[SlackPost | None]]
        ) -> asyncio.Task[PostOutcome]:
            return asyncio.create_task(
                poster.post_once(
                    client=client,
                    workspace_id=workspace.id or 0,
                    subscription_id=subscription.id or 0,
                    period="digest:2026-11-20",
                    channel_id="C0DIGEST",
                    prepare=prepare,
                )
            )

        # Given a claimant whose message took long to build, now posting it (Slack answers after 1 s),
        posting = post(first, slow_build)
        await asyncio.wait_for(slack.arrived("chat.postMessage").wait(), timeout=5)

        # when a successor sweeps for due digests a little later,
        async def quick_build() -> SlackPost:
            return SlackPost(text="Digest again")

        clock.now += timedelta(seconds=1)
        sweeping = await post(successor, quick_build)
        posted = await posting

    # then the successor sees the claim held (freshly renewed) and leaves it: the digest is posted once.
    assert sweeping.result is PostResult.HELD_ELSEWHERE
    assert posted.result is PostResult.POSTED
    assert [call.get("text") for call in slack.ok_calls_to("chat.postMessage")] == ["Digest"]


async def test_a_build_cut_short_by_shutdown_hands_the_claim_back(database: Database) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T0LOOKOUT")
        assert workspace.id is not None
        subscription = await upsert_subscription(
            session=session,
            workspace_id=workspace.id,
            channel_id="C0DIGEST",
            kind=SubscriptionKind.DIGEST,
            time_of_day="09:00",
            timezone="UTC",
            sensitivity="medium",
            created_by="U1",
            now=datetime.now(UTC),
        )
        assert subscription.id is not None
    clock = Clock()
    async with SlowSlack(delays={}) as slack:
        client = AsyncWebClient(token=slack.workspace.bot_token, base_url=slack.url)
        stopping, successor = (
            ClaimedPoster(
                database=database, clock=clock, claimant=name, pacer=ChannelPacer(interval=0), stale_after=STALE
            )
            for name in ("replica-1", "replica-2")
        )
        building = asyncio.Event()

        async def endless_build() -> SlackPost:
            building.set()
            await asyncio.sleep(3600)
            raise AssertionError("not reached")

        async def quick_build() -> SlackPost:
            return SlackPost(text="Digest")

        def post(
            poster: ClaimedPoster, prepare: Callable[[], Awaitable[SlackPost | None]]
        ) -> asyncio.Task[PostOutcome]:
            return asyncio.create_task(
                poster.post_once(
                    client=client,
                    workspace_id=workspace.id or 0,
                    subscription_id=subscription.id or 0,
                    period="digest:2026-11-20",
                    channel_id="C0DIGEST",
                    prepare=prepare,
                )
            )

        # Given a replica building a digest when its shutdown grace runs out and its run is cancelled,
        cut_short = post(stopping, endless_build)
        await asyncio.wait_for(building.wait(), timeout=5)
        cut_short.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await cut_short

        # when the next leader sweeps a moment later (long before the claim would have gone stale),
        clock.now += timedelta(seconds=1)
        outcome = await post(successor, quick_build)

    # then it posts the digest at once: the claim was handed back, nothing had been posted.
    assert outcome.result is PostResult.POSTED
    assert [call.get("text") for call in slack.ok_calls_to("chat.postMessage")] == ["Digest"]


@pytest.mark.parametrize(("building", "renewed"), [(STALE * 0.4, False), (STALE * 0.6, True)])
async def test_only_a_build_past_half_the_staleness_renews_the_claim(
    database: Database, building: timedelta, renewed: bool
) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T0LOOKOUT")
        assert workspace.id is not None
        subscription = await upsert_subscription(
            session=session,
            workspace_id=workspace.id,
            channel_id="C0DIGEST",
            kind=SubscriptionKind.DIGEST,
            time_of_day="09:00",
            timezone="UTC",
            sensitivity="medium",
            created_by="U1",
            now=datetime.now(UTC),
        )
        assert subscription.id is not None
    clock = Clock()
    claimed_at = clock.now

    async def build() -> SlackPost:
        clock.now += building
        return SlackPost(text="Digest")

    async with SlowSlack(delays={}) as slack:
        poster = ClaimedPoster(
            database=database, clock=clock, claimant="replica-1", pacer=ChannelPacer(interval=0), stale_after=STALE
        )
        outcome = await poster.post_once(
            client=AsyncWebClient(token=slack.workspace.bot_token, base_url=slack.url),
            workspace_id=workspace.id,
            subscription_id=subscription.id,
            period="digest:2026-11-20",
            channel_id="C0DIGEST",
            prepare=build,
        )

    assert outcome.result is PostResult.POSTED
    async with database.session() as session:
        claim = await get_claim(session=session, subscription_id=subscription.id, period="digest:2026-11-20")
    assert claim is not None
    assert claim.claimed_at.replace(tzinfo=UTC) == (claimed_at + building if renewed else claimed_at)
