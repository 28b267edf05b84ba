"""A broken tag that starts at night is reported, once; a quiet site's empty hours and normal traffic are not."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from tools.anomaly.collapse import hourly_collapses
from tools.anomaly.models import Point
from tools.anomaly.watch import Series, SeriesSpec, find_incidents

START = datetime(2026, 10, 1)
HOURLY = SeriesSpec(key="ga4:sessions:hourly", label="Sessions", source="ga4", metric="sessions", granularity="hourly")


def traffic(hour: int, *, scale: float) -> float:
    """A working-hours hump: low at night, highest in the afternoon."""
    return round(scale * (0.15 + math.sin(math.pi * max(0, hour - 6) / 18) if 6 <= hour <= 23 else 0.15))


def series(*, days: int, scale: float = 200.0, broken_from: datetime | None = None) -> list[Point]:
    points = []
    for index in range(days * 24):
        when = START + timedelta(hours=index)
        value = traffic(when.hour, scale=scale)
        if broken_from is not None and when >= broken_from:
            value = 1.0 if when.hour % 5 == 0 else 0.0
        points.append(Point(timestamp=when, value=value))
    return points


def test_normal_traffic_has_no_collapse() -> None:
    assert hourly_collapses(series(days=35), series_key="k") == []


def test_a_tag_that_breaks_at_night_is_one_ongoing_incident_from_its_first_hour() -> None:
    broke = START + timedelta(days=34, hours=2)
    (incident,) = hourly_collapses(series(days=35, broken_from=broke), series_key="k")

    assert incident.start == broke
    assert incident.ongoing
    assert (incident.kind, incident.direction, incident.severity) == ("near_zero", "down", "critical")


def test_the_run_ends_when_the_hours_come_back() -> None:
    broke = START + timedelta(days=33, hours=2)
    points = series(days=35, broken_from=broke)
    fixed = broke + timedelta(hours=10)
    points = [p if p.timestamp < fixed else Point(p.timestamp, traffic(p.timestamp.hour, scale=200)) for p in points]

    (incident,) = hourly_collapses(points, series_key="k")

    assert (incident.start, incident.end) == (broke, fixed)


def test_a_quiet_sites_few_empty_hours_are_not_a_break() -> None:
    # About 3 sessions an hour in the daytime: five empty hours were expected to hold fewer than 30 sessions.
    broke = START + timedelta(days=34, hours=20)
    assert hourly_collapses(series(days=35, scale=3.0, broken_from=broke), series_key="k") == []


def test_without_two_weeks_of_history_nothing_is_judged() -> None:
    assert hourly_collapses(series(days=10, broken_from=START + timedelta(days=9)), series_key="k") == []


def test_the_alert_check_reports_a_night_time_break_once() -> None:
    broke = START + timedelta(days=34, hours=1)
    found = find_incidents(Series(spec=HOURLY, points=series(days=35, broken_from=broke)), sensitivity="medium")

    breaks = [item.incident for item in found if item.incident.start >= broke - timedelta(hours=2)]
    assert len(breaks) == 1
    assert breaks[0].kind == "near_zero" and breaks[0].ongoing
