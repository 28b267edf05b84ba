"""Small numeric helpers of the anomaly model: clamping, medians by whichever way is faster for their size, and
the bisection that finds where a falling function reaches a level."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return 0.5 * (ordered[mid - 1] + ordered[mid])


# Up to this many values, sorting a list is several times faster than numpy (whose fixed cost per call dominates
# small arrays: a daily series rescales on 30 residuals, ~9 times per point, ~40% of a digest's detection); beyond it
# numpy wins (a week of five-minute residuals is 2,000 values, read every 40 points by each predictor). Both give the
# same number: the middle value, or the two middle values' mean, and numpy's elementwise differences and absolute
# values are the lists' own, summed in the same order for the mean.
SMALL_MEDIAN = 256


def _array_median(array: np.ndarray) -> float:
    """`median` of a non-empty array without NaN, by a partition around the middle (np.median's own way, without
    its fixed cost: a quarter of the time on 2,000 values); its (a + b) / 2 is this 0.5 x (a + b) exactly."""
    mid = array.size // 2
    if array.size % 2:
        return float(np.partition(array, mid)[mid])
    parted = np.partition(array, (mid - 1, mid))
    return 0.5 * (float(parted[mid - 1]) + float(parted[mid]))


def _array(values: list[float]) -> np.ndarray:
    """A list of floats as an array (np.fromiter with its length: a third faster than np.array on a list)."""
    return np.fromiter(values, dtype=np.float64, count=len(values))


def robust_spread(values: list[float]) -> float:
    """1.4826 x the median absolute deviation from the median (a normal's sigma), or where that is 0, 1.2533 x the
    mean absolute deviation from the median; of values that hold no NaN."""
    deviations: list[float] | np.ndarray
    if len(values) <= SMALL_MEDIAN:
        centre = median(values)
        deviations = [abs(value - centre) for value in values]
        mad = 1.4826 * median(deviations)
    else:
        array = _array(values)
        deviations = np.abs(array - _array_median(array))
        mad = 1.4826 * _array_median(deviations)
    return mad if mad > 0 else 1.2533 * float(np.mean(deviations))


def median_size(values: list[float]) -> float | None:
    """The median of the absolute values that are not NaN (None when every value is NaN)."""
    if len(values) <= SMALL_MEDIAN:
        sizes = [abs(value) for value in values if not math.isnan(value)]
        return median(sizes) if sizes else None
    array = np.abs(_array(values))
    array = array[~np.isnan(array)]
    return _array_median(array) if array.size else None


def smallest_at_most(
    falling: Callable[[float], float], level: float, *, low: float, high: float, rel: float = 1e-15
) -> float:
    """The smallest x in [low, high], to `rel` of it, at which `falling` (never rising) is at most `level`, given
    that it is above `level` at `low` and at most `level` at `high` (bisection)."""
    while high - low > rel * high:
        middle = 0.5 * (low + high)
        if falling(middle) > level:
            low = middle
        else:
            high = middle
    return high
