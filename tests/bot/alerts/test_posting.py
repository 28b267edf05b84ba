"""Injected incidents each produce exactly one alert that names the right driver; clean data produces none;
"Mute 7 days" suppresses the next similar alert; a recovery is followed up in the alert's thread (also when the drop
alerted has since lasted long enough to be called a level shift), and an incident cut short by a fall to near zero is
not called a recovery."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from bot.alerts.posting import AlertPolicy
from bot.alerts.series import History
from bot.slack.actions.alerts import record_feedback
from bot.text.alerts import ACTION_ASK, ACTION_EXPECTED, ACTION_MUTE
from storage.db import Database
from storage.repos.schedule import open_incidents
from storage.tables.schedule import FeedbackKind, SubscriptionKind
from tests.bot.digest.world import World, make_world
from tools.sample.dataset import BotSpike, Incident, OrganicDrop, PropertyDataset, TrackingBroken, Uplift


def _alerts(world: World) -> list[Any]:
    return [call for call in world.slack.ok_calls_to("chat.postMessage") if not call.get("thread_ts")]


def _text(call: Any) -> str:
    return "\n".join(block["text"]["text"] for block in call.get("blocks") or [] if block.get("type") == "section")


async def _subscribe_and_check(world: World, *, at: datetime) -> tuple[Any, Any]:
    """An alerts subscription in #C0ALERTS and its first check at `at` (UTC): the subscription and its service."""
    world.clock.now = at
    subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
    service = world.alert_service()
    await service.check(subscription)
    return subscription, service


async def _check_twice_later(world: World, service: Any, subscription: Any, *, dataset: PropertyDataset) -> None:
    """Google's data as `dataset` has it, read by two checks at 20:00 UTC on its day (the second must add nothing)."""
    world.google.add_dataset(dataset, property_id="123456")
    world.clock.now = datetime.combine(dataset.now.date(), time(20, 0), tzinfo=UTC)
    await service.check(subscription)
    await service.check(subscription)


def _thread_replies(world: World) -> list[Any]:
    return [call for call in world.slack.ok_calls_to("chat.postMessage") if call.get("thread_ts")]


@pytest.mark.parametrize(
    ("incident", "headline", "driver"),
    [
        (TrackingBroken(start=date(2026, 11, 19), end=date(2026, 11, 20)), "dropped to almost zero", "GA4 tag"),
        (OrganicDrop(start=date(2026, 11, 14), page_prefix="/blog/"), "Organic clicks fell", "/blog/"),
        (
            BotSpike(start=date(2026, 11, 19), end=date(2026, 11, 20), country="Singapore"),
            "Sessions rose",
            "Singapore",
        ),
    ],
    ids=["tracking-broken", "organic-drop", "bot-spike"],
)
async def test_an_injected_incident_produces_exactly_one_alert_naming_its_driver(
    database: Database, incident: Incident, headline: str, driver: str
) -> None:
    dataset = PropertyDataset()
    dataset.inject(incident)
    async with make_world(database, dataset=dataset) as world:
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
        service = world.alert_service()

        await service.check(subscription)
        world.clock.advance(hours=1)
        await service.check(subscription)  # the next hourly check: still one alert

        alerts = _alerts(world)
        assert len(alerts) == 1, [_text(a) for a in alerts]
        text = _text(alerts[0])
        assert headline in text
        assert driver in text
        actions = next(block for block in alerts[0].get("blocks") if block["type"] == "actions")
        assert [e["action_id"] for e in actions["elements"]] == [ACTION_EXPECTED, ACTION_MUTE, ACTION_ASK]


async def test_ninety_clean_days_produce_no_alert(database: Database) -> None:
    async with make_world(database) as world:
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
        # Every incident the detector would have reported over the last 90 days counts as news here.
        policy = AlertPolicy(
            recent_hourly=timedelta(days=90),
            recent_daily=timedelta(days=90),
            history=History(hourly_days=119, daily_days=119),
        )

        result = await world.alert_service(policy=policy).check(subscription)

        assert result.alerts == []
        assert _alerts(world) == []


