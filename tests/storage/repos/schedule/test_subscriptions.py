"""Subscriptions (`storage/repos/schedule/subscriptions.py`): one per channel and kind, only installed workspaces
scheduled, removed with their channel or workspace."""

from datetime import timedelta

from storage.db import Database
from storage.repos.schedule import (
    claim_post,
    delete_channel_subscriptions,
    get_claim,
    list_scheduled_subscriptions,
    upsert_subscription,
)
from storage.repos.workspaces import delete_workspace, mark_uninstalled
from storage.tables.schedule import SubscriptionKind
from tests.storage.repos.schedule.subscription_setup import NOW, STALE, subscription_in_channel


async def test_subscribing_twice_updates_the_one_subscription(database: Database) -> None:
    workspace_id, first = await subscription_in_channel(database)
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
    workspace_id, _ = await subscription_in_channel(database, team_id="T1")
    other_workspace, other = await subscription_in_channel(database, team_id="T2")
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


async def test_unsubscribing_removes_every_kind_for_the_channel(database: Database) -> None:
    workspace_id, _ = await subscription_in_channel(database)
    async with database.session() as session:
        removed = await delete_channel_subscriptions(session=session, workspace_id=workspace_id, channel_id="C1")
        assert await list_scheduled_subscriptions(session=session) == []
    assert removed == 1
