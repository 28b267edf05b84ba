"""The retention job purges once a day across replicas: whichever runs first does the work, the others skip."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.observe.metrics import Metrics
from bot.retention.job import RetentionJob
from storage.db import Database
from storage.repos.workspaces import ensure_workspace
from tests.helpers import retention_data

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _job(database: Database, metrics: Metrics, clock: list[datetime]) -> RetentionJob:
    return RetentionJob(database=database, clock=lambda: clock[0], text_days=90, usage_months=13, metrics=metrics)


async def test_two_replicas_purge_once_a_day_and_again_the_next_day(database: Database) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T1")
        await session.flush()
        assert workspace.id is not None
        workspace_id = workspace.id
    expected = await retention_data.seed(database, workspace_id=workspace_id, now=NOW)
    other = Database(database.url.render_as_string(hide_password=False))  # a second replica's engine
    clock = [NOW]
    metrics = [Metrics(), Metrics()]
    jobs = [_job(database, metrics[0], clock), _job(other, metrics[1], clock)]
    try:
        # when both replicas run the job at once, and again later that day
        first = await asyncio.gather(*(job.purge_once_today() for job in jobs))
        later = await asyncio.gather(*(job.purge_once_today() for job in jobs))

        # then one of them purged, exactly what was past retention
        assert sorted(first, key=lambda result: result is None) == [
            {"agentconversation": 2, "agentanswer": 0, "agentfeedback": 0, "modelusage": 2, "settingschange": 1},
            None,
        ]
        assert later == [None, None]
        assert await retention_data.remaining(database) == expected
        assert sum(m.registry.get_sample_value("lookout_retention_purges_total") or 0 for m in metrics) == 1

        # and the next day's run purges what aged past the limit meanwhile
        clock[0] = NOW + timedelta(days=1)
        next_day = await jobs[1].purge_once_today()
        assert next_day == {
            "agentconversation": 0,
            "agentanswer": 0,
            "agentfeedback": 0,
            "modelusage": 0,
            "settingschange": 0,
        }
    finally:
        await other.dispose()
