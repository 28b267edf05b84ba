"""A seasonal profile's value at a moment: the median of the series at the same time one, two, ... periods before;
and a sparse count's rate there, from how often it was empty."""

from __future__ import annotations

import math
from bisect import bisect_left

from tools.anomaly.medians import median

# Half the span around the same time of day whose empty points give a sparse count's rate (`zero_rate`): an hour in
# all, enough points at five minutes for a share of zeros (13 a day), narrow enough that a daily profile barely
# moves within it. By design.
SPARSE_SPAN = 1800.0


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


def zero_rate(times: list[float], values: list[float], *, t: float, seasons: list[tuple[float, int]]) -> float | None:
    """A sparse count's rate at t from how often it was empty within `SPARSE_SPAN` of t - k periods (k = 1..the
    look-backs, per (period, look-backs) of `seasons`): -log of the share of zeros, as for Poisson counts
    (P(0) = e^-rate), half a zero added so that none stays finite; the least of the seasons' (the quieter reading),
    None without any value.

    A median predicts a count of 0.8 a point as 0 or 1, and a mean is swollen by one burst; the share of empty
    points is neither, and it is what a run of zeros is judged by (n zeros where a share p of points is empty:
    p^n). Counts whose rate varies more than Poisson's are empty more often than their mean says, so it errs low,
    on the quiet side; the weekly season keeps a weekend's quiet hours from being read against weekdays'."""
    rates = []
    for period, lookbacks in seasons:
        zeros, count = 0, 0
        for back in range(1, lookbacks + 1):
            target = t - back * period
            if not times or target + SPARSE_SPAN < times[0]:
                break
            low = bisect_left(times, target - SPARSE_SPAN)
            high = bisect_left(times, target + SPARSE_SPAN + 1e-9)
            for value in values[low:high]:
                if not math.isnan(value):
                    zeros += value == 0
                    count += 1
        if count:
            rates.append(-math.log((zeros + 0.5) / (count + 1)))
    return min(rates, default=None)
