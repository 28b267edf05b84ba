"""The likelihood of a run of deviations: calibrated on ordinary noise, loud on a sustained change."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.anomaly.alerting import IncidentTracker, Rule, rule_for
from tools.anomaly.likelihood import AVERAGE_POINTS, MIN_HISTORY, Likelihood, upper_tail_digits
from tools.anomaly.models import Sensitivity
from tools.anomaly.precedent import MAX_RANK, Precedent
from tools.anomaly.surprise import Reading


def test_tail_digits_follow_the_normal_upper_tail() -> None:
    assert upper_tail_digits(0.4, 0.5, 0.1) == 0.0
    assert upper_tail_digits(0.5, 0.5, 0.1) == 0.0
    assert upper_tail_digits(0.5 + 0.1 * 1.2815516, 0.5, 0.1) == pytest.approx(1.0, abs=1e-6)  # one in ten
    assert upper_tail_digits(0.5 + 0.1 * 4.2648908, 0.5, 0.1) == pytest.approx(5.0, abs=1e-5)
    # Far past double precision the asymptotic tail keeps growing instead of collapsing to infinity.
    far = [upper_tail_digits(0.5 + 0.1 * z, 0.5, 0.1) for z in (30.0, 40.0, 60.0)]
    assert all(math.isfinite(each) for each in far) and far == sorted(far) and far[0] > 190


def _feed(raw: np.ndarray) -> list[float]:
    likelihood = Likelihood(horizon=8_000)
    return [likelihood.add(float(each)) for each in raw]


def test_ordinary_noise_never_reaches_one_in_a_million() -> None:
    for seed in range(5):
        digits = _feed(np.random.default_rng(seed).random(20_000))
        assert max(digits) < 6.0


def test_nothing_is_read_before_the_distribution_is_fitted() -> None:
    digits = _feed(np.full(AVERAGE_POINTS + MIN_HISTORY - 1, 0.99))
    assert max(digits) == 0.0


def test_a_run_of_merely_unusual_points_is_read_as_very_unlikely() -> None:
    rng = np.random.default_rng(7)
    raw = rng.random(3_000)
    # Ten points in a row each in the top 7 % of past deviations: none is extreme alone, the run is.
    raw[2_000 : 2_000 + AVERAGE_POINTS] = 0.93 + 0.07 * rng.random(AVERAGE_POINTS)

    digits = _feed(raw)

    assert max(digits[:2_000]) < 6.0
    assert digits[2_000 + AVERAGE_POINTS - 1] > 6.0


def test_share_below_ranks_a_size_among_the_remembered_ones() -> None:
    precedent = Precedent(horizon=4)
    assert precedent.share_below(3.0) == 0.5  # nothing remembered: neither usual nor unusual
    for size in (1.0, 2.0, 3.0, 4.0, 5.0):
        precedent.add(size)  # 1.0 falls out of the window
    assert precedent.share_below(3.5) == 0.5
    assert precedent.share_below(9.0) == 1.0
    assert precedent.share_below(0.5) == 0.0


def _reading(tail: float) -> Reading:
    calm = ((0.2, 0.2, 0.2),) * MAX_RANK
    return Reading(100.0, calm, (), (0.5, 0.3, 0.1), 1.0, 300.0, ((0.2, 0.5),) * MAX_RANK, tail)


@pytest.mark.parametrize(("sensitivity", "opens_at"), [("low", 7.8), ("medium", 6.0), ("high", 4.5)])
def test_an_unlikely_run_opens_an_incident_at_the_sensitivitys_digits(
    sensitivity: Sensitivity, opens_at: float
) -> None:
    for tail, alerts in ((opens_at - 0.01, False), (opens_at, True)):
        tracker = IncidentTracker(rule_for(sensitivity))
        assert tracker.alerts(100.0, _reading(tail), scored=True, level_points=40) is alerts


def test_a_rule_without_likelihood_ignores_it() -> None:
    tracker = IncidentTracker(Rule(level=1.0, rank=2))
    assert not tracker.alerts(100.0, _reading(50.0), scored=True, level_points=40)


def test_a_shorter_horizon_fits_the_recent_runs_only() -> None:
    # A long ordinary past, then a new ordinary: a bit more unusual on every point, for a few hundred points. Fitted
    # over the long past the new normal stays unlikely; resized to a short horizon it becomes ordinary quickly.
    rng = np.random.default_rng(11)
    raw = np.concatenate([rng.random(4_000), 0.5 + 0.5 * rng.random(600)])
    kept, resized = Likelihood(horizon=8_000), Likelihood(horizon=8_000)

    for each in raw[:4_000]:
        kept.add(float(each))
        resized.add(float(each))
    resized.resize(MIN_HISTORY)
    late_kept = [kept.add(float(each)) for each in raw[4_000:]]
    late_resized = [resized.add(float(each)) for each in raw[4_000:]]

    assert float(np.mean(late_kept[-200:])) > 1.2  # about one in fifty, on average, point after point
    assert float(np.mean(late_resized[-200:])) < 0.8
