"""How new the latest stretch of a series is: its distance to the closest stretch of the series' own past.

The other readings compare each point with what a predictor expected; they are blind to a change that keeps the
values near the expected level but changes their pattern: a noisier or a stalled stretch, a daily cycle that loses
its peak, bursts that come in a new rhythm. This reading asks the question the best unsupervised detectors on NAB
ask in one form or another (HTM's sequence memory, CAD OSE's contexts, ARTime's categories): has the series done
this before? Written from the description of the left matrix profile (Yeh et al., "Matrix Profile I", ICDM 2016;
Zhu et al., "Matrix Profile II", 2016): the last `PATTERN_POINTS` values form a window, and its nearest neighbour is
sought among every earlier window of the same length in the past four weeks that does not overlap it. Windows are
compared as they are (not z-normalised), so a new level, spread or shape all count, and a seasonal series finds its
neighbour in yesterday's or last week's same hours.

The distance is the root mean square difference per point, in the series' own units; the caller turns it into
spreads and compares it with the distances this series produced before (`tools.anomaly.surprise`), exactly as it
does with a point's deviation, with a floor from the chi-square distribution (`novelty_floor`).

Cost: one sliding dot product per point (numpy's `correlate`, `PATTERN_POINTS` multiplications per past window)
over a ring buffer, so a 5-minute series with four weeks of history costs tens of microseconds a point.
"""

from __future__ import annotations

import math

import numpy as np

from tools.anomaly.medians import smallest_at_most
from tools.anomaly.precedent import MAX_RANK, Largest

# Points per window: the short shift scale's length (`tools.anomaly.surprise.SCALES`), so the reading sees the same
# span as the shortest run the model already reads, as a pattern instead of a median.
PATTERN_POINTS = 8
# Chance that two windows of the same pattern under independent normal noise differ by the floor or more.
FLOOR_TAIL = 1e-6


