"""Single-workspace mode: an uninstall marks the workspace and nothing more is done for it."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.fakes.slack_api import FakeSlack
from storage.db import Database
from storage.tables.core import Workspace
from tests.helpers.app_harness import RunningApp
from tests.helpers.slack_requests import app_home_opened, app_mention, app_uninstalled


async def test_after_app_uninstalled_the_single_workspace_is_ignored(
    slack_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    # given the workspace has been answered once
    await slack_app.send_event(app_mention())
    await slack_app.wait_for_calls("chat.postMessage")

    # when Slack reports the app uninstalled
    await slack_app.send_event(app_uninstalled())
    await asyncio.sleep(0.2)
    await slack_app.settle()

    # then the workspace is marked, and later mentions and Home visits get nothing
    async with database.session() as session:
        workspace = (await session.execute(select(Workspace))).scalar_one()
    assert workspace.uninstalled_at is not None
    await slack_app.send_event(app_mention())
    await slack_app.send_event(app_home_opened())
    await asyncio.sleep(0.3)
    await slack_app.settle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert fake_slack.calls_to("views.publish") == []
