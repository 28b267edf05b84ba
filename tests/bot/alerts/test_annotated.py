"""Annotations and Lookout notes in alerts: what was annotated on the incident's first day is shown as a possible
explanation, and a note marking that day expected keeps the alert from being posted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.notes import manage
from storage.db import Database
from storage.tables.schedule import SubscriptionKind
from tests.bot.digest.world import World, make_world
from tools.sample.dataset import Annotation, PropertyDataset, TrackingBroken

BROKE = date(2026, 11, 19)


def _alerts(world: World) -> list[Any]:
    return [call for call in world.slack.ok_calls_to("chat.postMessage") if not call.get("thread_ts")]


def _text(call: Any) -> str:
    return "\n".join(block["text"]["text"] for block in call.get("blocks") or [] if block.get("type") == "section")


def _broken() -> PropertyDataset:
    dataset = PropertyDataset()
    dataset.inject(TrackingBroken(start=BROKE, end=date(2026, 11, 20)))
    return dataset


async def _note(world: World, *, day: date, text: str, expected: bool) -> None:
    await manage.add(
        database=world.database,
        workspace_id=world.workspace_id,
        note=manage.draft(day=day, text=text, expected=expected),
        user_id="U0BOB",
        now=datetime(2026, 11, 19, 9, 0, tzinfo=UTC),
    )


async def test_the_incidents_day_annotations_are_offered_as_an_explanation(database: Database) -> None:
    dataset = _broken()
    dataset.annotations.extend(
        [
            Annotation(start=BROKE, end=BROKE, title="Theme update <!channel> <https://evil.example|v4>"),
            Annotation(start=date(2026, 11, 10), end=date(2026, 11, 10), title="An older release"),
        ]
    )
    async with make_world(database, dataset=dataset) as world:
        await _note(world, day=BROKE, text="Consent banner changed", expected=False)
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)

        await world.alert_service(annotations=True).check(subscription)

        (alert,) = _alerts(world)
        text = _text(alert)
        assert "dropped to almost zero" in text
        assert "Possibly related, annotated that day:" in text
        assert "“Theme update &lt;!channel&gt; &lt;https" in text and "_(GA4 annotation, Nov 19)_" in text
        assert "“Consent banner changed” _(Lookout note, Nov 19)_" in text
        assert "An older release" not in text
        assert "<!channel>" not in text and "<https://evil" not in text


async def test_without_annotations_the_alert_says_nothing_about_them(database: Database) -> None:
    async with make_world(database, dataset=_broken()) as world:
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
        await world.alert_service(annotations=True).check(subscription)
        (alert,) = _alerts(world)
        assert "annotated" not in _text(alert)


async def test_google_failing_to_list_annotations_does_not_stop_the_alert(database: Database) -> None:
    dataset = _broken()
    dataset.annotations.append(Annotation(start=BROKE, end=BROKE, title="Theme update"))
    async with make_world(database, dataset=dataset) as world:
        world.google.fail_next("reportingDataAnnotations.list", status=500, times=10)
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
        await world.alert_service(annotations=True).check(subscription)
        (alert,) = _alerts(world)
        assert "dropped to almost zero" in _text(alert) and "Theme update" not in _text(alert)


@pytest.mark.parametrize(
    ("day", "expected", "posted"),
    [
        (BROKE, True, 0),  # the day the incident started is marked expected: quiet
        (BROKE, False, 1),  # a note that does not say expected only explains
        (date(2026, 11, 18), True, 1),  # the day before: not this incident's day
    ],
    ids=["expected-that-day", "plain-note", "expected-another-day"],
)
async def test_a_note_marking_the_day_expected_keeps_the_alert_quiet(
    database: Database, day: date, expected: bool, posted: int
) -> None:
    async with make_world(database, dataset=_broken()) as world:
        await _note(world, day=day, text="Planned tag migration", expected=expected)
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
        service = world.alert_service(annotations=True)
        await service.check(subscription)
        world.clock.advance(hours=1)
        await service.check(subscription)
        assert len(_alerts(world)) == posted
