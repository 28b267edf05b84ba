"""The pattern novelty reading: the nearest earlier stretch, its chi-square floor, and how the alert rule uses it."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from tools.anomaly.alerting import MEDIUM, QUIET_SPAN, IncidentTracker, Rule, rule_for
from tools.anomaly.models import Sensitivity
from tools.anomaly.novelty import (
    PATTERN_POINTS,
    Novelty,
    PatternNovelty,
    chi_square_upper_quantile,
    novelty_floor,
)
from tools.anomaly.precedent import MAX_RANK
from tools.anomaly.surprise import Reading


def _nearest_by_hand(values: np.ndarray, end: int, horizon: int, min_windows: int) -> float | None:
    m = PATTERN_POINTS
    start = end - m + 1
    if start < 0 or np.isnan(values[start : end + 1]).any():
        return None
    first = max(0, start - horizon)
    if start - m - first + 1 < min_windows:
        return None
    current = values[start : end + 1]
    distances = [
        float(np.mean((values[k : k + m] - current) ** 2))
        for k in range(first, start - m + 1)
        if not np.isnan(values[k : k + m]).any()
    ]
    return math.sqrt(min(distances)) if distances else None


def test_the_distance_is_to_the_nearest_earlier_window_that_does_not_overlap() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(100.0, 5.0, 1_500)
    values[300] = math.nan
    values[700:703] = math.nan
    novelty = Novelty(200, min_windows=10)  # a short horizon, so the ring is compacted several times

    got = [novelty.add(float(value)) for value in values]

    for end, distance in enumerate(got):
        expected = _nearest_by_hand(values, end, 200, 10)
        if expected is None:
            assert distance is None, end
        else:
            assert distance == pytest.approx(expected, rel=1e-6, abs=1e-9), end


@pytest.mark.parametrize(("before", "after", "at"), [(400, 150, 900), (150, 400, 300)])
def test_a_resized_search_looks_as_far_back_as_its_new_horizon(before: int, after: int, at: int) -> None:
    # Shrinking keeps the newest values; growing (here before the ring ever dropped a value) looks further back at once.
    rng = np.random.default_rng(4)
    values = rng.normal(100.0, 5.0, 1_500)
    values[at + 40] = math.nan
    novelty = Novelty(before, min_windows=10)
    for value in values[:at]:
        novelty.add(float(value))

    novelty.resize(after, min_windows=20)
    got = [novelty.add(float(value)) for value in values[at:]]

    for offset, distance in enumerate(got):
        expected = _nearest_by_hand(values, at + offset, after, 20)
        if expected is None:
            assert distance is None, offset
        else:
            assert distance == pytest.approx(expected, rel=1e-6, abs=1e-9), offset


def test_chi_square_quantiles_match_the_tables() -> None:
    assert chi_square_upper_quantile(0.05, 2) == pytest.approx(5.9915, abs=1e-4)
    assert chi_square_upper_quantile(0.01, 4) == pytest.approx(13.2767, abs=1e-4)
    assert chi_square_upper_quantile(0.001, 8) == pytest.approx(26.1245, abs=1e-4)
    with pytest.raises(ValueError, match="even"):
        chi_square_upper_quantile(0.05, 3)


def test_the_floor_is_where_two_noisy_copies_of_a_pattern_differ_once_in_a_million() -> None:
    rng = np.random.default_rng(0)
    pairs = rng.normal(size=(1_000_000, PATTERN_POINTS)) - rng.normal(size=(1_000_000, PATTERN_POINTS))
    rms = np.sqrt(np.mean(pairs**2, axis=1))
    assert novelty_floor() == pytest.approx(3.27, abs=0.01)
    assert int((rms >= novelty_floor()).sum()) <= 5


def test_a_repeating_pattern_is_familiar_and_a_new_shape_at_the_same_level_is_not() -> None:
    rng = np.random.default_rng(5)
    period = 48
    cycle = 50.0 + 20.0 * np.sin(2 * np.pi * np.arange(period * 60) / period)
    values = cycle + rng.normal(0.0, 1.0, cycle.size)
    notch = 2_400
    values[notch : notch + 6] = 50.0  # the cycle stops for six points at its own average: no value is extreme
    # One point a minute: four weeks of windows are remembered, and they are read once a day of them is there.
    reading = PatternNovelty(record_seconds=28 * 86_400.0, day_seconds=period * 60.0, margin=1.03, ranks=MAX_RANK)

    ratios = [reading.add(float(value), scale=1.0, step=60.0) for value in values]

    assert all(not each or each[1] < 1.0 for each in ratios[4 * period : notch])
    assert max(each[1] for each in ratios[notch : notch + 6]) > 1.0


def _reading(*, novelty: float, point: float = 0.3) -> Reading:
    calm = ((0.2, 0.2, 0.2),) * MAX_RANK
    return Reading(
        100.0, calm, (), (point, 0.3, 0.1), 1.0, 3600.0, ((0.2, point),) * MAX_RANK, 0.0, (novelty,) * MAX_RANK
    )


@pytest.mark.parametrize(("sensitivity", "opens_at"), [("low", 1.3), ("medium", 1.0), ("high", 0.75)])
def test_a_new_pattern_opens_an_incident_at_the_sensitivitys_level_even_if_the_value_looks_ordinary(
    sensitivity: Sensitivity, opens_at: float
) -> None:
    for novelty, alerts in ((opens_at - 0.01, False), (opens_at, True)):
        tracker = IncidentTracker(rule_for(sensitivity))
        assert tracker.alerts(100.0, _reading(novelty=novelty), scored=True, level_points=7) is alerts


def test_a_rule_without_novelty_ignores_it() -> None:
    assert not IncidentTracker(replace(MEDIUM, novelty=math.inf)).alerts(
        100.0, _reading(novelty=50.0), scored=True, level_points=7
    )
    assert IncidentTracker(Rule(level=1.0, rank=2, novelty=1.0)).alerts(
        100.0, _reading(novelty=1.5), scored=True, level_points=7
    )


def test_a_new_pattern_does_not_hold_an_incident_open() -> None:
    # The window still holds the incident's points for a while after the values are back: only the other readings
    # decide when it ends.
    tracker = IncidentTracker(MEDIUM)
    assert tracker.step(100.0, _reading(novelty=3.0), scored=True, level_points=7).alert
    events = [tracker.step(100.0, _reading(novelty=3.0), scored=True, level_points=7).event for _ in range(5)]
    assert events.count("recovery") == 1
    assert events.index("recovery") == int(QUIET_SPAN / 3600.0) - 1
