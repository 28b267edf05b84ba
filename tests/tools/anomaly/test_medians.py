"""The model's medians: the list path for small windows and numpy's give numpy's number."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tools.anomaly.medians import SMALL_MEDIAN, median_of


@pytest.mark.parametrize("count", [1, 2, 29, 30, SMALL_MEDIAN, SMALL_MEDIAN + 1, 2_000])
def test_median_of_is_numpys_median(count: int) -> None:
    rng = random.Random(count)
    values = [rng.gauss(0, 100) for _ in range(count)]
    assert median_of(values) == float(np.median(np.asarray(values)))
