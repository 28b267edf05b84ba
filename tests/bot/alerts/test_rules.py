"""Alert rules checked as the scheduler checks them, against the fake GA4 and Search Console: a breach posts one
alert that says what was compared, the next check stays silent, a later window that holds gets one note in the
alert's thread; "Mute 7 days" skips the next breach; two replicas checking at once post once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.alerts.rules import RuleService, rule_fingerprint
from bot.alerts.wiring import CheckWiring
from bot.scheduler.limits import ChannelPacer
from bot.scheduler.posting import ClaimedPoster
from bot.slack.actions.alerts import record_feedback
from bot.text.alerts import ACTION_ASK, ACTION_MUTE
from storage.db import Database
from storage.repos.rules import create_rule
from storage.repos.schedule import ScheduledSubscription, get_scheduled_subscription, open_incidents
from storage.tables.schedule import FeedbackKind
from tests.bot.digest.world import FakeGoogleClients, World, make_world
from tools.rules.spec import fields_of, parse_rule
from tools.sample.dataset import OrganicDrop, PropertyDataset, TrackingBroken, Uplift

CHANNEL = "C0RULES"


def _service(world: World, *, claimant: str = "replica-1") -> RuleService:
    poster = ClaimedPoster(
        database=world.database, clock=world.clock, claimant=claimant, pacer=ChannelPacer(interval=0)
    )

    async def slack_client_for(workspace_id: int) -> Any:
        return world.client()

    return RuleService(
        CheckWiring(
            database=world.database,
            targets=world.targets,
            google=FakeGoogleClients(world.google, world.runtime),
            slack_client_for=slack_client_for,
            poster=poster,
            clock=world.clock,
        )
    )


async def _rule(world: World, words: str) -> ScheduledSubscription:
    """A rule as `/lookout rule` stores it (names already valid)."""
    async with world.database.session() as session:
        stored = await create_rule(
            session=session,
            workspace_id=world.workspace_id,
            channel_id=CHANNEL,
            fields=fields_of(parse_rule(words.split())),
            timezone="America/New_York",
            created_by="U0ALICE",
            now=world.clock(),
        )
        rule_id = stored.id
    async with world.database.session() as session:
        scheduled = await get_scheduled_subscription(session=session, subscription_id=rule_id)
    assert scheduled is not None
    return scheduled


def _alerts(world: World) -> list[Any]:
    return [call for call in world.slack.ok_calls_to("chat.postMessage") if not call.get("thread_ts")]


def _notes(world: World) -> list[Any]:
    return [call for call in world.slack.ok_calls_to("chat.postMessage") if call.get("thread_ts")]


def _text(call: Any) -> str:
    return "\n".join(
        block["text"]["text"] if block["type"] == "section" else block["elements"][0]["text"]
        for block in call.get("blocks") or []
        if block["type"] in ("section", "context")
    )


def _at(day: int, hour: int = 20) -> datetime:
    """A check at `hour` UTC on November `day` (15:00 in New York at 20:00: yesterday is judged)."""
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


async def test_a_breach_posts_one_alert_and_one_recovery_note_in_its_thread(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.inject(TrackingBroken(start=date(2026, 11, 18), end=date(2026, 11, 18)))
    async with make_world(database, dataset=dataset) as world:
        rule = await _rule(world, "sessions drops 30%")
        service = _service(world)

        world.clock.now = _at(19)
        first = await service.check(rule)
        world.clock.advance(hours=1)
        again = await service.check(rule)  # still breached: silence

        assert first.verdict is not None and first.verdict.breached and first.verdict.severity == "critical"
        assert again.alert is None
        [alert] = _alerts(world)
        text = _text(alert)
        assert "*Sessions fell 9" in text  # a broken tag leaves ~2 % of the sessions
        assert "Wed Nov 18" in text and "on Wed Nov 11" in text
        assert f"Your rule `{rule.id}`: `sessions` drops 30 % daily" in text
        assert "yesterday vs the same weekday a week before" in text
        assert "Critical · GA4" in text
        actions = next(block for block in alert.get("blocks") if block["type"] == "actions")
        assert [e["action_id"] for e in actions["elements"]] == [ACTION_MUTE, ACTION_ASK]

        # the next day holds again (Nov 19 against Nov 12): one note in the alert's thread, and only one
        world.clock.now = _at(20)
        recovered = await service.check(rule)
        await service.check(rule)

        assert recovered.verdict is not None and not recovered.verdict.breached
        [note] = _notes(world)
        assert note.get("thread_ts") == alert.response["ts"]
        assert "Back within the rule" in note.get("text") and "Thu Nov 19" in note.get("text")
        assert len(_alerts(world)) == 1
        async with database.session() as session:
            assert await open_incidents(session=session, subscription_id=rule.id) == []


async def test_a_rule_that_holds_posts_nothing(database: Database) -> None:
    async with make_world(database) as world:
        rule = await _rule(world, "sessions drops 60%")
        world.clock.now = _at(19)

        result = await _service(world).check(rule)

        assert result.reading is not None and result.reading.current > 0 and result.reading.previous > 0
        assert result.verdict is not None and not result.verdict.breached
        assert world.slack.ok_calls_to("chat.postMessage") == []


@pytest.mark.parametrize("muted", [True, False], ids=["muted", "not-muted"])
async def test_mute_7_days_skips_the_next_breach(database: Database, muted: bool) -> None:
    dataset = PropertyDataset()
    dataset.inject(TrackingBroken(start=date(2026, 11, 16), end=date(2026, 11, 16)))
    dataset.inject(TrackingBroken(start=date(2026, 11, 18), end=date(2026, 11, 18)))
    async with make_world(database, dataset=dataset) as world:
        rule = await _rule(world, "sessions below 500")
        service = _service(world)
        world.clock.now = _at(17)
        await service.check(rule)
        [alert] = _alerts(world)
        mute = next(
            element
            for block in alert.get("blocks")
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == ACTION_MUTE
        )
        if muted:
            incident = await record_feedback(
                database=database,
                clock=world.clock,
                workspace_id=world.workspace_id,
                incident_id=int(mute["value"]),
                kind=FeedbackKind.MUTE,
                user_id="U0BOB",
            )
            assert incident is not None and incident.similar_keys == rule_fingerprint(rule.id)

        world.clock.now = _at(18)  # Nov 17 holds: recovered
        await service.check(rule)
        world.clock.now = _at(19)  # Nov 18 breaks again
        await service.check(rule)

        assert len(_notes(world)) == 1
        assert len(_alerts(world)) == (1 if muted else 2)


async def test_two_replicas_checking_at_once_post_one_alert(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.inject(TrackingBroken(start=date(2026, 11, 18), end=date(2026, 11, 18)))
    async with make_world(database, dataset=dataset) as world:
        rule = await _rule(world, "sessions drops 30%")
        world.clock.now = _at(19)

        await asyncio.gather(
            _service(world, claimant="replica-1").check(rule), _service(world, claimant="replica-2").check(rule)
        )
        await _service(world, claimant="replica-2").check(rule)

        assert len(_alerts(world)) == 1
        async with database.session() as session:
            assert len(await open_incidents(session=session, subscription_id=rule.id)) == 1


async def test_a_dimension_rule_reads_only_its_segment(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.inject(Uplift(start=date(2026, 11, 18), end=date(2026, 11, 18), traffic=3.0, channels=("Paid Search",)))
    async with make_world(database, dataset=dataset) as world:
        paid = await _rule(world, "sessions rises 100% where sessionDefaultChannelGroup = Paid Search")
        organic = await _rule(world, "sessions rises 100% where sessionDefaultChannelGroup = Organic Search")
        whole = await _rule(world, "sessions rises 100%")
        world.clock.now = _at(19)
        service = _service(world)

        results = [await service.check(rule) for rule in (paid, organic, whole)]

        assert [r.verdict.breached if r.verdict else None for r in results] == [True, False, False]
        [alert] = _alerts(world)
        assert "*Sessions rose" in _text(alert) and "(Paid Search)" in _text(alert)
        assert "`sessionDefaultChannelGroup` = *Paid Search*" in _text(alert)


async def test_an_hourly_rule_judges_the_last_complete_hour_against_the_same_hour_a_week_before(
    database: Database,
) -> None:
    dataset = PropertyDataset()
    dataset.inject(TrackingBroken(start=date(2026, 11, 20), end=date(2026, 11, 20), hours=(11, 12, 13)))
    async with make_world(database, dataset=dataset) as world:
        rule = await _rule(world, "sessions drops 50% hourly")
        world.clock.now = datetime(2026, 11, 20, 19, 10, tzinfo=UTC)  # 14:10 in New York: 12:00-13:00 is complete

        result = await _service(world).check(rule)

        assert result.reading is not None and result.reading.start == datetime(2026, 11, 20, 12)
        assert result.verdict is not None and result.verdict.breached
        [alert] = _alerts(world)
        assert "Nov 20 12:00–13:00" in _text(alert) and "the same hour a week before" in _text(alert)


async def test_a_search_console_rule_judges_the_latest_final_day(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.inject(OrganicDrop(start=date(2026, 11, 12), page_prefix="/", remaining=0.3))
    async with make_world(database, dataset=dataset) as world:
        rule = await _rule(world, "clicks drops 40%")
        world.clock.now = _at(20)

        result = await _service(world).check(rule)

        assert result.reading is not None and result.reading.start.date() <= dataset.gsc_first_incomplete_date
        assert result.verdict is not None and result.verdict.breached, result.reading
        assert "Search Console" in _text(_alerts(world)[0])


async def test_a_search_console_page_rule_filters_on_the_full_url(database: Database) -> None:
    dataset = PropertyDataset()
    async with make_world(database, dataset=dataset) as world:
        page = await _rule(world, "clicks below 100000 where page = /pricing")
        site = await _rule(world, "clicks below 100000")
        world.clock.now = _at(20)
        service = _service(world)

        on_page, on_site = await service.check(page), await service.check(site)

        assert on_page.reading is not None and on_site.reading is not None
        assert 0 < on_page.reading.current < on_site.reading.current
