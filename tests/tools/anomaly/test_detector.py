"""The streaming detector: sees only the past, infers the sampling interval, one alert per incident."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest

from tests.tools.anomaly.series import daily, hourly, scaled, strong_day_then_outage, varying_days
from tools.anomaly import AnomalyDetector, Point, Score


def _run(points: list[Point], **options: object) -> tuple[AnomalyDetector, list[Score]]:
    detector = AnomalyDetector(**options)  # type: ignore[arg-type]
    return detector, [detector.update(p.timestamp, p.value) for p in points]


def _five_minutes(days: int, *, seed: int, irregular: bool = False) -> list[Point]:
    rng = np.random.default_rng(seed)
    points: list[Point] = []
    moment = datetime(2026, 3, 2)
    while moment < datetime(2026, 3, 2) + timedelta(days=days):
        daytime = 50 + 30 * math.sin(2 * math.pi * (moment.hour * 60 + moment.minute) / 1440)
        points.append(Point(moment, float(daytime + rng.normal(0, 3))))
        step = 5 if not irregular or rng.random() < 0.7 else 10
        moment += timedelta(minutes=step)
    return points


def test_the_sampling_interval_is_inferred_not_assumed() -> None:
    assert _run(daily(30))[0].step_seconds == 86_400
    assert _run(hourly(3))[0].step_seconds == 3_600
    assert _run(_five_minutes(2, seed=1))[0].step_seconds == 300
    assert _run(_five_minutes(2, seed=1, irregular=True))[0].step_seconds == 300


def test_a_score_depends_only_on_the_past() -> None:
    points = scaled(daily(80, seed=2), 60, 61, 3.0)

    _, full = _run(points)
    _, prefix = _run(points[:61])

    assert full[:61] == prefix
    assert full[60].alert
    assert all(0.0 <= score.anomaly_score <= 1.0 for score in full)


def test_a_level_shift_in_a_five_minute_series_alerts_once_then_adapts() -> None:
    points = _five_minutes(10, seed=3)
    shift_at = len(points) * 7 // 10
    points = [Point(p.timestamp, p.value + 40) if i >= shift_at else p for i, p in enumerate(points)]

    _, scores = _run(points)

    alerts = [i for i, score in enumerate(scores) if score.alert]
    recoveries = [i for i, score in enumerate(scores) if score.event == "recovery"]
    assert alerts == [shift_at]
    assert scores[shift_at].direction == "up"
    assert len(recoveries) == 1 and recoveries[0] > shift_at
    assert not scores[-1].in_incident
    assert scores[-1].expected is not None and abs(scores[-1].expected - points[-1].value) < 15


@pytest.mark.parametrize("irregular", [False, True])
def test_a_clean_daily_cycle_never_alerts(irregular: bool) -> None:
    _, scores = _run(_five_minutes(10, seed=4, irregular=irregular))

    assert not any(score.alert for score in scores)


def test_a_flat_line_never_alerts_and_a_break_in_it_does() -> None:
    start = datetime(2026, 3, 2)
    flat = [Point(start + timedelta(hours=i), 45.0) for i in range(24 * 14)]
    broken = [*flat, Point(start + timedelta(hours=24 * 14), 0.0)]

    _, scores = _run(broken)

    assert not any(score.alert for score in scores[:-1])
    assert scores[-1].alert and scores[-1].direction == "down"
    assert scores[-1].kind == "near_zero"


def test_missing_values_are_skipped_not_scored() -> None:
    points = daily(60, seed=5)
    points[50] = Point(points[50].timestamp, math.nan)

    _, scores = _run(points)

    assert not scores[50].scored and not scores[50].alert
    assert not any(score.alert for score in scores)


def test_higher_sensitivity_alerts_on_smaller_deviations() -> None:
    points = daily(150, seed=9)
    for start, factor in ((51, 1.25), (72, 1.35), (93, 1.5), (114, 1.7), (135, 2.2)):  # Wednesdays
        points = scaled(points, start, start + 1, factor)

    alerts = {
        sensitivity: sum(score.alert for score in _run(points, sensitivity=sensitivity, warmup_points=21)[1])
        for sensitivity in ("low", "medium", "high")
    }

    assert alerts["low"] <= alerts["medium"] <= alerts["high"]
    assert alerts["low"] < alerts["high"]


def test_one_past_outlier_does_not_mask_a_later_smaller_incident() -> None:
    # Five-minute traffic: a freak spike on day 3, then a real but smaller one on day 9 (both within four weeks).
    points = _five_minutes(12, seed=11)
    freak, real = 3 * 288 + 100, 9 * 288 + 150
    points[freak] = Point(points[freak].timestamp, points[freak].value + 400)
    points[real] = Point(points[real].timestamp, points[real].value + 60)

    _, scores = _run(points)

    alerts = [i for i, score in enumerate(scores) if score.alert]
    assert alerts == [freak, real]


def test_the_same_spike_again_is_not_news_when_the_series_gets_quieter() -> None:
    # Five-minute CPU-like series: a spike of the same height every day around 03:15 (a batch job that starts a few
    # minutes early or late), and the background noise halves on day 7. Measured in spreads the spikes double;
    # measured in the series' own units they do not grow at all.
    rng = np.random.default_rng(3)
    start = datetime(2026, 3, 2)
    spikes = {day * 288 + 39 + int(rng.integers(-2, 3)) for day in range(12)}
    points = []
    for i in range(12 * 288):
        noise = 0.02 if i < 7 * 288 else 0.01
        value = 1.0 + rng.normal(0, noise) + (2.0 if i in spikes else 0.0)
        points.append(Point(start + timedelta(minutes=5 * i), round(value, 3)))

    _, scores = _run(points)

    # (Compared in spreads, each spike after day 7 was a new record and alerted.)
    assert [i for i, score in enumerate(scores) if score.alert and i >= 7 * 288] == []


def test_nothing_alerts_on_a_clean_cycle_while_the_daily_profile_is_still_being_judged() -> None:
    # With a short warm-up the level alone reads a daily cycle as one shift after another until the daily
    # profile (two past days, then a day of its own errors) can be compared with it: until then a deviation counts
    # only as far as the daily profile sees it too.
    _, scores = _run(_five_minutes(6, seed=12), warmup_points=21)

    assert all(score.scored for score in scores[22:])
    assert not any(score.alert for score in scores[2 * 288 :])


def test_an_incident_while_the_daily_profile_is_still_being_judged_is_not_missed() -> None:
    # The same cycle (50 +- 30) with a spike to twice its peak on day 3, before the daily profile has a day of its
    # own errors: both the level and the daily profile see it, so it alerts (it used to fall in a pause where
    # nothing was scored).
    points = _five_minutes(6, seed=12)
    spike = 2 * 288 + 150
    points[spike] = Point(points[spike].timestamp, points[spike].value + 80)

    detector, scores = _run(points[: spike + 1], warmup_points=21)

    assert detector._model.settling()
    assert [i for i, score in enumerate(scores) if score.alert and i >= 2 * 288] == [spike]


@pytest.mark.parametrize("change", ["shift", "drop"])
def test_the_same_incident_is_found_at_five_and_at_ten_minutes(change: str) -> None:
    # Half the sampling rate (either half of the points) holds the same incident: one alert each, within the hour.
    at = datetime(2026, 3, 11, 14)
    points = []
    for point in _five_minutes(12, seed=5):
        moved = point.timestamp >= at and (change == "shift" or point.timestamp < at + timedelta(hours=3))
        points.append(Point(point.timestamp, point.value + (25 if change == "shift" else -25) * moved))

    for series in (points, points[::2], points[1::2]):
        _, scores = _run(series)
        alerts = [score.timestamp for score in scores if score.alert]
        assert len(alerts) == 1 and at <= alerts[0] < at + timedelta(hours=1), alerts


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_counts_that_stop_alert_at_once_however_much_their_days_vary(seed: int) -> None:
    # At the morning ramp a day's precedents (swings of hundreds at the peak) and the level's lag hid a stop; its
    # lower tail cannot: none at 09:00 where 200 are expected is beyond any day's factor.
    points = varying_days(42, seed=seed)
    at = 29 * 24 + 9  # a Tuesday, 09:00
    stopped = [Point(p.timestamp, 0.0) if at <= i < at + 6 else p for i, p in enumerate(points)]

    _, scores = _run(stopped, warmup_points=24 * 6)

    assert scores[at].alert and scores[at].kind == "near_zero", [s.timestamp for s in scores if s.alert]


def _bursty(days: int, *, seed: int) -> list[Point]:
    """Bytes written every five minutes: about 100,000, lognormal bursts, and an idle 0 one time in thirty."""
    rng = np.random.default_rng(seed)
    start = datetime(2026, 1, 5)
    return [
        Point(
            start + timedelta(minutes=5 * i),
            0.0 if rng.random() < 1 / 30 else float(round(1e5 * rng.lognormal(0, 0.8))),
        )
        for i in range(days * 288)
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_series_that_idles_every_day_does_not_alert_on_its_idle_points(seed: int) -> None:
    # Whole numbers, so read as counts, and every idle 0 is far beyond a count's tail: what keeps them quiet is
    # that the series has done it many times before (its own past collapses), as for every other reading.
    _, scores = _run(_bursty(10, seed=seed), warmup_points=288 * 2)

    assert [s.timestamp for s in scores if s.alert and s.value == 0] == []


@pytest.mark.parametrize("seed", [3, 6])
def test_an_outage_the_morning_after_a_strong_day_alerts_though_that_day_s_spike_is_still_open(seed: int) -> None:
    # Every value of the night is below the level the strong day left behind, so its spike never got quiet; the
    # morning's collapse ends it and opens a near-zero incident of its own, with its alert.
    points, at = strong_day_then_outage(seed=seed)

    _, scores = _run(points, warmup_points=24 * 6)

    assert scores[at - 1].in_incident and scores[at - 1].kind == "spike"
    assert scores[at].alert and scores[at].kind == "near_zero" and scores[at].direction == "down"


@pytest.mark.parametrize("seed", [1, 6])
def test_a_strong_day_that_stops_at_midnight_is_no_collapse(seed: int) -> None:
    # Four times the traffic until 23:00, then an ordinary night: a tenth of what the spike carried up, but not near
    # zero beside the series' typical size.
    points, at = strong_day_then_outage(seed=seed, factor=4.0, outage=False)
    midnight = at - 9

    _, scores = _run(points, warmup_points=24 * 6)

    assert scores[midnight - 1].kind == "spike"
    assert [score.timestamp for score in scores if score.alert and score.kind == "near_zero"] == []


def _purchases(days: int, *, per_hour: float, seed: int) -> list[Point]:
    """Five-minute purchases: Poisson counts of a daily profile (a quarter of the rate at night, 1.75 times it at
    14:00) times a weekday factor and a gamma day factor of variance 0.05; a median predicts most points as 0."""
    rng = np.random.default_rng(seed)
    start, points = datetime(2026, 1, 5), []
    factors = rng.gamma(20.0, 0.05, days)
    for i in range(days * 288):
        moment = start + timedelta(minutes=5 * i)
        hour = moment.hour + moment.minute / 60
        profile = (0.25 + 1.5 * math.exp(-((hour - 14) ** 2) / 18)) * (1.0, 1.05, 1.04, 1.02, 0.95, 0.7, 0.65)[
            moment.weekday()
        ]
        points.append(Point(moment, float(rng.poisson(per_hour / 12 * profile * factors[i // 288]))))
    return points


@pytest.mark.parametrize("seed", [0, 1])
def test_sparse_purchases_that_stop_alert_within_hours(seed: int) -> None:
    # Ten purchases an hour, a checkout that breaks at 09:00 for six hours. No single empty five minutes says
    # anything (most are empty at night); the run does: its expected total, from how often those minutes were
    # empty before, grows past one in a million within a couple of hours.
    points = _purchases(35, per_hour=10.0, seed=seed)
    at = 29 * 288 + 9 * 12  # a Tuesday, 09:00
    stopped = [Point(p.timestamp, 0.0) if at <= i < at + 72 else p for i, p in enumerate(points)]

    _, scores = _run(stopped, warmup_points=288 * 5)

    alerts = [i for i, score in enumerate(scores) if score.alert]
    assert any(at <= i < at + 36 for i in alerts), [scores[i].timestamp for i in alerts]
    assert scores[next(i for i in alerts if i >= at)].direction == "down"
