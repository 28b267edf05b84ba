"""Small numeric helpers of the anomaly model: clamping, medians by whichever way is faster for their size, and
the bisection that finds where a falling function reaches a level."""

from __future__ import annotations

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


# Up to this many values, sorting a list is several times faster than numpy's median (whose fixed cost per call
# dominates small arrays: a daily series rescales on 30 residuals, ~9 times per point, ~40% of a digest's
# detection); beyond it numpy's partition wins. Both give the same number: the middle value, or the two middle
# values' mean.
SMALL_MEDIAN = 256


def median_of(values: list[float]) -> float:
    """`median` of values that hold no NaN, by whichever way is faster for their count."""
    return median(values) if len(values) <= SMALL_MEDIAN else float(np.median(np.asarray(values)))


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
