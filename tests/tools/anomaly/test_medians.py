"""The model's medians: the list path for small windows and numpy's give the same numbers."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from tools.anomaly.medians import SMALL_MEDIAN, median, median_size, robust_spread


def _spread_by_lists(values: list[float]) -> float:
    # What the model computed before numpy took over the long windows: lists throughout.
    centre = median(values)
    spread = [abs(value - centre) for value in values]
    mad = 1.4826 * median(spread)
    return mad if mad > 0 else 1.2533 * float(np.mean(spread))


@pytest.mark.parametrize("count", [1, 2, 29, 30, SMALL_MEDIAN, SMALL_MEDIAN + 1, 2_000, 2_001])
def test_median_is_numpys_median(count: int) -> None:
    rng = random.Random(count)
    values = [rng.gauss(0, 100) for _ in range(count)]
    assert median(values) == float(np.median(np.asarray(values)))


@pytest.mark.parametrize("count", [1, 2, 30, SMALL_MEDIAN, SMALL_MEDIAN + 1, 2_000, 2_001])
def test_the_robust_spread_is_the_same_number_either_way(count: int) -> None:
    rng = random.Random(count)
    values = [rng.gauss(0, 100) for _ in range(count)]
    # Quantised values: the median absolute deviation is 0 and the mean absolute deviation is used.
    flat = [round(rng.random() * 0.6) * 3.0 for _ in range(count)]

    assert robust_spread(values) == _spread_by_lists(values)
    assert robust_spread(flat) == _spread_by_lists(flat)


@pytest.mark.parametrize("count", [1, 30, SMALL_MEDIAN + 1, 2_000])
def test_the_median_size_skips_missing_values(count: int) -> None:
    rng = random.Random(count)
    values = [math.nan if rng.random() < 0.2 else rng.gauss(0, 100) for _ in range(count)]
    sizes = [abs(value) for value in values if not math.isnan(value)]

    assert median_size(values) == (median(sizes) if sizes else None)
    assert median_size([math.nan] * count) is None
