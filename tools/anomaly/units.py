"""Whether a series' values are counts, and counts of what: whole numbers, or a rate of counts.

A count's noise has a floor (Poisson's), and a count that stops has a lower tail of its own (`count_tail.py`); both
are read in events, not in the series' units. Purchases or requests are often reported as a rate: a count per
minute over an hour is a multiple of 1/60, a count per second over five minutes one of 1/300. Read as plain
numbers, those lose the count's floor (0.05 a minute is three events in the hour, and varies as three events do) and
its lower tail, and the same shop alerts on noise and misses its outage depending only on how it reports them. So
the values' common grid is found as they come (the greatest common divisor of the values, to rounding), and a grid
of 1/n, n whole, makes the values counts of 1/n: the count machinery reads value x n.

Decimal grids are left out on purpose: a percentage or a CPU load written with two or three decimals has a grid of
1/100 or 1/1000, or of 1/50 or 1/500 when its last digits happen to be even, and is no count. So n must have a prime
factor other than 2 and 5, as a time's does (60, 300, 3,600, 1,440, 86,400: a count per minute, per second, per
day...). Whole numbers keep the unit 1 whatever their common divisor, as before.
"""

from __future__ import annotations

import math

# The finest rate of counts read as such: a count per second over a day. A finer grid is a measured number.
MAX_DIVISOR = 86_400
# Relative rounding allowed between a value and the grid (floats of k / n are k / n to about 1e-16).
GRID_TOLERANCE = 1e-9


def common_grid(a: float, b: float) -> float:
    """The largest g (to `GRID_TOLERANCE`) of which both positive `a` and `b` are whole multiples (Euclid's)."""
    tolerance = GRID_TOLERANCE * max(a, b)
    while b > tolerance:
        rest = math.fmod(a, b)
        if b - rest <= tolerance:  # a whole multiple, less a rounding
            rest = 0.0
        a, b = b, rest
    return a


def _divisor(grid: float) -> int | None:
    """n when `grid` is 1/n for a whole n in 2..`MAX_DIVISOR` that does not divide a power of ten, else None."""
    n = round(1.0 / grid)
    # 1/grid carries the rounding of every step of Euclid's that found the grid: allowed a thousand times more.
    if not 2 <= n <= MAX_DIVISOR or abs(1.0 / grid - n) > GRID_TOLERANCE * n * 1e3:
        return None
    rest = n
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    return None if rest == 1 else n


class CountUnit:
    """Feed every finite value (`add`); `unit` is then the size of one event in the series' units (1 for whole
    numbers, 1/n for a rate of counts), or None while the values are not counts. A negative value, or values with no
    common grid as coarse as 1/`MAX_DIVISOR`, are never counts again."""

    __slots__ = ("_grid", "_never", "unit")

    def __init__(self) -> None:
        self._grid: float | None = None
        self._never = False
        self.unit: float | None = 1.0

    @property
    def size(self) -> float:
        """`unit`, or 1 when the values are not counts (what counts are read in, for them, changes nothing)."""
        return 1.0 if self.unit is None else self.unit

    def add(self, value: float) -> None:
        if self._never or value == 0:
            return
        if value < 0:
            self._never, self.unit = True, None
            return
        grid = value if self._grid is None else common_grid(self._grid, value)
        self._grid = grid
        if grid == round(grid):
            self.unit = 1.0
            return
        if grid * MAX_DIVISOR < 1.0 - GRID_TOLERANCE:
            self._never, self.unit = True, None
            return
        n = _divisor(grid)
        self.unit = None if n is None else 1.0 / n
