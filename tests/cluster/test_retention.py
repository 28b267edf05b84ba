"""Two `lookout serve` replicas on one PostgreSQL database purge what is past retention exactly once: the leader
purges when it takes the lease, and the replica that takes over after it stops finds the day already done."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.fakes.slack_api import FakeSlack
from storage.db import Database
from storage.migrate import migrate
from storage.repos.workspaces import ensure_workspace
from tests.cluster.harness import CLUSTER_TEST_TIMEOUT_SECONDS, Cluster, eventually, replica_env
from tests.helpers import retention_data
from tests.helpers.app_harness import SIGNING_SECRET

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(CLUSTER_TEST_TIMEOUT_SECONDS)]

PURGED = "retention purge: 2 agentconversation"
ALREADY_DONE = "retention purge: today's already ran"


async def test_two_replicas_purge_exactly_what_is_past_retention_once(
    cluster: Cluster, cluster_database_url: str, secret_key: str, tmp_path: Path
) -> None:
    # given a database holding rows on both sides of the limits (90 days of text, 13 months of usage)
    database = Database(cluster_database_url)
    try:
        await migrate(database)
        async with database.session() as session:
            workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T0LOOKOUT")
            await session.flush()
            assert workspace.id is not None
            workspace_id = workspace.id
        expected = await retention_data.seed(database, workspace_id=workspace_id, now=datetime.now(UTC))
    finally:
        await database.dispose()

    async with FakeSlack() as slack:
        cluster.env = replica_env(
            database_url=cluster_database_url,
            secret_key=secret_key,
            signing_secret=SIGNING_SECRET,
            slack=slack,
            data_dir=tmp_path,
            extra={"LOOKOUT_SCHEDULER_LEASE_SECONDS": "10"},
        )
        # when two replicas start on it (both run the scheduler; one leads),
        replicas = await cluster.start(2)

        def purges() -> int:
            return sum(replica.log().count(PURGED) for replica in replicas)

        await eventually(lambda: purges() >= 1, timeout=60)
        (leader,) = [replica for replica in replicas if PURGED in replica.log()]
        (standby,) = [replica for replica in replicas if replica is not leader]
        # and the leader stops, so the other replica leads and runs its jobs,
        leader.signal(signal.SIGTERM)
        assert await leader.wait_exit(timeout=40) == 0
        await eventually(lambda: ALREADY_DONE in standby.log(), timeout=60)

    # then exactly what was past retention is gone, and it was purged once
    database = Database(cluster_database_url)
    try:
        assert await retention_data.remaining(database) == expected
    finally:
        await database.dispose()
    assert purges() == 1
