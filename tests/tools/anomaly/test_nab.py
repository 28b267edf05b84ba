"""NAB scoring: the published weights, window positions, probation and normalisation."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest

from tools.anomaly.nab import (
    PROFILES,
    Profile,
    best_threshold,
    normalise,
    prepare,
    probation_rows,
    scaled_sigmoid,
    score_detections,
)

STANDARD, LOW_FP, LOW_FN = PROFILES
START = datetime(2026, 1, 1)


def _times(n: int) -> list[datetime]:
    return [START + timedelta(minutes=5 * i) for i in range(n)]


def _detections(n: int, *rows: int) -> np.ndarray:
    hits = np.zeros(n, dtype=bool)
    hits[list(rows)] = True
    return hits


def test_profiles_have_the_published_weights() -> None:
    assert [(p.name, p.tp, p.fp, p.tn, p.fn) for p in PROFILES] == [
        ("standard", 1.0, 0.11, 1.0, 1.0),
        ("reward_low_FP", 1.0, 0.22, 1.0, 1.0),
        ("reward_low_FN", 1.0, 0.11, 1.0, 2.0),
    ]


def test_scaled_sigmoid_matches_its_definition() -> None:
    assert scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert scaled_sigmoid(4.0) == -1.0


def test_probation_is_fifteen_percent_capped_at_750_rows() -> None:
    assert probation_rows(1000) == 150
    assert probation_rows(4032) == 604
    assert probation_rows(16000) == 750


def test_only_the_first_detection_in_a_window_counts_and_earlier_is_better() -> None:
    times = _times(1000)
    scored = prepare(times, [(times[500], times[599])])

    at_left_edge = score_detections(scored, _detections(1000, 500, 550, 590), STANDARD)
    halfway = score_detections(scored, _detections(1000, 550), STANDARD)
    at_right_edge = score_detections(scored, _detections(1000, 599), STANDARD)

    assert at_left_edge == pytest.approx(1.0)
    assert 0.8 < halfway < 0.9
    assert 0.0 < at_right_edge < 0.1


def test_false_positives_cost_the_profile_weight_and_less_just_after_a_window() -> None:
    times = _times(1000)
    scored = prepare(times, [(times[500], times[599])])

    before = score_detections(scored, _detections(1000, 300), STANDARD)
    just_after = score_detections(scored, _detections(1000, 500, 605), STANDARD)
    in_probation = score_detections(scored, _detections(1000, 10, 500), STANDARD)

    assert before == pytest.approx(-1.0 - 0.11)
    assert score_detections(scored, _detections(1000, 300), LOW_FP) == pytest.approx(-1.0 - 0.22)
    assert score_detections(scored, _detections(1000, 300), LOW_FN) == pytest.approx(-2.0 - 0.11)
    assert 1.0 - 0.11 < just_after < 1.0
    assert in_probation == pytest.approx(1.0)


def test_null_and_perfect_detectors_normalise_to_0_and_100() -> None:
    times = _times(1000)
    files = [prepare(times, [(times[300], times[349]), (times[700], times[749])]), prepare(times, [])]
    nothing = [np.zeros(1000, dtype=bool), np.zeros(1000, dtype=bool)]
    perfect = [_detections(1000, 300, 700), np.zeros(1000, dtype=bool)]

    for profile in PROFILES:
        null = sum(score_detections(f, d, profile) for f, d in zip(files, nothing, strict=True))
        best = sum(score_detections(f, d, profile) for f, d in zip(files, perfect, strict=True))
        assert null == -2 * profile.fn
        assert best == pytest.approx(2.0)
        assert normalise(null, files, profile) == 0.0
        assert normalise(best, files, profile) == pytest.approx(100.0)


def test_the_best_threshold_is_the_one_that_separates_windows_from_noise() -> None:
    times = _times(1000)
    files = [prepare(times, [(times[500], times[599])])]
    scores = np.full(1000, 0.2)
    scores[[300, 800]] = 0.6
    scores[520] = 0.9

    best = best_threshold(files, [scores], STANDARD)

    assert best.threshold == 0.9
    assert best.raw == pytest.approx(score_detections(files[0], scores >= 0.9, STANDARD))


def _nab_reference(
    timestamps: list[datetime], detections: np.ndarray, windows: list[tuple[datetime, datetime]], profile: Profile
) -> float:
    """NAB's own rules, row by row as numenta/NAB's `Sweeper.calcSweepScore` and `calcScoreByThreshold` apply them:
    enter a window on its exact start time, find its right edge with `list.index`, leave it after its end time."""
    pending = sorted(windows)
    max_tp = scaled_sigmoid(-1.0)
    probation = min(math.floor(0.15 * len(timestamps)), 0.15 * 5000)
    current: tuple[datetime, datetime] | None = None
    right = width = 0.0
    previous_right: int | None = None
    previous_width = 0.0
    parts: dict[str, float] = {"fp": 0.0}
    for i, moment in enumerate(timestamps):
        if pending and moment == pending[0][0]:
            current = pending.pop(0)
            right = float(timestamps.index(current[1]))
            width = right - timestamps.index(current[0]) + 1
        name = None
        if current is not None:
            name = str(current[0])
            weighted = scaled_sigmoid(-(right - i + 1) / width) * profile.tp / max_tp
        elif previous_right is None:
            weighted = -1.0 * profile.fp
        else:
            weighted = scaled_sigmoid(abs(previous_right - i) / (previous_width - 1)) * profile.fp
        if i >= probation:
            if name is not None:
                parts.setdefault(name, -profile.fn)
                if detections[i]:
                    parts[name] = max(parts[name], weighted)
            elif detections[i]:
                parts["fp"] += weighted
        if current is not None and moment == current[1]:
            previous_right, previous_width = i, width
            current = None
    return sum(parts.values())


@pytest.mark.parametrize("seed", range(8))
def test_the_scorer_agrees_with_nab_row_by_row(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 1200
    times = _times(n)
    # A repeated timestamp, as in two realAdExchange and two realTraffic files, right on a window's right edge.
    times[700] = times[699]
    times = sorted(times)
    windows = [(times[150], times[260]), (times[600], times[699]), (times[1000], times[1080])]
    detections = rng.random(n) < 0.01
    detections[[155, 1075]] = True
    scored = prepare(times, windows)

    for profile in PROFILES:
        assert score_detections(scored, detections, profile) == pytest.approx(
            _nab_reference(times, detections, windows, profile)
        )


def test_a_detection_exactly_three_window_lengths_past_a_window_is_not_yet_a_full_false_positive() -> None:
    assert -1.0 < scaled_sigmoid(3.0) < -0.99999
    assert scaled_sigmoid(3.0001) == -1.0
