"""Several `lookout serve` processes on one PostgreSQL database: each mention answered once across replicas, the
scheduler's leadership moving when its leader is killed, and a clean exit on SIGTERM that loses nothing."""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from bot.fakes.slack_api import FakeSlack
from tests.cluster.harness import Cluster, SlowSlack, deliver, eventually, replica_env
from tests.helpers.app_harness import SIGNING_SECRET
from tests.helpers.slack_requests import app_mention, event_envelope, send

pytestmark = pytest.mark.postgres


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
        replicas = await cluster.start(3)
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
            extra={"LOOKOUT_SCHEDULER_LEASE_SECONDS": "4"},
        )
        stopping, survivor = await cluster.start(2)
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
        assert code == 0, stopping.log()[-4000:]
        assert "Traceback" not in stopping.log()
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
