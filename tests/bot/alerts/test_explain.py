"""Why an alert fired: the segments named move the way the alert says, also when the incident began today."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.alerts.explain import interpret
from storage.db import Database
from storage.tables.schedule import SubscriptionKind
from tests.bot.digest.world import World, make_world
from tools.anomaly import Incident, Point
from tools.anomaly.watch import AlertGroup, Found, Series, SeriesSpec
from tools.dates import ResolvedDateRange
from tools.explain import ExplainChangeResult, Segment
from tools.sample.dataset import PropertyDataset, Uplift

SESSIONS = SeriesSpec(key="ga4:sessions:daily", label="Sessions", source="ga4", metric="sessions", granularity="daily")


def _alerts(world: World) -> list[Any]:
    return [call for call in world.slack.ok_calls_to("chat.postMessage") if not call.get("thread_ts")]


async def test_a_rise_that_began_this_morning_is_explained_by_segments_that_rose(database: Database) -> None:
    # A sale doubles the day from midnight; the alert comes before noon. Set against the whole of the same day a
    # week before, every segment of the half-day looked down: "Sessions rose 140 %" with "desktop −1,324".
    sale = Uplift(start=date(2026, 11, 17), end=date(2026, 11, 17), traffic=2.0)
    during = PropertyDataset(now=datetime(2026, 11, 17, 11, 30))
    during.inject(sale)
    async with make_world(database, dataset=during) as world:
        world.clock.now = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
        subscription = await world.subscribe("C0ALERTS", kind=SubscriptionKind.ALERTS)
        await world.alert_service().check(subscription)

        (alert,) = _alerts(world)
        lines = [block["text"]["text"] for block in alert.get("blocks") or [] if block.get("type") == "section"]
        drivers = [line for text in lines for line in text.splitlines() if "of the change" in line]
        assert "rose" in lines[0] and drivers
        assert all(": +" in line for line in drivers), drivers


def _found(direction: str) -> Found:
    start = datetime(2026, 11, 17)
    points = [Point(start - timedelta(days=days), 1000.0) for days in range(30, -1, -1)]
    incident = Incident(
        start=start,
        end=None,
        kind="drop" if direction == "down" else "spike",
        direction="down" if direction == "down" else "up",
        severity="warning",
        expected=1000.0,
        actual=700.0 if direction == "down" else 1300.0,
        peak_expected=1000.0,
        peak_actual=700.0 if direction == "down" else 1300.0,
        deviation=-5.0 if direction == "down" else 5.0,
        fingerprint=f"ga4:sessions:daily|{direction}",
    )
    return Found(series=Series(spec=SESSIONS, points=points), incident=incident)


def _compared(change: float) -> ExplainChangeResult:
    day = ResolvedDateRange(start_date=date(2026, 11, 17), end_date=date(2026, 11, 17))
    segment = Segment(
        dimension="deviceCategory",
        value="desktop",
        current=1000.0 + change,
        previous=1000.0,
        change=change,
        change_pct=change / 10,
        share_of_change=0.9,
    )
    return ExplainChangeResult(
        source="ga4",
        metric="sessions",
        current=day,
        previous=day,
        total_current=2000.0 + change,
        total_previous=2000.0,
        total_change=change,
        total_change_pct=change / 20,
        segments=[segment],
        offsetting=[],
        dimensions_analyzed=["deviceCategory"],
        concentration="Concentrated",
    )


def test_segments_that_moved_against_the_alert_are_not_named() -> None:
    for direction, change in (("down", 300.0), ("up", -300.0), ("up", 0.0)):
        found = _found(direction)

        explanation = interpret(AlertGroup(primary=found, also=[]), _compared(change), found=[found], series=[])

        assert (explanation.lines, explanation.cause) == ([], "unknown")


def test_segments_that_moved_with_the_alert_are_named() -> None:
    found = _found("down")

    explanation = interpret(AlertGroup(primary=found, also=[]), _compared(-300.0), found=[found], series=[])

    assert explanation.cause == "segments" and "desktop" in explanation.lines[0]
