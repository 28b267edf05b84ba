"""Post claims (`storage/repos/schedule/claims.py`): exactly one claimant posts a period; a stale claim is taken
over by exactly one other, and the old claimant can no longer post."""

import asyncio
from datetime import timedelta

from storage.db import Database
from storage.repos.schedule import (
    ClaimStatus,
    claim_post,
    mark_posted,
    posted_subscription_ids,
    still_holds_claim,
)
from tests.storage.repos.schedule.subscription_setup import NOW, STALE, subscription_in_channel


async def test_a_period_is_claimed_once_then_reported_posted(database: Database) -> None:
    workspace_id, subscription_id = await subscription_in_channel(database)
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
    workspace_id, subscription_id = await subscription_in_channel(database)
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
