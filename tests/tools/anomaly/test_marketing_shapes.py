"""Realistic GA4 shapes through find_incidents, as the alert check runs it, in hourly and daily data: weekly
seasonality, a campaign, Black Friday, a tag that stops firing, a bot spike, incomplete days and hours, holidays;
each incident alerts once, recovers, and gets a severity a marketer would agree with; low / medium / high
sensitivity trade recall for precision."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from tools.anomaly import Incident, Point, Sensitivity, find_incidents
from tools.anomaly.incidents import severity

START = datetime(2026, 8, 3)  # a Monday
WEEKDAY = (1.0, 1.06, 1.04, 1.0, 0.92, 0.58, 0.52)


def _hourly_mean(moment: datetime, *, level: float) -> float:
    # Traffic sleeps at night and peaks mid-afternoon, lower at weekends.
    daytime = 0.15 + math.exp(-(((moment.hour - 15) / 5.0) ** 2))
    return level * WEEKDAY[moment.weekday()] * daytime


def hourly_sessions(days: int, *, seed: int, level: float = 300.0) -> list[Point]:
    rng = np.random.default_rng(seed)
    points = []
    for i in range(days * 24):
        moment = START + timedelta(hours=i)
        mean = _hourly_mean(moment, level=level) * rng.normal(1.0, 0.04)
        points.append(Point(moment, float(rng.poisson(max(mean, 0.0)))))
    return points


def daily_sessions(days: int, *, seed: int, level: float = 4000.0) -> list[Point]:
    rng = np.random.default_rng(seed)
    points = []
    for i in range(days):
        moment = START + timedelta(days=i)
        mean = level * WEEKDAY[moment.weekday()] * rng.normal(1.0, 0.04)
        points.append(Point(moment, float(rng.poisson(max(mean, 0.0)))))
    return points


def _times(points: list[Point], factor: float, start: datetime, end: datetime) -> list[Point]:
    return [Point(p.timestamp, round(p.value * factor)) if start <= p.timestamp < end else p for p in points]


@pytest.mark.parametrize("seed", range(4))
def test_weekly_and_daily_seasonality_alone_raise_nothing(seed: int) -> None:
    assert find_incidents(hourly_sessions(42, seed=seed), granularity="hourly") == []
    assert find_incidents(daily_sessions(120, seed=seed), granularity="daily") == []


def test_a_tag_that_stops_firing_is_one_critical_near_zero_incident_until_it_fires_again() -> None:
    points = hourly_sessions(28, seed=1)
    broken_at = START + timedelta(days=24, hours=11)
    fixed_at = broken_at + timedelta(hours=30)
    points = [Point(p.timestamp, 0.0) if broken_at <= p.timestamp < fixed_at else p for p in points]

    ongoing = find_incidents([p for p in points if p.timestamp < fixed_at], granularity="hourly")
    after = find_incidents(points, granularity="hourly")

    assert [(i.kind, i.start, i.end, i.severity) for i in ongoing] == [("near_zero", broken_at, None, "critical")]
    assert [(i.kind, i.start, i.end) for i in after] == [("near_zero", broken_at, fixed_at)]


def test_a_bot_spike_is_one_incident_that_recovers() -> None:
    points = hourly_sessions(28, seed=2)
    start = START + timedelta(days=22, hours=2)  # bots arrive at night
    points = [
        Point(p.timestamp, p.value + 400.0) if start <= p.timestamp < start + timedelta(hours=5) else p for p in points
    ]

    incidents = find_incidents(points, granularity="hourly")

    assert len(incidents) == 1
    spike = incidents[0]
    assert (spike.direction, spike.start) == ("up", start)
    assert spike.end is not None and spike.end <= start + timedelta(hours=12)
    assert spike.severity == "critical"


def test_a_week_long_campaign_alerts_once_when_it_starts() -> None:
    points = daily_sessions(120, seed=3)
    start = START + timedelta(days=95)
    points = _times(points, 1.6, start, start + timedelta(days=7))

    incidents = find_incidents(points, granularity="daily")

    # The return to normal when it ends is the incident's recovery, not a drop of its own.
    assert [(i.start, i.direction) for i in incidents] == [(start, "up")]
    assert incidents[0].severity == "critical"  # +60 % for a week: large and lasting
    assert incidents[0].end is not None and incidents[0].end > start + timedelta(days=7)


def test_black_friday_is_tolerated_when_declared_a_holiday() -> None:
    points = hourly_sessions(35, seed=4)
    black_friday = date(2026, 8, 28)  # a Friday of the sample, standing in for the real one
    points = [Point(p.timestamp, round(p.value * 2.8)) if p.timestamp.date() == black_friday else p for p in points]

    undeclared = find_incidents(points, granularity="hourly")
    declared = find_incidents(points, granularity="hourly", holidays=[black_friday])

    assert [(i.direction, i.start.date()) for i in undeclared] == [("up", black_friday)]
    assert declared == []


def _one_incident(factor: float, days: int, *, sensitivity: Sensitivity = "medium") -> list[Incident]:
    at = START + timedelta(days=100)
    points = _times(daily_sessions(120, seed=5), factor, at, at + timedelta(days=days))
    return find_incidents(points, granularity="daily", sensitivity=sensitivity)


def test_severity_grows_with_size_and_duration() -> None:
    at = START + timedelta(days=100)
    notable_day = _one_incident(1.25, 1, sensitivity="high")
    notable_week = _one_incident(0.7, 6)
    large_day = _one_incident(0.4, 1)

    assert [(i.start, i.severity) for i in notable_day] == [(at, "warning")]
    assert [i.severity for i in notable_week] == ["critical"]  # -30 % that lasts
    assert [(i.start, i.severity) for i in large_day] == [(at, "critical")]
    assert severity("spike", expected=100.0, actual=112.0, sustained=False) == "info"
    assert severity("level_shift", expected=100.0, actual=112.0, sustained=True) == "warning"
    assert severity("near_zero", expected=100.0, actual=95.0, sustained=False) == "critical"


INCIDENTS = ((0.82, 1), (1.2, 1), (0.7, 1), (1.35, 1), (0.7, 6), (0.6, 6), (0.4, 1), (1.8, 1))


def test_sensitivity_trades_recall_for_precision() -> None:
    found = {
        sensitivity: [bool(_one_incident(factor, days, sensitivity=sensitivity)) for factor, days in INCIDENTS]
        for sensitivity in ("low", "medium", "high")
    }
    clean = {
        sensitivity: sum(
            len(find_incidents(daily_sessions(120, seed=seed), granularity="daily", sensitivity=sensitivity))
            for seed in range(10, 30)
        )
        for sensitivity in ("low", "medium", "high")
    }

    assert sum(found["low"]) < sum(found["medium"]) < sum(found["high"])
    # Whatever low finds, medium finds; large moves are found at every sensitivity.
    assert all(m for low, m in zip(found["low"], found["medium"], strict=True) if low)
    assert all(found["low"][INCIDENTS.index(large)] for large in ((0.6, 6), (0.4, 1), (1.8, 1)))
    assert clean["low"] <= clean["medium"] <= clean["high"]
    assert clean["medium"] == 0  # 20 series x 120 clean days


@pytest.mark.parametrize("seed", range(3))
def test_steady_growth_with_weekly_seasonality_raises_nothing(seed: int) -> None:
    # A business growing 40 % over half a year: every few weeks brings a new high, none of them is news. (At medium
    # a rare small "info" dip may be found; the alert check posts warning and up at medium.)
    points = daily_sessions(182, seed=40 + seed)
    grown = [Point(p.timestamp, round(p.value * (1.0 + 0.4 * i / 182))) for i, p in enumerate(points)]

    medium = find_incidents(grown, granularity="daily")
    assert [i for i in medium if i.severity != "info"] == []
    assert find_incidents(grown, granularity="daily", sensitivity="low") == []


def test_an_incomplete_last_day_is_not_read_as_a_drop() -> None:
    # GA4 still processing today: the last day holds a third of its sessions.
    points = daily_sessions(90, seed=44)
    points[-1] = Point(points[-1].timestamp, round(points[-1].value / 3))

    assert find_incidents(points, granularity="daily", incomplete_after=points[-1].timestamp) == []
    assert [i.direction for i in find_incidents(points, granularity="daily")] == ["down"]


@pytest.mark.parametrize("seed", range(3))
def test_hours_still_being_processed_are_not_read_as_a_drop(seed: int) -> None:
    # GA4 at 16:00: the last three hours hold 70 %, 40 % and 10 % of what they will.
    points = hourly_sessions(30, seed=seed)[: -24 + 17]
    first_partial = points[-3].timestamp
    points = [
        *points[:-3],
        *(Point(p.timestamp, round(p.value * f)) for p, f in zip(points[-3:], (0.7, 0.4, 0.1), strict=True)),
    ]

    assert find_incidents(points, granularity="hourly", incomplete_after=first_partial) == []
    assert [i.direction for i in find_incidents(points, granularity="hourly")] == ["down"]


def test_a_holiday_closure_in_hourly_data_is_tolerated_when_declared() -> None:
    # The shop is closed for a day (traffic at 30 %): a drop that day unless the day is declared a holiday.
    points = hourly_sessions(35, seed=5)
    closed = (START + timedelta(days=31)).date()
    points = [Point(p.timestamp, round(p.value * 0.3)) if p.timestamp.date() == closed else p for p in points]

    undeclared = find_incidents(points, granularity="hourly")
    declared = find_incidents(points, granularity="hourly", holidays=[closed])

    assert [(i.direction, i.start.date(), i.severity) for i in undeclared] == [("down", closed, "critical")]
    assert declared == []


@pytest.mark.parametrize("seed", range(3))
def test_black_friday_in_daily_data_is_one_critical_spike_unless_declared(seed: int) -> None:
    points = daily_sessions(120, seed=seed)
    black_friday = (START + timedelta(days=102)).date()
    points = [Point(p.timestamp, round(p.value * 2.5)) if p.timestamp.date() == black_friday else p for p in points]

    undeclared = find_incidents(points, granularity="daily")

    assert [(i.kind, i.direction, i.start.date(), i.severity) for i in undeclared] == [
        ("spike", "up", black_friday, "critical")
    ]
    assert find_incidents(points, granularity="daily", holidays=[black_friday]) == []


@pytest.mark.parametrize("seed", range(3))
def test_a_campaign_in_hourly_data_alerts_when_it_starts_and_its_end_is_no_drop(seed: int) -> None:
    points = hourly_sessions(35, seed=seed)
    launch = START + timedelta(days=30, hours=9)  # the launch email goes out at 09:00
    points = _times(points, 1.5, launch, launch + timedelta(days=3))

    incidents = find_incidents(points, granularity="hourly")

    first = incidents[0]
    assert first.direction == "up" and launch <= first.start <= launch + timedelta(hours=1)
    assert first.severity == "critical"
    assert all(i.direction == "up" for i in incidents)  # when it ends, traffic is back to normal, not down


HOURLY_INCIDENTS = (0.85, 1.15, 0.75, 1.25, 0.65, 1.4, 0.5, 1.7)  # four afternoon hours at this share


def test_sensitivity_trades_recall_for_precision_in_hourly_data() -> None:
    at = START + timedelta(days=30, hours=13)

    def found(factor: float, sensitivity: Sensitivity) -> bool:
        points = _times(hourly_sessions(35, seed=7), factor, at, at + timedelta(hours=4))
        incidents = find_incidents(points, granularity="hourly", sensitivity=sensitivity)
        return any(at <= i.start < at + timedelta(hours=4) for i in incidents)

    levels: tuple[Sensitivity, ...] = ("low", "medium", "high")
    recall = {s: sum(found(factor, s) for factor in HOURLY_INCIDENTS) for s in levels}
    false_alerts = {
        s: sum(
            len(find_incidents(hourly_sessions(35, seed=seed), granularity="hourly", sensitivity=s))
            for seed in range(10, 20)
        )
        for s in levels
    }

    assert recall["low"] < recall["medium"] < recall["high"]
    assert all(found(large, "low") for large in (0.5, 1.7))
    assert false_alerts["low"] <= false_alerts["medium"] < false_alerts["high"]
    assert false_alerts["medium"] == 0  # 10 series x 20 scored clean days of hours