@pytest.mark.parametrize("muted", [True, False], ids=["muted", "not-muted"])
async def test_mute_7_days_suppresses_the_next_similar_alert(database: Database, muted: bool) -> None:
    first_spike = BotSpike(start=date(2026, 11, 12), end=date(2026, 11, 12), sessions_per_day=6000)
    first = PropertyDataset(now=datetime(2026, 11, 12, 22, 30))
    first.inject(first_spike)
    async with make_world(database, dataset=first) as world:
        subscription, service = await _subscribe_and_check(world, at=datetime(2026, 11, 13, 3, 30, tzinfo=UTC))
        (alert,) = _alerts(world)
        mute_button = next(
            element
            for block in alert.get("blocks")
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == ACTION_MUTE
        )

        # Someone presses "Mute 7 days" (or, in the control case, nobody does)...
        if muted:
            await record_feedback(
                database=database,
                clock=world.clock,
                workspace_id=world.workspace_id,
                incident_id=int(mute_button["value"]),
                kind=FeedbackKind.MUTE,
                user_id="U0BOB",
            )
        # ...and five days later a bigger bot spike arrives.
        later = PropertyDataset(now=datetime(2026, 11, 18, 15, 30))
        later.inject(first_spike)
        later.inject(BotSpike(start=date(2026, 11, 17), end=date(2026, 11, 18), sessions_per_day=15000))
        world.google.add_dataset(later, property_id="123456")
        world.clock.now = datetime(2026, 11, 18, 20, 0, tzinfo=UTC)
        await service.check(subscription)

        assert len(_alerts(world)) == (1 if muted else 2)


async def test_a_recovery_is_followed_up_once_in_the_alerts_thread(database: Database) -> None:
    during = PropertyDataset(now=datetime(2026, 11, 19, 15, 30))
    during.inject(TrackingBroken(start=date(2026, 11, 19), end=date(2026, 11, 19), hours=tuple(range(0, 24))))
    async with make_world(database, dataset=during) as world:
        subscription, service = await _subscribe_and_check(world, at=datetime(2026, 11, 19, 20, 0, tzinfo=UTC))
        (alert,) = _alerts(world)

        after = PropertyDataset(now=datetime(2026, 11, 20, 15, 30))
        after.inject(TrackingBroken(start=date(2026, 11, 19), end=date(2026, 11, 19)))
        await _check_twice_later(world, service, subscription, dataset=after)

        replies = _thread_replies(world)
        assert [r.get("thread_ts") for r in replies] == [alert.response["ts"]]
        assert "Back to normal" in replies[0].get("text")
        assert len(_alerts(world)) == 1


async def test_a_drop_alerted_young_is_followed_up_after_it_persisted_into_a_level_shift(database: Database) -> None:
    # A consent bug halves what GA4 records from 09:00 to 20:00. The 12:30 check alerts it as a young drop; by the
    # next day it lasted long enough (`PERSISTENT_POINTS`) to be found as a level shift, and it has recovered.
    consent_bug = TrackingBroken(
        start=date(2026, 11, 19), end=date(2026, 11, 19), hours=tuple(range(9, 20)), remaining=0.5
    )
    during = PropertyDataset(now=datetime(2026, 11, 19, 12, 30))
    during.inject(consent_bug)
    async with make_world(database, dataset=during) as world:
        subscription, service = await _subscribe_and_check(world, at=datetime(2026, 11, 19, 17, 45, tzinfo=UTC))
        (alert,) = _alerts(world)
        assert "Sessions fell" in _text(alert)
        async with database.session() as session:
            (stored,) = await open_incidents(session=session, subscription_id=subscription.id)
        assert "|drop|" in stored.fingerprint  # what it was called when alerted

        # That evening it is a level shift, still news: the same incident, not alerted again nor called recovered.
        evening = PropertyDataset(now=datetime(2026, 11, 19, 18, 30))
        evening.inject(consent_bug)
        world.google.add_dataset(evening, property_id="123456")
        world.clock.now = datetime(2026, 11, 19, 23, 45, tzinfo=UTC)
        await service.check(subscription)
        assert world.slack.ok_calls_to("chat.postMessage") == [alert]

        after = PropertyDataset(now=datetime(2026, 11, 20, 15, 30))
        after.inject(consent_bug)
        await _check_twice_later(world, service, subscription, dataset=after)

        replies = _thread_replies(world)
        assert [r.get("thread_ts") for r in replies] == [alert.response["ts"]]
        assert "Back to normal" in replies[0].get("text")
        assert len(_alerts(world)) == 1
        async with database.session() as session:
            assert await open_incidents(session=session, subscription_id=subscription.id) == []


