"""An agency's roll-up digest through the real app with signed requests: `/lookout digest #channel … rollup` stores
it, `/lookout subscriptions` lists it, `lookout digest --dry-run` prints it from the fake Google (a grant listing
four properties: two read fine, one Google now refuses, one named by a hostile display name), `/lookout
unsubscribe ID` removes it, and a channel shared with another organisation cannot get one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.main.digest import digest
from bot.main.scheduling import build_scheduled_work
from bot.scheduler.periods import previous_period, reported_period
from bot.scheduler.posting import PostResult
from bot.text import rollups as rollup_words
from storage.repos.schedule import ScheduledSubscription, get_scheduled_subscription, list_subscriptions
from storage.tables.schedule import DigestCadence
from tests.bot.google.test_slack_flow import _connect, _lookout, _workspace_id
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_TEAM
from tools.fakes.google import FakeGoogle
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty
from tools.sample.dataset import PropertyDataset

NOW = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
CHANNEL = "<#C0AGENCY|agency>"
HOSTILE = "<!channel> *Evil* <https://evil.test|click>"
WEEK = DigestCadence.WEEKLY


DATA = {
    "111": PropertyDataset(seed=1, now=NOW, days=40),
    "222": PropertyDataset(seed=2, now=NOW, days=40, timezone="Europe/Berlin", currency="EUR"),
    "444": PropertyDataset(seed=4, now=NOW, days=40),
}


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    auth = FakeGoogleAuth()
    auth.add_account(
        "ana@agency.test",
        properties=[
            FakeProperty("111", "Acme", account_name="Acme Inc"),
            FakeProperty("222", "Beta Shop", account_name="Beta GmbH", time_zone="Europe/Berlin", currency_code="EUR"),
            FakeProperty("333", "Gamma", account_name="Gamma Ltd"),  # listed, but Google refuses its reports
            FakeProperty("444", HOSTILE, account_name="Delta"),
        ],
        sites=[],
    )
    async with FakeGoogle(auth=auth) as server:
        for property_id, dataset in DATA.items():
            server.add_property(property_id, dataset)
        yield server


async def agency(start_app: StartApp, google: FakeGoogle, **settings: Any) -> RunningApp:
    auth = google.auth
    assert isinstance(auth, FakeGoogleAuth)
    app = await start_app(**auth.settings_overrides(google.url), **settings)
    status, _, _ = await _connect(app, auth, "ana@agency.test")
    assert status == 200
    return app


async def dry_run(app: RunningApp, capsys: pytest.CaptureFixture[str], cadence: str = "weekly") -> dict[str, Any]:
    capsys.readouterr()
    code = await digest(
        settings=app.settings, team_id=DEFAULT_TEAM, channel_id="C0AGENCY", dry_run=True, cadence=cadence
    )
    assert code == 0
    printed: dict[str, Any] = json.loads(capsys.readouterr().out)
    return printed


def texts(printed: dict[str, Any]) -> list[str]:
    found = []
    for block in printed["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found.extend(element["text"] for element in block.get("elements", []))
    return found


def sessions(dataset: PropertyDataset, *, cadence: DigestCadence, local_day: date) -> tuple[int, int]:
    """Sessions in the period a digest run on `local_day` (the channel's own day) reports, and the one before."""
    period = reported_period(cadence, local_day=local_day)
    before = previous_period(cadence, period)
    atoms = dataset.ga4().atoms["sessions"]
    return tuple(  # type: ignore[return-value]
        sum(int(atoms[dataset.day_index(day)].sum()) for day in span.dates()) for span in (period, before)
    )


async def test_a_weekly_rollup_is_set_listed_printed_with_honest_failures_then_removed(
    start_app: StartApp, google: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    app = await agency(start_app, google)

    saved = await _lookout(app, f"digest {CHANNEL} rollup 08:00 Europe/Paris")
    listed = await _lookout(app, "subscriptions")
    # The run reports the last full week as of the channel's day in Paris, which may already be tomorrow in UTC.
    paris_day = datetime.now(ZoneInfo("Europe/Paris")).date()
    printed = await dry_run(app, capsys)

    assert "Roll-up digest set for <#C0AGENCY>" in saved["text"]
    assert "every GA4 property the Google connection reads" in saved["text"]
    async with app.services.database.session() as session:
        (stored,) = await list_subscriptions(session=session, workspace_id=await _workspace_id(app))
    assert (stored.cadence, stored.rollup, stored.properties, stored.weekday) == ("weekly", True, "", 0)
    assert f"weekly roll-up of every property, Mondays at 08:00 (Europe/Paris) · id `{stored.id}`" in listed["text"]

    shown = texts(printed)
    heading, *_ = shown
    assert heading.startswith("*Roll-up · 4 GA4 properties — week of ")
    lines = next(text for text in shown if "*Acme*" in text).split("\n")
    assert len(lines) == 3  # Acme, Beta Shop and the hostile one; Gamma has its own line below
    acme_now, _ = sessions(DATA["111"], cadence=WEEK, local_day=paris_day)
    acme = next(line for line in lines if "*Acme*" in line)
    assert f"Sessions {acme_now:,} (" in acme
    beta = next(line for line in lines if "*Beta Shop*" in line)
    assert "Revenue €" in beta  # each property in its own currency
    names = {"111": "*Acme*", "222": "*Beta Shop*", "444": "Evil"}
    moved = {
        pid: abs(now - before)
        for pid, (now, before) in ((p, sessions(d, cadence=WEEK, local_day=paris_day)) for p, d in DATA.items())
    }
    biggest_first = sorted(moved, key=lambda pid: -moved[pid])
    assert [next(pid for pid, name in names.items() if name in line) for line in lines] == biggest_first
    total = next(text for text in shown if text.startswith("*Total, 3 properties*"))
    all_now = sum(sessions(d, cadence=WEEK, local_day=paris_day)[0] for d in DATA.values())
    assert f"Sessions {all_now:,} (" in total
    assert "revenue not added up (several currencies)" in total  # USD and EUR are never summed
    assert "⚠️ Couldn't read *Gamma (properties/333)*: access removed" in "\n".join(shown)
    joined = json.dumps(printed)
    assert "<!channel>" not in joined and "<https://evil.test" not in joined  # the hostile name is inert
    assert "Roll-up of 3 GA4 properties" in printed["text"]

    removed = await _lookout(app, f"unsubscribe {stored.id}")
    assert f"Stopped the roll-up digest in <#C0AGENCY> (id `{stored.id}`)" in removed["text"]
    async with app.services.database.session() as session:
        assert await list_subscriptions(session=session, workspace_id=await _workspace_id(app)) == []


async def test_chosen_properties_and_a_cap_say_and_n_more(
    start_app: StartApp, google: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    app = await agency(start_app, google, lookout_rollup_max_properties=1)

    unknown = await _lookout(app, f"digest {CHANNEL} monthly rollup properties=acme,globex")
    chosen = await _lookout(app, f"digest {CHANNEL} monthly rollup properties=beta,111")
    printed = await dry_run(app, capsys, cadence="monthly")

    assert "No GA4 property “globex” is readable" in unknown["text"] and "Beta Shop (222)" in unknown["text"]
    assert "Beta Shop (222), Acme (111), one line each" in chosen["text"]
    shown = texts(printed)
    assert shown[0].startswith("*Roll-up · 2 GA4 properties — ")
    assert any("*Beta Shop*" in text for text in shown) and not any("*Acme*" in text for text in shown)
    assert any(text.startswith("…and 1 more property not shown: a roll-up reads at most 1.") for text in shown)
    assert any("the properties chosen for this channel" in text for text in shown)
    assert google.calls(resource="properties/111") == []  # past the cap: never read


async def test_a_channel_shared_with_another_organisation_gets_no_rollup(
    start_app: StartApp, google: FakeGoogle
) -> None:
    app = await agency(start_app, google)
    app.slack.add_channel("C0AGENCY", name="agency", ext_shared=True)

    refused = await _lookout(app, f"digest {CHANNEL} weekly rollup")

    assert "shared with people from other organisations" in refused["text"]
    async with app.services.database.session() as session:
        assert await list_subscriptions(session=session, workspace_id=await _workspace_id(app)) == []


async def test_a_plain_weekly_digest_still_parses_and_replaces_the_rollup(
    start_app: StartApp, google: FakeGoogle
) -> None:
    app = await agency(start_app, google)
    await _lookout(app, f"digest {CHANNEL} weekly rollup")
    plain = await _lookout(app, f"digest {CHANNEL} weekly tue 08:30 kpis=sessions")
    wrong = await _lookout(app, f"digest {CHANNEL} weekly properties=111")
    mixed = await _lookout(app, f"digest {CHANNEL} weekly rollup kpis=sessions")

    async with app.services.database.session() as session:
        (stored,) = await list_subscriptions(session=session, workspace_id=await _workspace_id(app))
    assert "Every Tuesday at *08:30*" in plain["text"]
    assert (stored.rollup, stored.kpis, stored.weekday) == (False, "sessions", 1)
    assert "add `rollup`" in wrong["text"]
    assert "`kpis=` is for one property's digest" in mixed["text"]


async def scheduled(app: RunningApp) -> ScheduledSubscription:
    async with app.services.database.session() as session:
        (stored,) = await list_subscriptions(session=session, workspace_id=await _workspace_id(app))
        assert stored.id is not None
        found = await get_scheduled_subscription(session=session, subscription_id=stored.id)
    assert found is not None
    return found


async def test_the_scheduled_rollup_posts_once_per_week_and_stops_in_a_channel_shared_since(
    start_app: StartApp, google: FakeGoogle
) -> None:
    app = await agency(start_app, google)
    await _lookout(app, f"digest {CHANNEL} weekly rollup")
    subscription = await scheduled(app)
    work = build_scheduled_work(app.services, claimant="replica-1")
    today = datetime.now(UTC).date()
    next_week = today + timedelta(days=7)

    first = await work.digests.run_digest(subscription, local_day=today)
    again = await build_scheduled_work(app.services, claimant="replica-2").digests.run_digest(
        subscription, local_day=today
    )
    app.slack.add_channel("C0AGENCY", name="agency", ext_shared=True)
    shared = await work.digests.run_digest(subscription, local_day=next_week)

    posts = [m for m in app.slack.messages.values() if m.channel == "C0AGENCY" and not m.thread_ts]
    assert (first.result, again.result, shared.result) == (
        PostResult.POSTED,
        PostResult.ALREADY_DONE,
        PostResult.POSTED,
    )
    assert len(posts) == 2
    rollup, refusal = sorted(posts, key=lambda m: float(m.ts))
    assert rollup.text.startswith("Roll-up of 3 GA4 properties")
    assert refusal.text == rollup_words.SHARED_CHANNEL_POST
    assert google.calls("runReport")  # the first week was read from the grant's properties


async def test_demo_mode_rolls_up_the_sample_property(
    start_app: StartApp, google: FakeGoogle, capsys: pytest.CaptureFixture[str]
) -> None:
    app = await start_app()
    await _lookout(app, "connect demo")
    await _lookout(app, f"digest {CHANNEL} rollup")

    printed = await dry_run(app, capsys)

    shown = texts(printed)
    assert shown[0].startswith("*Roll-up · 1 GA4 property — week of ")
    assert any("*Demo Store*" in text and "Sessions " in text for text in shown)
    assert any("sample" in text.lower() for text in shown)  # said plainly: these are not the workspace's numbers
    assert not any(text.startswith("*Total") for text in shown)  # one property: its line is the total
