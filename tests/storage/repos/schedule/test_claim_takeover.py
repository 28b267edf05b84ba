"""Taking over a dead claimant's post claim reports when that claimant started, so its post can be looked up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import Database
from storage.repos.schedule import Claim, ClaimStatus, claim_post, get_claim, upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import SubscriptionKind

STARTED = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STALE = timedelta(seconds=60)


async def test_a_takeover_reports_the_dead_claimants_start_and_counts_one_more_attempt(database: Database) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T1")
        assert workspace.id is not None
        subscription = await upsert_subscription(
            session=session,
            workspace_id=workspace.id,
            channel_id="C1",
            kind=SubscriptionKind.DIGEST,
            time_of_day="09:00",
            timezone="UTC",
            sensitivity="medium",
            created_by="U1",
            now=STARTED,
        )
        assert subscription.id is not None

    async def claim(claimant: str, now: datetime) -> Claim:
        async with database.session() as session:
            return await claim_post(
                session=session,
                workspace_id=workspace.id or 0,
                subscription_id=subscription.id or 0,
                period="digest:2026-11-20",
                claimant=claimant,
                now=now,
                stale_after=STALE,
            )

    # Given a claimant that claimed at 09:00 and died,
    await claim("replica-1", STARTED)
    # when another takes the claim over five minutes later,
    taken = await claim("replica-2", STARTED + timedelta(minutes=5))

    # then it learns the dead claimant started at 09:00 (where to look for its post), and this is attempt 2.
    assert taken.status is ClaimStatus.TAKEN_OVER
    assert taken.previous_claimed_at == STARTED
    assert taken.attempts == 2
    async with database.session() as session:
        stored = await get_claim(session=session, subscription_id=subscription.id, period="digest:2026-11-20")
    assert stored is not None and stored.attempts == 2 and stored.claimed_by == "replica-2"
