"""What the digest reads when Google refuses one section: that section says so, the other is still reported, and
Google being unavailable fails the digest (to be tried again) instead of posting a half-empty one."""

from __future__ import annotations

from datetime import date

import pytest

from storage.db import Database
from tests.bot.digest.world import make_world
from tools.base import ToolUserError
from tools.errors import UNAVAILABLE

POSTED_ON = date(2026, 11, 20)


async def test_a_property_google_refuses_leaves_search_console_reported(database: Database) -> None:
    async with make_world(database) as world:
        world.google.fail_next("batchRunReports", status=403)
        composed = await world.digest_service().compose(
            workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=POSTED_ON
        )
    assert composed is not None and composed.report is not None
    report = composed.report
    assert report.ga4_problem is not None and report.ga4_problem.key == "ga4_access"
    assert report.ga4 == []
    assert report.gsc_problem is None and [line.key for line in report.gsc] == [
        "clicks",
        "impressions",
        "ctr",
        "position",
    ]


async def test_a_rejected_search_console_query_leaves_ga4_reported(database: Database) -> None:
    async with make_world(database) as world:
        world.google.fail_next("searchAnalytics.query", status=400)
        composed = await world.digest_service().compose(
            workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=POSTED_ON
        )
    assert composed is not None and composed.report is not None
    report = composed.report
    assert report.gsc_problem is not None and report.gsc_problem.key == "gsc_access"
    assert report.ga4_problem is None and "sessions" in [line.key for line in report.ga4]


async def test_google_unavailable_fails_the_digest(database: Database) -> None:
    async with make_world(database) as world:
        world.google.fail_next("batchRunReports", status=503, times=20)
        with pytest.raises(ToolUserError) as failed:
            await world.digest_service().compose(
                workspace_id=world.workspace_id, channel_id="C0GROWTH", local_day=POSTED_ON
            )
    assert failed.value.message_key == UNAVAILABLE
