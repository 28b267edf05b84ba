"""What a series has done before: the r-th largest of a trailing window, and a window resized as the rate is known."""

from __future__ import annotations

from tools.anomaly.precedent import Precedent


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
