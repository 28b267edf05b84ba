"""What this series has done before: the sizes of one deviation statistic over a trailing window, kept sorted.

A deviation is news when few deviations of its size happened recently. The detector compares each new one with the
r-th largest of the window (r = 1 is "the largest so far"): with r = 2 a single past outlier, or an artefact of the
first days, cannot mask everything smaller for as long as it is remembered. Which r is used is chosen by the
benchmark's cross-validation, not fixed here, so the detector reads all of the first `MAX_RANK` at once.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Sequence
from typing import Protocol

MAX_RANK = 3
# How many of the largest sizes `Largest` keeps sorted (up to twice as many before it trims): enough that its window
# rarely has to be sorted again (at most once per this many points, when sizes only shrink), few enough that a new
# size's place among them is cheap.
KEPT = 256


class Record(Protocol):
    """What the model asks of a statistic's past sizes: add one, the largest few, a new window length."""

    def add(self, size: float) -> None: ...

    def top(self) -> list[float]: ...

    def resize(self, horizon: int) -> None: ...


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


class Largest:
    """`Precedent`'s `largest(r)` and `top()`, the same numbers, for a statistic whose rank among all its past sizes
    is never asked: only the sizes above a floor are kept sorted (every size of the window above it, and how many
    equal it), so a new size, mostly small, costs a comparison instead of a place in a sorted list of four weeks.

    When fewer than `MAX_RANK` are above the floor (the largest sizes left the window and nothing as large came),
    the window is sorted again and the floor set under its `KEPT` largest.
    """

    __slots__ = ("_at_floor", "_floor", "_kept", "_order", "horizon")

    def __init__(self, horizon: int) -> None:
        self.horizon = horizon
        self._order: deque[float] = deque()
        self._kept: list[float] = []  # every size of the window above `_floor`, sorted
        self._floor = -math.inf
        self._at_floor = 0  # sizes of the window equal to `_floor`

    def largest(self, rank: int) -> float:
        return self.top()[rank - 1] if rank <= MAX_RANK else self._ranked(rank)

    def top(self) -> list[float]:
        """`largest(r)` for r = 1..`MAX_RANK`, in one call."""
        known = len(self._kept) + self._at_floor
        if known < min(MAX_RANK, len(self._order)):  # some of the largest are under the floor
            self._rebuild()
        kept = self._kept
        if len(kept) >= MAX_RANK:
            return kept[: -MAX_RANK - 1 : -1]
        top = kept[::-1] + [self._floor] * min(self._at_floor, MAX_RANK - len(kept))
        return top + [0.0] * (MAX_RANK - len(top))

    def add(self, size: float) -> None:
        self._order.append(size)
        if size > self._floor:
            insort(self._kept, size)
            if len(self._kept) > 2 * KEPT:
                self._raise_floor()
        elif size == self._floor:
            self._at_floor += 1
        if len(self._order) > self.horizon:
            self._drop(self._order.popleft())

    def resize(self, horizon: int) -> None:
        """Remember the last `horizon` sizes from now on (the oldest go at once when it shrinks)."""
        self.horizon = horizon
        while len(self._order) > self.horizon:
            self._drop(self._order.popleft())

    def _drop(self, size: float) -> None:
        if size > self._floor:
            del self._kept[bisect_left(self._kept, size)]
        elif size == self._floor:
            self._at_floor -= 1

    def _raise_floor(self) -> None:
        """Keep the `KEPT` largest and those equal to the smallest of them; the rest fall under the new floor."""
        kept = self._kept
        floor = kept[-KEPT - 1]
        above = bisect_right(kept, floor)
        self._at_floor = above - bisect_left(kept, floor)
        self._floor = floor
        del kept[:above]

    def _rebuild(self) -> None:
        self._kept, self._floor, self._at_floor = sorted(self._order), -math.inf, 0
        if len(self._kept) > KEPT:
            self._raise_floor()

    def _ranked(self, rank: int) -> float:
        ordered = sorted(self._order)
        return ordered[-rank] if len(ordered) >= rank else 0.0


def past_ratios(
    stats: Sequence[float], floors: Sequence[float], precedents: Sequence[Record], *, scale: float, margin: float
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
