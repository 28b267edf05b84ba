"""Through the real app: connect Google, `/lookout digest #channel 08:30` in Slack, then `lookout digest --dry-run`
prints that channel's digest built from the workspace's own Google grant."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.main.digest import digest
from storage.repos.schedule import list_subscriptions
from tests.bot.google.test_slack_flow import _connect, _lookout, _workspace_id
from tests.helpers.app_harness import StartApp
from tests.helpers.slack_requests import DEFAULT_TEAM
from tools.fakes.google import FakeGoogle
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty, FakeSite
from tools.sample.dataset import PropertyDataset

ZONE = "America/New_York"


async def test_subscribe_in_slack_then_the_dry_run_prints_the_channels_digest(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = PropertyDataset(now=datetime.now(ZoneInfo(ZONE)).replace(tzinfo=None), timezone=ZONE)
    auth = FakeGoogleAuth()
    auth.add_account(
        "ana@acme.test",
        properties=[FakeProperty("111", "Acme web", time_zone=ZONE)],
        sites=[FakeSite(dataset.site_url)],
    )
    async with FakeGoogle(auth=auth) as google:
        google.add_dataset(dataset, property_id="111")
        app = await start_app(**auth.settings_overrides(google.url))
        status, _, _ = await _connect(app, auth, "ana@acme.test")
        assert status == 200

        answer = await _lookout(app, "digest <#C0GROWTH|growth> 08:30")
        async with app.services.database.session() as session:
            stored = await list_subscriptions(session=session, workspace_id=await _workspace_id(app))
        assert "08:30" in answer["text"] and ZONE in answer["text"]
        assert [(s.channel_id, s.time_of_day, s.timezone) for s in stored] == [("C0GROWTH", "08:30", ZONE)]

        capsys.readouterr()
        code = await digest(settings=app.settings, team_id=DEFAULT_TEAM, channel_id="C0GROWTH", dry_run=True)
        printed = json.loads(capsys.readouterr().out)

    yesterday = dataset.today.toordinal() - 1
    sessions = int(dataset.ga4().atoms["sessions"][dataset.day_index(dataset.today.fromordinal(yesterday))].sum())
    text = "\n".join(block["text"]["text"] for block in printed["blocks"] if block["type"] == "section")
    assert code == 0
    assert "*Acme web — " in text
    assert f"*Sessions*  {sessions:,}" in text
    assert [call.route for call in google.calls()].count("batchRunReports") == 1
    assert not app.slack.ok_calls_to("chat.postMessage") or all(
        call.get("channel") != "C0GROWTH" for call in app.slack.ok_calls_to("chat.postMessage")
    )
