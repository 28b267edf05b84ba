"""Several `lookout serve` processes on one PostgreSQL database: each mention answered once across replicas, the
scheduler's leadership moving when its leader is killed, and a clean exit on SIGTERM that loses nothing."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.fakes.slack_api import FakeSlack
from bot.scheduler.posting import METADATA_EVENT_TYPE
from storage.crypto import TokenCipher
from storage.db import Database
from storage.repos.google import save_connection, set_property, set_site
from storage.repos.schedule import lease_holder, upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import PostClaim, SubscriptionKind
from tests.cluster.harness import (
    CLUSTER_TEST_TIMEOUT_SECONDS,
    Cluster,
    Replica,
    SlowSlack,
    deliver,
    eventually,
    replica_env,
)
from tests.helpers.app_harness import SIGNING_SECRET
from tests.helpers.slack_requests import app_mention, event_envelope, send
from tools.fakes.google import FakeGoogle
from tools.sample.dataset import PropertyDataset

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(CLUSTER_TEST_TIMEOUT_SECONDS)]

# Google answers every data request after this long, so a digest run over many workspaces takes seconds.
GOOGLE_LATENCY_SECONDS = 0.3


def _thread_posts(slack: FakeSlack) -> Counter[tuple[str, str]]:
    """How many answers reached each thread (posts, and streams that were started, which are answers too)."""
    counted: Counter[tuple[str, str]] = Counter()
    for method in ("chat.postMessage", "chat.startStream"):
        for call in slack.ok_calls_to(method):
            counted[(str(call.get("channel")), str(call.get("thread_ts")))] += 1
    return counted


async def test_a_burst_of_mentions_with_retries_at_other_replicas_is_answered_once_each(
    cluster: Cluster, cluster_database_url: str, secret_key: str, tmp_path: Path
) -> None:
    mentions = 40
    async with FakeSlack() as slack:
        cluster.env = replica_env(
            database_url=cluster_database_url,
            secret_key=secret_key,
            signing_secret=SIGNING_SECRET,
            slack=slack,
            data_dir=tmp_path,
            extra={"LOOKOUT_SCHEDULER_ENABLED": "false"},
        )
        # Both URL forms operators write: `postgresql://` (two replicas) and `postgresql+asyncpg://` (the third).
        asyncpg_url = cluster_database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
        replicas = await cluster.start(3, envs=[{}, {}, {"DATABASE_URL": asyncpg_url}])
        # Given 40 mentions, each delivered to one replica and, at the same moment, retried three times
        # (X-Slack-Retry-Num 1..3) at the other replicas,
        envelopes = [event_envelope(app_mention(f"question {n}")) for n in range(mentions)]
        deliveries = []
        for n, envelope in enumerate(envelopes):
            body = json.dumps(envelope)
            for attempt in range(4):
                target = replicas[(n + attempt) % len(replicas)]
                deliveries.append(
                    send(target.events_url, body, signing_secret=SIGNING_SECRET, retry_num=attempt or None)
                )
        responses = await asyncio.gather(*deliveries)

        # then every delivery is acked at once,
        assert [response.status for response in responses] == [200] * len(deliveries)
        assert max(response.elapsed for response in responses) < 3.0
        # and every mention gets exactly one answer in its thread, whichever replica won it.
        threads = {(DEFAULT_CHANNEL, str(envelope["event"]["ts"])) for envelope in envelopes}
        await eventually(lambda: set(_thread_posts(slack)) >= threads, timeout=30)
        await asyncio.sleep(1.0)  # time for a late duplicate to show itself
        posts = _thread_posts(slack)
        assert set(posts) == threads
        assert set(posts.values()) == {1}
        # The losers saw the claim: three duplicates per mention were dropped, spread over the replicas.
        dropped = [await replica.metric("lookout_slack_events_deduplicated") for replica in replicas]
        assert sum(dropped) == 3 * mentions
        assert all(replica.alive for replica in replicas)


DEFAULT_CHANNEL = app_mention()["channel"]


async def test_sigterm_finishes_in_flight_work_refuses_new_work_and_exits_zero(
    cluster: Cluster, cluster_database_url: str, secret_key: str, tmp_path: Path
) -> None:
    # Slack takes 2 s to accept each post, so an answer is still in flight when the replica is told to stop.
    slack = SlowSlack(delays={"chat.postMessage": 2.0})
    async with slack:
        cluster.env = replica_env(
            database_url=cluster_database_url,
            secret_key=secret_key,
            signing_secret=SIGNING_SECRET,
            slack=slack,
            data_dir=tmp_path,
        )
        # The replica we stop is the scheduler leader (it started first); the lease lasts 20 s, renewed every 5 s.
        (stopping,) = await cluster.start(1)
        assert _holder_is(await _leader(cluster_database_url), stopping)
        (survivor,) = await cluster.start(1)
        urls = [stopping.events_url, survivor.events_url]

        # Given a mention that `stopping` acked and is answering right now,
        in_flight = event_envelope(app_mention("in flight"))
        acked_by, _ = await deliver(urls, json.dumps(in_flight), signing_secret=SIGNING_SECRET)
        assert acked_by == 0
        await asyncio.wait_for(slack.arrived("chat.postMessage").wait(), timeout=10)

        # when it gets SIGTERM, and Slack keeps delivering to it (retrying elsewhere when it is refused),
        stopping.signal(signal.SIGTERM)
        later = [event_envelope(app_mention(f"during shutdown {n}")) for n in range(5)]
        for envelope in later:
            await deliver(urls, json.dumps(envelope), signing_secret=SIGNING_SECRET)
            await asyncio.sleep(0.1)

        # then it exits with status 0 within the grace period,
        code = await stopping.wait_exit(timeout=30)
        exited_at = time.monotonic()
        assert code == 0, stopping.log()[-4000:]
        assert "Traceback" not in stopping.log()

        # having handed the scheduler lease back: the survivor leads at its next renewal, not 20 s later,
        async def survivor_leads() -> bool:
            return _holder_is(await _leader(cluster_database_url), survivor)

        await eventually(survivor_leads, timeout=9, interval=0.2)
        handover_seconds = time.monotonic() - exited_at
        # and every mention (the in-flight one and those sent while it stopped) is answered exactly once.
        threads = {(DEFAULT_CHANNEL, str(envelope["event"]["ts"])) for envelope in [in_flight, *later]}
        await eventually(lambda: set(_thread_posts(slack)) >= threads, timeout=30)
        await asyncio.sleep(1.0)
        posts = _thread_posts(slack)
        assert {thread: posts[thread] for thread in threads} == dict.fromkeys(threads, 1)
        # The stopped replica refuses connections now; the survivor still answers.
        assert survivor.alive
        with pytest.raises(aiohttp.ClientConnectionError):
            await send(stopping.events_url, json.dumps(event_envelope(app_mention())), signing_secret=SIGNING_SECRET)
        print(
            f"\ncluster: SIGTERM -> exit 0, in-flight answer delivered, lease handed over {handover_seconds:.1f} s after exit"
        )


async def _seed_digests(database_url: str, *, secret_key: str, workspaces: int, site_url: str) -> list[str]:
    """`workspaces` workspaces, each with a Google connection, its own property and one digest due now (UTC)."""
    cipher = TokenCipher(secret_key.encode())
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=1)).strftime("%H:%M") if now.minute or now.hour else "00:00"
    channels = []
    database = Database(database_url)
    try:
        for n in range(workspaces):
            async with database.session() as session:
                workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=f"T{n:04d}")
                assert workspace.id is not None
                await save_connection(
                    session=session,
                    workspace_id=workspace.id,
                    refresh_token_enc=cipher.encrypt(f"1//refresh-{n}"),
                    access_token_enc=cipher.encrypt(f"ya29.access-{n}"),
                    access_token_expires_at=now + timedelta(hours=1),
                    scopes="https://www.googleapis.com/auth/analytics.readonly",
                    connected_by_user_id="U0ALICE",
                    connected_at=now,
                )
                await set_property(
                    session=session,
                    workspace_id=workspace.id,
                    channel_id="",
                    property_id=f"{1000 + n}",
                    property_name=f"Site {n}",
                    timezone="UTC",
                    currency="USD",
                    chosen_by_user_id="U0ALICE",
                    now=now,
                )
                await set_site(
                    session=session,
                    workspace_id=workspace.id,
                    channel_id="",
                    site_url=site_url,
                    chosen_by_user_id="U0ALICE",
                    now=now,
                )
                channel = f"C{n:04d}DIGEST"
                await upsert_subscription(
                    session=session,
                    workspace_id=workspace.id,
                    channel_id=channel,
                    kind=SubscriptionKind.DIGEST,
                    time_of_day=due,
                    timezone="UTC",
                    sensitivity="medium",
                    created_by="U0ALICE",
                    now=now,
                )
                channels.append(channel)
    finally:
        await database.dispose()
    return channels


async def _leader(database_url: str) -> str | None:
    database = Database(database_url)
    try:
        async with database.session() as session:
            return await lease_holder(session=session, name="scheduler", now=datetime.now(UTC))
    finally:
        await database.dispose()


def _holder_is(holder: str | None, replica: Replica) -> bool:
    return holder is not None and holder.split(":")[-2] == str(replica.process.pid)


async def _claims(database_url: str) -> list[PostClaim]:
    from sqlmodel import select

    database = Database(database_url)
    try:
        async with database.session() as session:
            return list((await session.execute(select(PostClaim))).scalars().all())
    finally:
        await database.dispose()


def _digest_posts(slack: FakeSlack) -> Counter[str]:
    """Scheduled posts that reached Slack, per channel (each carries our message metadata)."""
    return Counter(
        str(call.get("channel"))
        for call in slack.ok_calls_to("chat.postMessage")
        if (call.get("metadata") or {}).get("event_type") == METADATA_EVENT_TYPE
    )


async def test_the_scheduler_leader_killed_mid_run_is_replaced_and_every_digest_is_posted_once(
    cluster: Cluster, cluster_database_url: str, secret_key: str, tmp_path: Path
) -> None:
    workspaces = 32
    dataset = PropertyDataset(now=datetime.now(ZoneInfo(PropertyDataset().timezone)).replace(tzinfo=None))
    async with FakeSlack() as slack, FakeGoogle(latency=GOOGLE_LATENCY_SECONDS) as google:
        for n in range(workspaces):
            google.add_dataset(dataset, property_id=f"{1000 + n}")
        cluster.env = replica_env(
            database_url=cluster_database_url,
            secret_key=secret_key,
            signing_secret=SIGNING_SECRET,
            slack=slack,
            data_dir=tmp_path,
            extra={
                "GOOGLE_CLIENT_ID": "cluster-test.apps.googleusercontent.com",
                "GOOGLE_CLIENT_SECRET": "cluster-test-secret",
                "GOOGLE_TOKEN_URL": f"{google.url}/token",
                "GA4_DATA_API_URL": google.url,
                "GA4_ADMIN_API_URL": google.url,
                "SEARCH_CONSOLE_API_URL": google.url,
                # A dead leader is replaced within 10 s * 1.25; its abandoned claims are stale after 10 s.
                "LOOKOUT_SCHEDULER_LEASE_SECONDS": "10",
                "LOOKOUT_SCHEDULER_CLAIM_STALE_SECONDS": "10",
                "LOOKOUT_DIGEST_CATCH_UP_SECONDS": "2",
                "LOOKOUT_DIGEST_SPREAD_SECONDS": "0",
            },
        )
        replicas = await cluster.start(2)

        # Given 32 workspaces whose digests are all due now, and the leader in the middle of posting them,
        channels = await _seed_digests(
            cluster_database_url, secret_key=secret_key, workspaces=workspaces, site_url=dataset.site_url
        )
        await eventually(lambda: sum(_digest_posts(slack).values()) >= 3, timeout=60)
        # when the replica holding the lease is killed outright,
        holders: list[str] = []

        async def someone_leads() -> bool:
            holder = await _leader(cluster_database_url)
            holders[:] = [holder] if holder else []
            return bool(holders)

        await eventually(someone_leads, timeout=30, interval=0.1)
        (leader,) = [replica for replica in replicas if _holder_is(holders[0], replica)]
        (standby,) = [replica for replica in replicas if replica is not leader]
        leader.signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await leader.wait_exit(timeout=10)
        posted_before = sum(_digest_posts(slack).values())
        ts_before = {
            str(call.response.get("ts"))
            for call in slack.ok_calls_to("chat.postMessage")
            if (call.get("metadata") or {}).get("event_type") == METADATA_EVENT_TYPE
        }
        assert posted_before < workspaces, "the run finished before the leader was killed"

        # then the standby holds the lease within 30 s,
        async def standby_leads() -> bool:
            return _holder_is(await _leader(cluster_database_url), standby)

        await eventually(standby_leads, timeout=30, interval=0.2)
        takeover_seconds = time.monotonic() - killed_at
        assert takeover_seconds < 30
        # and every digest reaches its channel exactly once: none lost with the leader, none posted twice.
        await eventually(lambda: set(_digest_posts(slack)) >= set(channels), timeout=60)
        all_posted_seconds = time.monotonic() - killed_at
        await asyncio.sleep(3)  # two more catch-up sweeps: a duplicate would show now
        posts = _digest_posts(slack)
        claims = await _claims(cluster_database_url)
        assert set(posts) == set(channels)
        assert set(posts.values()) == {1}
        assert len(claims) == workspaces and all(claim.posted_at is not None for claim in claims)
        # What the dead leader posted is recorded as posted (by it, or by the survivor from the channel's history).
        assert ts_before <= {claim.message_ts for claim in claims}
        finished_by_survivor = sum(1 for claim in claims if claim.claimed_by.split(":")[-2] == str(standby.process.pid))
        print(
            f"\ncluster: killed the leader after {posted_before}/{workspaces} digests; the standby held the lease "
            f"{takeover_seconds:.1f} s later and finished {finished_by_survivor} claims; all {workspaces} posted "
            f"exactly once, the last {all_posted_seconds:.1f} s after the kill"
        )
