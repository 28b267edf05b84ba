"""A stored alert's event ends when every part of it found since has ended: the latest end, never the first."""

from datetime import UTC, datetime, timedelta

from bot.alerts.matching import closest, event_end
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

    assert event_end(STORED, found, timezone="UTC") is None
    assert closest(STORED, found, timezone="UTC") == found[0]  # the part the alert was about


def test_an_event_ends_with_its_last_part_and_not_with_another_series_or_direction() -> None:
    found = [_part(0, 3), _part(7, 30), _part(9, None, direction="down")]

    last = event_end(STORED, found, timezone="UTC")

    assert last is not None and last.incident.end == MIDNIGHT + timedelta(hours=30)
    assert event_end(STORED, [], timezone="UTC") is None
