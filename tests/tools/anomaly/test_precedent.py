"""What a series has done before: the r-th largest of a trailing window, and a window resized as the rate is known."""

from __future__ import annotations

import random

import pytest

from tools.anomaly.precedent import Largest, Precedent


def test_the_rth_largest_is_of_the_last_horizon_sizes_only() -> None:
    precedent = Precedent(horizon=3)
    for size in (9.0, 1.0, 2.0, 3.0):
        precedent.add(size)  # 9.0 falls out of the window

    assert (precedent.largest(1), precedent.largest(3), precedent.largest(4)) == (3.0, 1.0, 0.0)


def test_a_shorter_horizon_forgets_the_oldest_sizes_at_once_and_a_longer_one_fills_as_sizes_come() -> None:
    precedent = Precedent(horizon=5)
    for size in (9.0, 8.0, 1.0, 2.0, 3.0):
        precedent.add(size)

    precedent.resize(3)
    assert precedent.largest(1) == 3.0  # 9.0 and 8.0, the oldest, are gone

    precedent.resize(5)
    for size in (4.0, 5.0):
        precedent.add(size)
    assert [precedent.largest(r) for r in range(1, 6)] == [5.0, 4.0, 3.0, 2.0, 1.0]


@pytest.mark.parametrize("shape", ["noise", "ties", "shrinking", "mostly_zero"])
def test_largest_keeps_the_same_largest_sizes_as_the_whole_precedent(shape: str) -> None:
    """`Largest` keeps only the sizes above a floor sorted; whatever the sizes do (ties, a window that only loses its
    large sizes, a statistic that is almost always 0) and whatever the window's length does, its largest sizes are
    the whole precedent's."""
    rng = random.Random(shape)
    whole, largest = Precedent(horizon=600), Largest(horizon=600)
    for index in range(3_000):
        size = {
            "noise": rng.expovariate(1.0),
            "ties": float(rng.randint(0, 5)),
            "shrinking": 3_000.0 - index,
            "mostly_zero": rng.expovariate(1.0) if rng.random() < 0.01 else 0.0,
        }[shape]
        whole.add(size)
        largest.add(size)
        if index in (1_000, 2_000):
            horizon = 150 if index == 1_000 else 900
            whole.resize(horizon)
            largest.resize(horizon)
        assert largest.top() == whole.top()
        assert [largest.largest(rank) for rank in (1, 2, 3, 5)] == [whole.largest(rank) for rank in (1, 2, 3, 5)]
