"""find_incidents on daily and hourly series: the incidents a marketer should hear about, and only those."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from tests.tools.anomaly.series import (
    START,
    WEEKDAY_SHAPE,
    daily,
    drop_then_spike,
    hourly,
    scaled,
    strong_day_then_outage,
)
from tools.anomaly import Point, find_incidents, fingerprint
from tools.anomaly.incidents import unusual_latest


@pytest.mark.parametrize("seed", range(20))
def test_ninety_clean_days_raise_nothing(seed: int) -> None:
    points = daily(90, seed=seed)

    assert find_incidents(points, granularity="daily") == []


def test_false_alerts_on_clean_days_are_rarer_than_one_a_decade() -> None:
    incidents = [
        incident for seed in range(60) for incident in find_incidents(daily(90, seed=seed), granularity="daily")
    ]

    assert len(incidents) <= 1  # 60 series x 90 days = 5,400 clean days


@pytest.mark.parametrize("seed", range(5))
def test_eight_clean_weeks_of_hours_raise_nothing(seed: int) -> None:
    points = hourly(56, seed=seed)

    assert find_incidents(points, granularity="hourly") == []


def test_tracking_broken_is_one_near_zero_incident_still_open() -> None:
    points = scaled(daily(90, seed=3), 75, 90, 0.003)

    incidents = find_incidents(points, granularity="daily", series_key="ga4:1:sessions")

    assert len(incidents) == 1
    incident = incidents[0]
    assert incident.kind == "near_zero"
    assert incident.direction == "down"
    assert incident.severity == "critical"
    assert incident.start == points[75].timestamp
    assert incident.end is None
    assert incident.ongoing
    assert incident.expected > 500
    assert incident.actual < 10
    assert incident.fingerprint == fingerprint("ga4:1:sessions", "near_zero", "down")


def test_tracking_that_comes_back_ends_the_incident_without_a_new_alert() -> None:
    points = scaled(daily(90, seed=3), 70, 74, 0.0)

    incidents = find_incidents(points, granularity="daily")

    assert [(i.kind, i.start, i.end) for i in incidents] == [("near_zero", points[70].timestamp, points[74].timestamp)]


def test_a_bot_spike_is_one_spike_that_recovers() -> None:
    points = scaled(daily(90, seed=4), 75, 76, 2.5)

    incidents = find_incidents(points, granularity="daily")

    assert len(incidents) == 1
    spike = incidents[0]
    assert (spike.kind, spike.direction, spike.start) == ("spike", "up", points[75].timestamp)
    assert spike.end is not None and spike.end > spike.start
    assert spike.severity == "critical"
    assert spike.relative_change is not None and spike.relative_change > 1.0


def test_a_lasting_drop_alerts_once_as_a_level_shift_then_becomes_normal() -> None:
    points = scaled(daily(120, seed=5), 70, 120, 0.6)

    incidents = find_incidents(points, granularity="daily")

    assert len(incidents) == 1
    shift = incidents[0]
    assert (shift.kind, shift.direction, shift.start) == ("level_shift", "down", points[70].timestamp)
    assert shift.end is not None and shift.end < points[100].timestamp
    assert shift.actual == pytest.approx(points[70].value)


def test_incomplete_recent_data_is_never_scored() -> None:
    points = daily(90, seed=6)
    today = points[-1].timestamp
    partial = [*points[:-1], Point(today, points[-1].value * 0.1)]

    assert [i.kind for i in find_incidents(partial, granularity="daily")] == ["near_zero"]
    assert find_incidents(partial, granularity="daily", incomplete_after=today) == []


def test_a_holiday_dip_is_tolerated() -> None:
    points = scaled(daily(90, seed=7), 80, 81, 0.35)
    holiday = points[80].timestamp.date()

    assert len(find_incidents(points, granularity="daily")) == 1
    assert find_incidents(points, granularity="daily", holidays=[holiday]) == []


def test_small_volumes_do_not_alert_on_noise() -> None:
    small = daily(90, seed=8, level=3.0)
    small[80] = Point(small[80].timestamp, 9.0)
    large = daily(90, seed=8, level=300.0)
    large[80] = Point(large[80].timestamp, 900.0)

    assert find_incidents(small, granularity="daily") == []
    assert [i.kind for i in find_incidents(large, granularity="daily")] == ["spike"]


def test_sensitivity_orders_how_much_alerts() -> None:
    points = daily(150, seed=9)
    for start, factor in ((51, 1.25), (72, 1.35), (93, 1.5), (114, 1.7), (135, 2.2)):  # Wednesdays
        points = scaled(points, start, start + 1, factor)

    counts = {
        sensitivity: len(find_incidents(points, granularity="daily", sensitivity=sensitivity))
        for sensitivity in ("low", "medium", "high")
    }

    assert counts["low"] <= counts["medium"] <= counts["high"]
    assert counts["low"] < counts["high"]
    assert counts["low"] >= 1


def test_an_hourly_outage_is_found_in_hourly_data() -> None:
    points = scaled(hourly(28, seed=10), 24 * 25 + 10, 24 * 25 + 16, 0.0)

    incidents = find_incidents(points, granularity="hourly")

    assert [(i.kind, i.start) for i in incidents] == [("near_zero", points[24 * 25 + 10].timestamp)]
    assert incidents[0].end == points[24 * 25 + 16].timestamp


def test_points_may_arrive_unordered() -> None:
    points = scaled(daily(90, seed=4), 75, 76, 2.5)

    shuffled = points[::2] + points[1::2]

    assert find_incidents(shuffled, granularity="daily") == find_incidents(points, granularity="daily")
    assert points[1].timestamp - points[0].timestamp == timedelta(days=1)


def test_the_newest_point_is_unusual_the_day_a_spike_opens() -> None:
    points = scaled(daily(90, seed=4), 89, 90, 2.5)

    unusual = unusual_latest(points, granularity="daily")

    assert unusual is not None
    assert unusual.incident.direction == "up"
    assert unusual.actual == points[-1].value
    assert unusual.actual > 2 * unusual.expected


@pytest.mark.parametrize("seed", range(10))
def test_no_clean_day_is_unusual(seed: int) -> None:
    points = daily(90, seed=seed)

    assert [day for day in range(40, 91) if unusual_latest(points[:day], granularity="daily")] == []


def test_a_day_back_inside_its_noise_is_not_unusual_while_the_incident_stays_open() -> None:
    # A sale lifts a steady series by 70 % for four days, then the season keeps it 30 % up: the detector's incident
    # stays open for days while it learns the new level, and days that it already expects are not unusual.
    points = scaled(scaled(daily(100, seed=9), 80, 84, 1.7), 84, 100, 1.3)

    verdicts = {day: unusual_latest(points[: day + 1], granularity="daily") for day in range(80, 100)}
    still_open = {
        day
        for day in verdicts
        if (found := find_incidents(points[: day + 1], granularity="daily"))
        and found[-1].end is None
        and found[-1].start == points[80].timestamp
    }

    assert verdicts[80] is not None and verdicts[80].actual == points[80].value
    assert any(verdicts[day] is None for day in still_open)
    for verdict in verdicts.values():
        # Each verdict is against the day's own expectation (never the sale's first day's), and the day is above it.
        assert verdict is None or verdict.actual > verdict.expected


def test_a_collapse_stays_unusual_against_the_level_before_it() -> None:
    points = scaled(daily(90, seed=3), 80, 90, 0.003)

    unusual = unusual_latest(points, granularity="daily")

    assert unusual is not None
    assert unusual.incident.kind == "near_zero"
    assert unusual.expected > 500 and unusual.actual < 10


def _flat_hours(*, seed: int, count: float, ceiling: float | None, fall_at: int) -> list[Point]:
    """Four weeks of hourly counts (or a ceiling minus counts) with a fall of 60 for six hours from `fall_at`."""
    rng = np.random.default_rng(seed)
    values = rng.poisson(count, 28 * 24).astype(float)
    if ceiling is not None:
        values = ceiling - values
    values[fall_at : fall_at + 6] -= 60
    return [Point(START + timedelta(hours=i), float(v)) for i, v in enumerate(values)]


def test_a_ceiling_minus_a_count_is_not_given_a_counts_spread() -> None:
    # 500 minus a count of 20 is a non-negative integer about 480, but its noise is a count of 20's: the Poisson
    # floor of 480 (22) would hide a fall of 60 that is 13 of its own spreads. In a count of 480 the same fall is
    # under three spreads and nothing.
    fall_at = 25 * 24 + 12
    ceiling = _flat_hours(seed=0, count=20, ceiling=500, fall_at=fall_at)
    count = _flat_hours(seed=0, count=480, ceiling=None, fall_at=fall_at)

    assert [i.start for i in find_incidents(ceiling, granularity="hourly")] == [ceiling[fall_at].timestamp]
    assert find_incidents(count, granularity="hourly") == []


@pytest.mark.parametrize("seed", range(3))
def test_a_broken_tag_at_the_top_of_a_seasons_ramp_is_found(seed: int) -> None:
    # Five weeks of hourly visits whose days vary by 8 %, then three weeks of days 3 % above the day before (a
    # holiday season, far above the median of past weeks' same hours), then the tag stops firing at 14:00. The ramp
    # is a trend, not day-to-day noise: read as noise it widened the floors past the break (phi about 0.3).
    rng = np.random.default_rng(seed)
    days, ramp = 56, 21
    factor = rng.lognormal(0.0, 0.08, days) * 1.03 ** np.maximum(0, np.arange(days) - (days - ramp))
    points = []
    for i in range(days * 24):
        stamp = START + timedelta(hours=i)
        daytime = 0.1 + 0.65 * (1 - math.cos(2 * math.pi * stamp.hour / 24))
        value = rng.poisson(200 * WEEKDAY_SHAPE[stamp.weekday()] * daytime * factor[i // 24])
        points.append(Point(stamp, 2.0 if i >= (days - 1) * 24 + 14 else float(value)))

    incidents = find_incidents(points, granularity="hourly")

    assert (incidents[-1].kind, incidents[-1].start) == ("near_zero", points[(days - 1) * 24 + 14].timestamp)


def test_a_spike_cut_short_by_a_collapse_ends_superseded_where_the_near_zero_incident_starts() -> None:
    # The strong day's incident did not recover: it ends at the collapse, marked so, and the collapse is its own.
    points, at = strong_day_then_outage(seed=3)

    *_, rise, collapse = find_incidents(points, granularity="hourly")

    assert rise.direction == "up" and rise.superseded_by == "near_zero"
    assert rise.end == collapse.start == points[at].timestamp
    assert collapse.kind == "near_zero" and collapse.direction == "down" and collapse.superseded_by is None
    assert collapse.end == points[at + 6].timestamp  # the values came back: a recovery, not a supersession


def test_a_drop_still_open_when_the_values_rise_sharply_ends_superseded_by_the_spike() -> None:
    # Before, the rise was part of the drop's incident (its ratio kept it open), and nobody heard of it.
    points, rise = drop_then_spike(seed=5)

    *_, drop, spike = find_incidents(points, granularity="hourly")

    assert drop.direction == "down" and drop.superseded_by == "spike"
    assert drop.end == spike.start and points[rise].timestamp <= spike.start <= points[rise + 1].timestamp
    assert spike.direction == "up" and spike.superseded_by is None and spike.end is not None


def test_an_incident_that_recovers_is_not_superseded() -> None:
    points = scaled(daily(90, seed=3), 70, 74, 0.0)

    (incident,) = find_incidents(points, granularity="daily")

    assert incident.end is not None and incident.superseded_by is None
