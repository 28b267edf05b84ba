"""A seasonal profile's value, and a sparse count's rate from how often it was empty."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.anomaly.seasonal import seasonal_value, zero_rate

DAY = 86_400.0
STEP = 300.0


def test_a_seasonal_value_is_the_median_of_the_same_time_on_past_periods() -> None:
    times = [k * DAY for k in range(5)]
    values = [1.0, 9.0, 2.0, 3.0, 100.0]
    assert seasonal_value(times, values, t=5 * DAY, step=DAY / 24, period=DAY, lookbacks=3, found=2) == 3.0
    assert seasonal_value(times, values, t=5 * DAY, step=DAY / 2, period=DAY, lookbacks=3, found=2) is None


def test_a_sparse_counts_rate_is_read_from_its_empty_points_not_its_bursts() -> None:
    rng = np.random.default_rng(3)
    times = [i * STEP for i in range(8 * 288)]
    values = [float(v) for v in rng.poisson(0.8, len(times))]
    now = 8 * DAY
    assert zero_rate(times, values, t=now, seasons=[(DAY, 7)]) == pytest.approx(0.8, rel=0.2)
    # A burst of 200 at the same time yesterday doubles the mean there, not the share of empty points.
    burst = list(values)
    burst[7 * 288] = 200.0
    assert zero_rate(times, burst, t=now, seasons=[(DAY, 7)]) == pytest.approx(0.8, rel=0.25)
    # Never empty: finite (half a zero), large.
    assert zero_rate(times, [5.0] * len(times), t=now, seasons=[(DAY, 7)]) == pytest.approx(math.log(2 * 92))
    assert zero_rate([], [], t=now, seasons=[(DAY, 7)]) is None


def test_the_quieter_season_decides() -> None:
    # Weekdays at 2 a point, weekends at 0.2: on a Saturday the weekly season (past Saturdays) is the quieter one.
    rng = np.random.default_rng(5)
    times = [i * STEP for i in range(29 * 288)]
    values = [float(rng.poisson(0.2 if (t // DAY) % 7 >= 5 else 2.0)) for t in times]
    saturday = 33 * DAY + DAY / 2  # noon on day 33, a Saturday in this calendar (33 % 7 == 5)
    daily = zero_rate(times, values, t=saturday, seasons=[(DAY, 7)])
    weekly = zero_rate(times, values, t=saturday, seasons=[(7 * DAY, 4)])
    both = zero_rate(times, values, t=saturday, seasons=[(DAY, 7), (7 * DAY, 4)])
    assert weekly is not None and daily is not None and weekly < daily
    assert both == weekly == pytest.approx(0.2, rel=0.5)
