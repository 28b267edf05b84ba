"""A stored alert's event ends when every part of it found since has ended: the latest end, never the first; and an
incident that ended with its series far from its own past has settled at a new level rather than recovered."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.alerts.matching import closest, event_end, event_parts, settled
from storage.tables.schedule import AlertIncident
from tools.anomaly import Incident, Point
from tools.anomaly.watch import Found, Series, SeriesSpec

HOURLY = SeriesSpec(key="ga4:sessions:hourly", label="Sessions", source="ga4", metric="sessions", granularity="hourly")
MIDNIGHT = datetime(2026, 11, 17)


def _part(start_hour: int, end_hour: int | None, direction: str = "up") -> Found:
    incident = Incident(
        start=MIDNIGHT + timedelta(hours=start_hour),
        end=None if end_hour is None else MIDNIGHT + timedelta(hours=end_hour),
        kind="spike",
        direction="up" if direction == "up" else "down",
        severity="critical",
        expected=100.0,
        actual=200.0,
        peak_expected=100.0,
        peak_actual=200.0,
        deviation=5.0,
        fingerprint="ga4:sessions:hourly|spike|up",
    )
    return Found(series=Series(spec=HOURLY, points=[Point(MIDNIGHT, 100.0)]), incident=incident)


STORED = AlertIncident(
    workspace_id=1,
    subscription_id=1,
    channel_id="C0ALERTS",
    fingerprint="ga4:sessions:hourly|spike|up",
    metric="ga4:sessions:hourly",
    direction="up",
    severity="critical",
    started_at=MIDNIGHT.replace(tzinfo=UTC),
)


def test_an_event_with_a_part_still_going_on_has_not_ended() -> None:
    found = [_part(0, 3), _part(7, None)]

    parts = event_parts(STORED, found, timezone="UTC")

    assert event_end(parts, timezone="UTC") is None
    assert closest(STORED, parts, timezone="UTC") == found[0]  # the part the alert was about


def test_an_event_ends_with_its_last_part_and_not_with_another_series_or_direction() -> None:
    found = [_part(0, 3), _part(7, 30), _part(9, None, direction="down")]

    last = event_end(event_parts(STORED, found, timezone="UTC"), timezone="UTC")

    assert last is not None and last.incident.end == MIDNIGHT + timedelta(hours=30)
    assert event_end(event_parts(STORED, [], timezone="UTC"), timezone="UTC") is None


def _hourly(values_by_week: list[float], *, ended_at: int, direction: str = "down") -> Found:
    """Five weeks of hours, each week at its own level, and an incident that ended `ended_at` hours into the last."""
    start = datetime(2026, 10, 13)
    points = [Point(start + timedelta(hours=hour), values_by_week[hour // (7 * 24)]) for hour in range(5 * 7 * 24)]
    last_week = start + timedelta(weeks=4)
    incident = replace(
        _part(0, 0, direction=direction).incident,
        start=last_week,
        end=last_week + timedelta(hours=ended_at),
    )
    return Found(series=Series(spec=HOURLY, points=points), incident=incident)


def test_an_incident_that_ended_at_a_new_level_has_settled_and_one_that_came_back_has_not() -> None:
    new_level = settled(_hourly([300.0, 300.0, 300.0, 300.0, 150.0], ended_at=12))
    back = settled(_hourly([300.0, 300.0, 300.0, 300.0, 290.0], ended_at=12))
    other_way = settled(_hourly([300.0, 300.0, 300.0, 300.0, 450.0], ended_at=12))

    assert new_level is not None and round(new_level.relative, 2) == 0.5
    assert back is None and other_way is None


def test_a_small_site_s_quiet_hours_are_not_a_new_level_by_chance() -> None:
    # Three night hours at 4 against 6 a week before: a third off, but well within a count's noise.
    assert settled(_hourly([6.0, 6.0, 6.0, 6.0, 4.0], ended_at=166)) is None
