"""The App Home tab shows installation and Google status and the next steps, with workspace data escaped."""

from __future__ import annotations

import json

from bot.fakes.slack_api import FakeSlack
from storage.db import Database
from storage.repos.workspaces import ensure_workspace
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import app_home_opened


async def test_opening_home_publishes_status_and_next_steps(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    await slack_app.send_event(app_home_opened(user="U0BOB"))

    published = await slack_app.wait_for_calls("views.publish")

    assert published[0].get("user_id") == "U0BOB"
    view = fake_slack.home_views["U0BOB"]
    assert view["type"] == "home"
    rendered = json.dumps(view)
    assert "Google isn't connected yet" in rendered
    assert "/lookout connect" in rendered
    assert "/lookout help" in rendered


async def test_the_workspace_name_is_escaped_in_the_home_tab(
    start_app: StartApp, fake_slack: FakeSlack, database: Database
) -> None:
    app = await start_app()
    async with database.session() as session:
        await ensure_workspace(session=session, enterprise_id=None, team_id="T0LOOKOUT", name="<!channel> & Co")

    await app.send_event(app_home_opened(user="U0BOB"))
    await app.wait_for_calls("views.publish")

    rendered = json.dumps(fake_slack.home_views["U0BOB"])
    assert "&lt;!channel&gt; &amp; Co" in rendered
    assert "<!channel>" not in rendered