def chi_square_upper_quantile(tail: float, dof: int) -> float:
    """x with P(X >= x) = tail for X ~ chi-square(dof), dof even (closed-form survival, solved by bisection)."""
    if dof <= 0 or dof % 2:
        raise ValueError("dof must be a positive even number")

    def survival(x: float) -> float:
        term, total = 1.0, 1.0
        for j in range(1, dof // 2):
            term *= 0.5 * x / j
            total += term
        return math.exp(-0.5 * x) * total

    low, high = 0.0, 1.0
    while survival(high) > tail:
        high *= 2.0
    return smallest_at_most(survival, tail, low=low, high=high)


def novelty_floor(points: int = PATTERN_POINTS, tail: float = FLOOR_TAIL) -> float:
    """The smallest distance, in residual spreads, that can ever look new.

    Two windows of the same pattern, each point off by independent normal noise of spread s, differ by
    sum((a - b)^2) / (2 s^2) ~ chi-square(points): the root mean square difference beyond which that happens with
    probability `tail` is sqrt(2 q / points), q the chi-square quantile (3.2 spreads for 8 points at one in a million).
    """
    return math.sqrt(2.0 * chi_square_upper_quantile(tail, points) / points)


class Novelty:
    """Feed every point in time order (`add`; NaN for a missing one); each returns the current window's distance to
    its nearest earlier non-overlapping window within `horizon` points, or None while there is none to compare."""

    __slots__ = ("_end", "_last_missing", "_length", "_origin", "_squares", "_values", "horizon", "min_windows")

    def __init__(self, horizon: int, *, length: int = PATTERN_POINTS, min_windows: int = PATTERN_POINTS) -> None:
        self.horizon = max(horizon, 2 * length)
        self.min_windows = max(min_windows, 1)
        self._length = length
        capacity = 2 * (self.horizon + 2 * length)
        self._values = np.zeros(capacity)  # values minus `_origin`, NaN stored as 0
        self._squares = np.full(capacity, math.inf)  # by window start: its sum of squares, inf if it holds a NaN
        self._end = 0  # one past the newest value in the buffers
        self._origin: float | None = None  # subtracted from every value, so large values keep their precision
        self._last_missing = -(10**9)  # buffer index of the newest NaN

    def add(self, value: float) -> float | None:
        m = self._length
        self._compact()
        end = self._end
        missing = math.isnan(value)
        if missing:
            self._values[end] = 0.0
            self._last_missing = end
        else:
            if self._origin is None:
                self._origin = value
            self._values[end] = value - self._origin
        self._end = end + 1
        start = end - m + 1  # the current window is [start, end]
        if start < 0:
            return None
        if end - self._last_missing < m:
            self._squares[start] = math.inf
            return None
        window = self._values[start : end + 1]
        own = float(window @ window)
        self._squares[start] = own
        first = max(0, start - self.horizon)
        last = start - m  # the newest start of a window that ends before the current one begins
        if last - first + 1 < self.min_windows:
            return None
        # The squared distances are squares - 2 cross + own; own is added after the minimum (rounding is monotone,
        # so it is the same number), in place: two passes over four weeks of windows instead of four.
        cross = np.correlate(self._values[first:start], window, mode="valid")
        cross *= -2.0
        cross += self._squares[first : last + 1]
        nearest = float(cross.min()) + own
        if math.isinf(nearest):
            return None
        return math.sqrt(max(nearest, 0.0) / m)

    def resize(self, horizon: int, *, min_windows: int) -> None:
        """Search the last `horizon` windows, and read once `min_windows` are there, from now on (the newest values
        are kept; a longer horizon fills as new points arrive)."""
        self.min_windows = max(min_windows, 1)
        horizon = max(horizon, 2 * self._length)
        if horizon == self.horizon:
            return
        keep = min(self._end, horizon + 2 * self._length)
        shift = self._end - keep
        values = np.zeros(2 * (horizon + 2 * self._length))
        squares = np.full(values.size, math.inf)
        values[:keep] = self._values[shift : self._end]
        squares[:keep] = self._squares[shift : self._end]
        self._values, self._squares = values, squares
        self._end = keep
        self._last_missing -= shift
        self.horizon = horizon

    def _compact(self) -> None:
        """Keep the ring's newest part at the front once the buffer is full (amortised: once per horizon)."""
        if self._end < len(self._values):
            return
        keep = self.horizon + 2 * self._length
        shift = self._end - keep
        self._values[:keep] = self._values[shift : self._end]
        self._squares[:keep] = self._squares[shift : self._end]
        self._squares[keep:] = math.inf
        self._end = keep
        self._last_missing -= shift


class PatternNovelty:
    """The novelty reading of one series: `add` returns, per precedent rank r = 1..`ranks`, how far the current
    window's distance to its nearest past window went past max(the floor, `margin` x the r-th largest such distance
    of the past `record_seconds`), in the spread `scale` of today's residuals (empty while nothing can be judged, or
    when no scale is given). Windows are sought over the past `record_seconds` too, and read once a day of them
    (`day_seconds`) is there, so a daily cycle has been seen once before anything in it can look new.

    Sized from the sampling interval `step` (seconds) the first time it is known, and again by `resize` when the
    caller's estimate of it moves (the first gaps of an irregular series are no guide to its rate). Distances are
    remembered in the series' own units, as the model remembers deviations, so a spread estimate that wanders cannot
    turn an old distance into a record.
    """

    __slots__ = ("_day", "_floor", "_margin", "_precedent", "_ranks", "_record", "_windows")

    def __init__(self, *, record_seconds: float, day_seconds: float, margin: float, ranks: int) -> None:
        self._record = record_seconds
        self._day = day_seconds
        self._windows: Novelty | None = None
        self._precedent: Largest | None = None
        self._floor = novelty_floor()
        if not 1 <= ranks <= MAX_RANK:
            raise ValueError(f"ranks must be 1..{MAX_RANK}")
        self._margin = margin
        self._ranks = ranks

    def resize(self, *, step: float) -> None:
        """Size the search and the precedents in points from the sampling interval `step` (seconds): at first, and
        again whenever its estimate moves, so that four weeks stay four weeks and a day a day."""
        if step <= 0:
            return
        horizon = int(min(max(self._record / step, 50), 20_000))
        day = int(min(max(self._day / step, PATTERN_POINTS), 300))
        if self._windows is None or self._precedent is None:
            self._windows = Novelty(horizon, min_windows=day)
            self._precedent = Largest(horizon)
        else:
            self._windows.resize(horizon, min_windows=day)
            self._precedent.resize(horizon)

    def add(self, value: float, *, scale: float | None, step: float) -> tuple[float, ...]:
        if self._windows is None or self._precedent is None:
            self.resize(step=step)
            if self._windows is None or self._precedent is None:
                return ()
        distance = self._windows.add(value)
        if distance is None:
            return ()
        ratios: tuple[float, ...] = ()
        if scale is not None and scale > 0:
            floor = self._floor * scale
            ratios = tuple(distance / max(floor, self._margin * top) for top in self._precedent.top()[: self._ranks])
        self._precedent.add(distance)
        return ratios