async def test_a_rise_cut_short_by_a_fall_to_near_zero_is_not_called_back_to_normal(database: Database) -> None:
    # A bot doubles a day's sessions; the next morning the tag stops firing while the rise's incident is still open.
    spike = BotSpike(start=date(2026, 11, 18), end=date(2026, 11, 18), sessions_per_day=12000)
    during = PropertyDataset(now=datetime(2026, 11, 18, 15, 30))
    during.inject(spike)
    async with make_world(database, dataset=during) as world:
        subscription, service = await _subscribe_and_check(world, at=datetime(2026, 11, 18, 20, 0, tzinfo=UTC))
        (rise,) = _alerts(world)

        after = PropertyDataset(now=datetime(2026, 11, 19, 15, 30))
        after.inject(spike)
        after.inject(TrackingBroken(start=date(2026, 11, 19), end=date(2026, 11, 19), hours=tuple(range(9, 24))))
        await _check_twice_later(world, service, subscription, dataset=after)

        replies = _thread_replies(world)
        assert [r.get("thread_ts") for r in replies] == [rise.response["ts"]]
        note = replies[0].get("text")
        assert "Back to normal" not in note
        assert "ended Nov 19 09:00, when the values fell to almost zero" in note
        alerts = _alerts(world)
        assert len(alerts) == 2 and "Sessions rose" in _text(alerts[0])
        assert "dropped to almost zero" in _text(alerts[1])


async def test_a_check_google_refuses_is_skipped_and_the_next_one_alerts(database: Database) -> None:
    dataset = PropertyDataset()
    dataset.inject(TrackingBroken(start=date(2026, 11, 19), end=date(2026, 11, 20)))
    async with make_world(database, dataset=dataset) as world:
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
        service = world.alert_service()

        world.google.fail_next("batchRunReports", status=403)
        refused = await service.check(subscription)
        assert refused.alerts == [] and _alerts(world) == []

        await service.check(subscription)  # read afresh, not from the refused check's attempt
        assert len(_alerts(world)) == 1


async def test_an_event_said_back_to_normal_that_comes_back_is_told_in_its_thread(database: Database) -> None:
    # A sale doubles the day from midnight. The first check (07:00 at the property) alerts its first hour; by 03:00
    # the detector took the night's doubled level as usual, which the thread says (not "back to normal": the same
    # hours of the four weeks before had half as many). From 07:00 the day rises again: the same event, so no
    # second alert, but the thread is told it came back, and later when that part ends.
    sale = Uplift(start=date(2026, 11, 17), end=date(2026, 11, 17), traffic=2.0)
    during = PropertyDataset(now=datetime(2026, 11, 17, 11, 30))
    during.inject(sale)
    async with make_world(database, dataset=during) as world:
        subscription, service = await _subscribe_and_check(world, at=datetime(2026, 11, 17, 12, 0, tzinfo=UTC))
        (alert,) = _alerts(world)
        assert "since Nov 17 00:00" in _text(alert)
        (stayed,) = [r.get("text") for r in _thread_replies(world)]
        assert stayed.startswith(":arrow_right: Not back to normal: since Nov 17 03:00, *Sessions* stayed about")
        assert "% above the same hours of the four weeks before" in stayed

        evening = PropertyDataset(now=datetime(2026, 11, 17, 19, 30))
        evening.inject(sale)
        await _check_twice_later(world, service, subscription, dataset=evening)
        back = _thread_replies(world)[1:]
        assert len(back) == 1 and "It came back: *Sessions* rose again since Nov 17 07:00" in back[0].get("text")

        after = PropertyDataset(now=datetime(2026, 11, 19, 15, 30))
        after.inject(sale)
        await _check_twice_later(world, service, subscription, dataset=after)
        replies = _thread_replies(world)
        assert [r.get("thread_ts") for r in replies] == [alert.response["ts"]] * 3
        assert replies[2].get("text").startswith(":white_check_mark: Back to normal since Nov 1")
        assert len(_alerts(world)) == 1


async def test_a_fall_that_became_the_new_level_is_not_called_back_to_normal(database: Database) -> None:
    # A consent banner halves what GA4 records from Nov 16 on, for weeks. The detector gets used to the new level by
    # the evening and ends the incident; the series' own past says it did not recover.
    consent = TrackingBroken(start=date(2026, 11, 16), end=date(2026, 12, 20), remaining=0.5)
    during = PropertyDataset(now=datetime(2026, 11, 16, 15, 30))
    during.inject(consent)
    async with make_world(database, dataset=during) as world:
        subscription, service = await _subscribe_and_check(world, at=datetime(2026, 11, 16, 20, 0, tzinfo=UTC))
        (alert,) = _alerts(world)
        assert "Sessions fell" in _text(alert)

        later = PropertyDataset(now=datetime(2026, 11, 18, 15, 30))
        later.inject(consent)
        await _check_twice_later(world, service, subscription, dataset=later)

        (reply,) = _thread_replies(world)
        assert reply.get("thread_ts") == alert.response["ts"]
        assert "Back to normal" not in reply.get("text")
        assert "Not back to normal" in reply.get(
            "text"
        ) and "below the same hours of the four weeks before" in reply.get("text")
        assert len(_alerts(world)) == 1
        async with database.session() as session:
            assert await open_incidents(session=session, subscription_id=subscription.id) == []
