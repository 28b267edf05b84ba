"""Through the real app with signed requests: `/lookout digest #channel weekly|monthly …` store what they say (the
daily form is unchanged), `/lookout subscriptions` lists them, and `lookout digest --dry-run --cadence weekly` prints
that channel's weekly digest with the KPIs it chose, built from the workspace's own Google grant."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.main.digest import digest
from bot.scheduler.periods import reported_period
from storage.repos.schedule import list_subscriptions
from storage.tables.schedule import DigestCadence
from tests.bot.google.test_slack_flow import _connect, _lookout, _workspace_id
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_TEAM
from tools.fakes.google import FakeGoogle
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty, FakeSite
from tools.sample.dataset import PropertyDataset

ZONE = "America/New_York"
CHANNEL = "<#C0GROWTH|growth>"


async def _stored(app: RunningApp) -> list[tuple[str, str, int, str, str, str]]:
    async with app.services.database.session() as session:
        found = await list_subscriptions(session=session, workspace_id=await _workspace_id(app))
    return sorted((s.cadence, s.time_of_day, s.weekday, s.timezone, s.kpis, s.channel_id) for s in found)


async def test_weekly_and_monthly_forms_then_the_weekly_dry_run(
    start_app: StartApp, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = PropertyDataset(now=datetime.now(ZoneInfo(ZONE)).replace(tzinfo=None), timezone=ZONE, days=460)
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

        weekly = await _lookout(app, f"digest {CHANNEL} weekly tue 08:30 kpis=sessions,purchase,clicks")
        monthly = await _lookout(app, f"digest {CHANNEL} monthly 07:00 Europe/Paris")
        daily = await _lookout(app, f"digest {CHANNEL}")
        listed = await _lookout(app, "subscriptions")
        stored = await _stored(app)

        code = await digest(
            settings=app.settings, team_id=DEFAULT_TEAM, channel_id="C0GROWTH", dry_run=True, cadence="monthly"
        )
        # The monthly digest's default KPIs are standard GA4 fields: no getMetadata call, as for the daily digest.
        standard_only = google.calls("getMetadata")
        capsys.readouterr()
        code = await digest(
            settings=app.settings, team_id=DEFAULT_TEAM, channel_id="C0GROWTH", dry_run=True, cadence="weekly"
        )
        printed = json.loads(capsys.readouterr().out)
        # The weekly one shows a key event by name: the property's metadata says whether it exists.
        with_key_event = google.calls("getMetadata")

    assert "Every Tuesday at *08:30* America/New_York (the GA4 property's timezone)" in weekly["text"]
    assert "Sessions, Key events: purchase, Organic clicks" in weekly["text"]
    assert "On the 1st of every month at *07:00* Europe/Paris" in monthly["text"]
    assert "Every morning at *09:00*" in daily["text"]
    assert stored == [
        ("daily", "09:00", 0, ZONE, "", "C0GROWTH"),
        ("monthly", "07:00", 0, "Europe/Paris", "", "C0GROWTH"),
        ("weekly", "08:30", 1, ZONE, "sessions,keyEvents:purchase,gsc:clicks", "C0GROWTH"),
    ]
    assert "weekly digest, Tuesdays at 08:30" in listed["text"] and "monthly digest, the 1st at 07:00" in listed["text"]
    assert "daily digest at 09:00" in listed["text"]

    week = reported_period(DigestCadence.WEEKLY, local_day=dataset.today)
    atoms = dataset.ga4().atoms["sessions"]
    sessions = sum(int(atoms[dataset.day_index(day)].sum()) for day in week.dates())
    sections = [block["text"]["text"] for block in printed["blocks"] if block["type"] == "section"]
    kpi_lines = sections[1].split("\n")
    assert code == 0
    assert standard_only == [] and len(with_key_event) == 1
    assert sections[0].startswith("*Acme web — week of ")
    assert [line.split("*")[1] for line in kpi_lines] == ["Sessions", "Key events: purchase", "Organic clicks"]
    assert kpi_lines[0].startswith(f"*Sessions*  {sessions:,}  ·  ")
    assert any(text.startswith("*Wins*") for text in sections) and any(text.startswith("*Risks*") for text in sections)
    assert printed["text"].startswith("Acme web weekly digest, ")
    assert not [call for call in app.slack.ok_calls_to("chat.postMessage") if call.get("channel") == "C0GROWTH"]


@pytest.mark.parametrize(
    ("words", "hint"),
    [
        ("monthly mon", "A weekday goes after `weekly`"),
        ("kpis=sessions", "KPIs are chosen for weekly and monthly digests"),
        ("weekly kpis=sessions,bogus", "`bogus` isn't a KPI I know"),
        ("weekly mon 25:00", "isn't a time I understand"),
        ("weekly mon 09:00 Mars/Olympus", "isn't an IANA timezone"),
    ],
)
async def test_malformed_cadences_get_usage_help_and_store_nothing(start_app: StartApp, words: str, hint: str) -> None:
    app = await start_app()

    answer = await _lookout(app, f"digest {CHANNEL} {words}")

    assert hint in answer["text"]
    assert "Usage: `/lookout digest #channel [weekly [mon…sun] | monthly]" in answer["text"]
    assert await _stored(app) == []
