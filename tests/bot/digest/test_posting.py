"""A morning run builds at most `concurrency` digests at once (LOOKOUT_DIGEST_CONCURRENCY); the rest wait their
turn, first due first served."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.digest.posting import DigestService
from bot.google.target import GoogleClients, GoogleTarget
from bot.scheduler.limits import ChannelPacer
from bot.scheduler.posting import ClaimedPoster, PostResult
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription
from storage.tables.schedule import SubscriptionKind


class Unused:
    async def resolve_target(self, *, workspace_id: int, channel_id: str | None) -> GoogleTarget:
        raise AssertionError("not reached: the workspace is not installed")

    async def clients_for(self, *, target: GoogleTarget) -> GoogleClients:
        raise AssertionError("not reached: the workspace is not installed")


def subscription(index: int) -> ScheduledSubscription:
    return ScheduledSubscription(
        id=index,
        workspace_id=index,
        team_id=f"T{index}",
        enterprise_id="",
        channel_id=f"C{index}",
        kind=SubscriptionKind.DIGEST,
        time_of_day="09:00",
        timezone="UTC",
        sensitivity="medium",
    )


async def test_no_more_digests_than_the_cap_are_built_at_once_and_the_first_due_go_first(database: Database) -> None:
    release = asyncio.Event()
    started: list[int] = []
    running = 0
    most = 0

    async def slack_client_for(workspace_id: int) -> AsyncWebClient:
        nonlocal running, most
        started.append(workspace_id)
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1
        raise LookupError(workspace_id)  # not installed: the digest ends there, nothing posted

    clock = lambda: datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # noqa: E731
    service = DigestService(
        targets=Unused(),
        google=Unused(),
        slack_client_for=slack_client_for,
        poster=ClaimedPoster(database=database, clock=clock, claimant="test", pacer=ChannelPacer(interval=0)),
        clock=clock,
        concurrency=2,
    )

    # Given five digests due at once under a cap of two,
    runs = [asyncio.create_task(service.run_digest(subscription(i), local_day=date(2026, 11, 20))) for i in range(5)]
    for _ in range(20):
        await asyncio.sleep(0)

    # then two are being built, the others wait,
    assert (most, service.in_flight, started) == (2, 2, [0, 1])
    # and once they finish, the rest go through in the order they came, never more than two at a time.
    release.set()
    outcomes = await asyncio.gather(*runs)
    assert [outcome.result for outcome in outcomes] == [PostResult.NOTHING_TO_POST] * 5
    assert started == [0, 1, 2, 3, 4]
    assert most == 2 and service.most_in_flight == 2 and service.in_flight == 0
