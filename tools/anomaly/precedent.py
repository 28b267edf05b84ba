"""What this series has done before: the sizes of one deviation statistic over a trailing window, kept sorted.

A deviation is news when few deviations of its size happened recently. The detector compares each new one with the
r-th largest of the window (r = 1 is "the largest so far"): with r = 2 a single past outlier, or an artefact of the
first days, cannot mask everything smaller for as long as it is remembered. Which r is used is chosen by the
benchmark's cross-validation, not fixed here, so the detector reads all of the first `MAX_RANK` at once.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Sequence

MAX_RANK = 3


class Precedent:
    """The last `horizon` sizes of one statistic; `largest(r)` is the r-th largest of them (0 while fewer)."""

    __slots__ = ("_order", "_sorted", "horizon")

    def __init__(self, horizon: int) -> None:
        self.horizon = horizon
        self._order: deque[float] = deque()
        self._sorted: list[float] = []

    def largest(self, rank: int) -> float:
        return self._sorted[-rank] if len(self._sorted) >= rank else 0.0

    def top(self) -> list[float]:
        """`largest(r)` for r = 1..`MAX_RANK`, in one call."""
        top = self._sorted[: -MAX_RANK - 1 : -1]
        return top + [0.0] * (MAX_RANK - len(top))

    def share_below(self, size: float) -> float:
        """The share of the remembered sizes smaller than `size` (0.5 while none is remembered)."""
        if not self._sorted:
            return 0.5
        return bisect_left(self._sorted, size) / len(self._sorted)

    def add(self, size: float) -> None:
        order, ordered = self._order, self._sorted
        order.append(size)
        insort(ordered, size)
        if len(order) > self.horizon:  # once full, one in and one out: inline, as it runs nine times a point
            del ordered[bisect_left(ordered, order.popleft())]

    def resize(self, horizon: int) -> None:
        """Remember the last `horizon` sizes from now on (the oldest go at once when it shrinks)."""
        self.horizon = horizon
        self._forget()

    def _forget(self) -> None:
        while len(self._order) > self.horizon:
            del self._sorted[bisect_left(self._sorted, self._order.popleft())]


def past_ratios(
    stats: Sequence[float], floors: Sequence[float], precedents: Sequence[Precedent], *, scale: float, margin: float
) -> list[tuple[float, ...]]:
    """Per rank r = 1..`MAX_RANK`, per statistic (signed, in spreads of `scale`): how far its size went past
    max(its floor, `margin` x the r-th largest size of its precedent, in the series' units).

    Lists rather than generators: this runs for each predictor at every point."""
    sizes = [abs(stat) for stat in stats]
    # Per statistic, its bound at each rank (the precedents' sizes are read once, in rank order, in one slice).
    bounds = [
        [low if low > (bound := margin * top / scale) else bound for top in each.top()]
        for low, each in zip(floors, precedents, strict=True)
    ]
    return [tuple([size / bound[r] for size, bound in zip(sizes, bounds, strict=True)]) for r in range(MAX_RANK)]
