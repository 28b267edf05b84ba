"""Subscriptions are one per channel and kind; post claims let exactly one claimant post; the lease has one holder."""

import asyncio
from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.repos.schedule import (
    ClaimStatus,
    claim_post,
    delete_channel_subscriptions,
    get_claim,
    lease_holder,
    list_scheduled_subscriptions,
    mark_posted,
    posted_subscription_ids,
    release_lease,
    still_holds_claim,
    try_acquire_lease,
    upsert_subscription,
)
from storage.repos.workspaces import delete_workspace, ensure_workspace, mark_uninstalled
from storage.tables.schedule import SubscriptionKind

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STALE = timedelta(seconds=60)


async def _subscription(database: Database, *, team_id: str = "T1", channel_id: str = "C1") -> tuple[int, int]:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=team_id)
        assert workspace.id is not None
        subscription = await upsert_subscription(
            session=session,
            workspace_id=workspace.id,
            channel_id=channel_id,
            kind=SubscriptionKind.DIGEST,
            time_of_day="09:00",
            timezone="Europe/Paris",
            sensitivity="medium",
            created_by="U1",
            now=NOW,
        )
        assert subscription.id is not None
        return workspace.id, subscription.id


async def test_subscribing_twice_updates_the_one_subscription(database: Database) -> None:
    workspace_id, first = await _subscription(database)
    async with database.session() as session:
        again = await upsert_subscription(
            session=session,
            workspace_id=workspace_id,
            channel_id="C1",
            kind=SubscriptionKind.DIGEST,
            time_of_day="08:30",
            timezone="UTC",
            sensitivity="medium",
            created_by="U2",
            now=NOW + timedelta(minutes=1),
        )
    async with database.session() as session:
        scheduled = await list_scheduled_subscriptions(session=session)

    assert again.id == first
    assert [(s.id, s.time_of_day, s.timezone, s.team_id) for s in scheduled] == [(first, "08:30", "UTC", "T1")]


async def test_uninstalled_workspaces_are_not_scheduled_and_deleted_ones_take_their_rows(database: Database) -> None:
    workspace_id, _ = await _subscription(database, team_id="T1")
    other_workspace, other = await _subscription(database, team_id="T2")
    async with database.session() as session:
        await mark_uninstalled(session=session, workspace_id=workspace_id)
    async with database.session() as session:
        assert [s.id for s in await list_scheduled_subscriptions(session=session)] == [other]
        await claim_post(
            session=session,
            workspace_id=other_workspace,
            subscription_id=other,
            period="digest:2026-11-19",
            claimant="a",
            now=NOW,
            stale_after=STALE,
        )
    async with database.session() as session:
        await delete_workspace(session=session, workspace_id=other_workspace)
    async with database.session() as session:
        assert await get_claim(session=session, subscription_id=other, period="digest:2026-11-19") is None


async def test_a_period_is_claimed_once_then_reported_posted(database: Database) -> None:
    workspace_id, subscription_id = await _subscription(database)
    kwargs = {"workspace_id": workspace_id, "subscription_id": subscription_id, "period": "digest:2026-11-19"}

    async with database.session() as session:
        first = await claim_post(session=session, claimant="a", now=NOW, stale_after=STALE, **kwargs)  # type: ignore[arg-type]
    async with database.session() as session:
        second = await claim_post(session=session, claimant="b", now=NOW, stale_after=STALE, **kwargs)  # type: ignore[arg-type]
    async with database.session() as session:
        assert await mark_posted(session=session, claim_id=first.claim_id, token=first.token, message_ts="1.1", now=NOW)
    async with database.session() as session:
        third = await claim_post(
            session=session,
            claimant="b",
            now=NOW + timedelta(hours=1),
            stale_after=STALE,
            **kwargs,  # type: ignore[arg-type]
        )
        done = await posted_subscription_ids(session=session, periods=[(subscription_id, "digest:2026-11-19")])

    assert (first.status, second.status, third.status) == (ClaimStatus.CLAIMED, ClaimStatus.HELD, ClaimStatus.POSTED)
    assert done == {subscription_id}


async def test_a_stale_claim_is_taken_over_by_exactly_one_claimant_and_the_old_one_cannot_post(
    database: Database,
) -> None:
    workspace_id, subscription_id = await _subscription(database)
    kwargs = {"workspace_id": workspace_id, "subscription_id": subscription_id, "period": "digest:2026-11-19"}
    async with database.session() as session:
        dead = await claim_post(session=session, claimant="dead", now=NOW, stale_after=STALE, **kwargs)  # type: ignore[arg-type]

    later = NOW + timedelta(seconds=61)

    async def take_over(name: str) -> ClaimStatus:
        async with database.session() as session:
            claim = await claim_post(session=session, claimant=name, now=later, stale_after=STALE, **kwargs)  # type: ignore[arg-type]
            return claim.status

    statuses = await asyncio.gather(*(take_over(f"p{i}") for i in range(4)))
    async with database.session() as session:
        dead_still_holds = await still_holds_claim(session=session, claim_id=dead.claim_id, token=dead.token)
        dead_marks = await mark_posted(
            session=session, claim_id=dead.claim_id, token=dead.token, message_ts="9", now=later
        )

    assert sorted(statuses).count(ClaimStatus.TAKEN_OVER) == 1
    assert not dead_still_holds
    assert not dead_marks


async def test_the_lease_has_one_holder_until_it_expires_or_is_released(database: Database) -> None:
    ttl = timedelta(seconds=20)

    async def acquire(holder: str, at: datetime) -> bool:
        async with database.session() as session:
            return await try_acquire_lease(session=session, name="scheduler", holder=holder, now=at, ttl=ttl)

    results = await asyncio.gather(*(acquire(name, NOW) for name in ("a", "b", "c")))
    assert results.count(True) == 1
    winner = ["a", "b", "c"][results.index(True)]
    loser = "b" if winner != "b" else "c"

    assert await acquire(winner, NOW + timedelta(seconds=10))  # renewal
    assert not await acquire(loser, NOW + timedelta(seconds=25))  # renewed until +30
    assert await acquire(loser, NOW + timedelta(seconds=31))  # expired: taken over
    async with database.session() as session:
        assert await lease_holder(session=session, name="scheduler", now=NOW + timedelta(seconds=32)) == loser
        await release_lease(session=session, name="scheduler", holder=loser)
    async with database.session() as session:
        assert await lease_holder(session=session, name="scheduler", now=NOW + timedelta(seconds=32)) is None
    assert await acquire(winner, NOW + timedelta(seconds=33))


async def test_unsubscribing_removes_every_kind_for_the_channel(database: Database) -> None:
    workspace_id, _ = await _subscription(database)
    async with database.session() as session:
        removed = await delete_channel_subscriptions(session=session, workspace_id=workspace_id, channel_id="C1")
        assert await list_scheduled_subscriptions(session=session) == []
    assert removed == 1
