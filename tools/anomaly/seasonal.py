"""A seasonal profile's value at a moment: the median of the series at the same time one, two, ... periods before."""

from __future__ import annotations

import math
from bisect import bisect_left

from tools.anomaly.medians import median


def seasonal_value(
    times: list[float], values: list[float], *, t: float, step: float, period: float | None, lookbacks: int, found: int
) -> float | None:
    """The median of the values nearest to t - k periods (k = 1..`lookbacks`, within 0.6 of a step), or None with
    fewer than `found` of them or a period too short for the sampling interval (under four steps); 0 without a
    period (the level alone)."""
    if period is None:
        return 0.0
    if step <= 0 or step * 4 > period:
        return None
    tolerance = 0.6 * step
    near: list[float] = []
    end = len(times)
    for back in range(1, lookbacks + 1):
        target = t - back * period
        if not times or target < times[0] - tolerance:
            break
        # The closest point within the tolerance, the later one on a tie: the one just before `target` or the one
        # at or after it (each look-back's lies before the previous one's).
        end = i = bisect_left(times, target, 0, end)
        best: float | None = None
        if i > 0 and (gap := target - times[i - 1]) <= tolerance and not math.isnan(values[i - 1]):
            best = values[i - 1]
        else:
            gap = tolerance
        if i < len(times) and times[i] - target <= gap and not math.isnan(values[i]):
            best = values[i]
        if best is not None:
            near.append(best)
    if len(near) < found:
        return None
    return median(near)
