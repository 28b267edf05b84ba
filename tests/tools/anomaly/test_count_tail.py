"""A count's collapse: its lower tail, how its points vary, and the series' own past collapses."""

from __future__ import annotations

import math

import pytest

from tools.anomaly.count_tail import (
    COLLAPSE_DIGITS,
    Collapses,
    collapse_digits,
    lower_tail_digits,
)

NOISE = {"typical": 150.0, "spread": 30.0}


def test_a_counts_lower_tail_is_poissons_or_the_negative_binomials() -> None:
    assert lower_tail_digits(value=0.0, expected=14.0, phi=0.0) == pytest.approx(14 / math.log(10))
    assert lower_tail_digits(value=1.0, expected=14.0, phi=0.0) == pytest.approx(-math.log10(15 * math.exp(-14)))
    # NB2 with phi 0.5 and mean 2: r = 2, p = r / (r + e) = 0.5; P(X <= 1) = p^r (1 + r (1 - p)) = 0.5.
    assert lower_tail_digits(value=1.0, expected=2.0, phi=0.5) == pytest.approx(-math.log10(0.5))
    assert lower_tail_digits(value=5.0, expected=5.0, phi=0.1) == 0.0
    # Far from zero, past the terms summed one by one: the day's factor's tail, continuous with the sum.
    summed = lower_tail_digits(value=1_990.0, expected=19_900.0, phi=0.06)
    approximated = lower_tail_digits(value=2_010.0, expected=20_100.0, phi=0.06)
    assert approximated == pytest.approx(summed, rel=0.15)
    # Poisson's Chernoff bound far from zero: e - v - v log(e / v), in digits.
    far = lower_tail_digits(value=2_500.0, expected=30_000.0, phi=0.0)
    assert far == pytest.approx((30_000 - 2_500 - 2_500 * math.log(12)) / math.log(10))


def test_a_collapse_is_read_only_at_a_tenth_of_the_expected_value() -> None:
    # Hourly counts of typical size 150 with a spread of 30: a day's factor of 0.03 (26) beside Poisson's 12.
    noise = {"typical": 150.0, "spread": 30.0}
    assert collapse_digits(value=30.0, expected=250.0, phi=0.03, **noise) == 0.0
    assert collapse_digits(value=0.0, expected=250.0, phi=0.03, **noise) > 12  # beyond any day's swing or clump
    assert collapse_digits(value=0.0, expected=3.0, phi=0.03, **noise) < 2  # three expected, none came: it happens


def test_a_spread_that_poisson_explains_is_read_as_poisson() -> None:
    poisson = collapse_digits(value=0.0, expected=40.0, phi=0.0, typical=100.0, spread=10.0)
    assert poisson == pytest.approx(40 / math.log(10))


def test_a_spread_wider_than_counts_is_read_as_clumps_or_a_factor_whichever_explains_more() -> None:
    # A spread of 60 at 100: a factor of phi 0.35, or clumps of 36. A zero from 100 is a Poisson zero from 2.8 in
    # clumps (about one in 16), far likelier than a gamma factor of shape 2.9 reaching zero.
    digits = collapse_digits(value=0.0, expected=100.0, phi=0.0, typical=100.0, spread=60.0)
    assert digits == pytest.approx((100 / 36) / math.log(10))
    assert digits < lower_tail_digits(value=0.0, expected=100.0, phi=0.35)


def test_a_count_times_a_thousand_reads_as_the_count() -> None:
    # Counts of typical size 8 whose days vary by 0.02 (variance 8 + 0.02 x 64), and the same counts in thousands:
    # the days vary alike, and what is left of the spread is clumps of a thousand.
    spread = math.sqrt(8.0 + 0.02 * 64.0)
    raw = collapse_digits(value=0.0, expected=15.0, phi=0.02, typical=8.0, spread=spread)
    scaled = collapse_digits(value=0.0, expected=15_000.0, phi=0.02, typical=8_000.0, spread=1_000 * spread)
    assert scaled == pytest.approx(raw)


def test_bursty_bytes_idle_points_are_no_collapse() -> None:
    # Bytes written, 100,000 give or take 60,000: an idle 0 is a few clumps fewer, not a factor of zero.
    assert collapse_digits(value=0.0, expected=100_000.0, phi=0.0, typical=100_000.0, spread=60_000.0) < 2


def test_the_first_collapse_is_news() -> None:
    collapses = Collapses(horizon=1_000)
    assert collapses.add(value=240.0, expected=250.0, phi=0.05, margin=1.03, **NOISE) == ()
    first = collapses.add(value=0.0, expected=250.0, phi=0.05, margin=1.03, **NOISE)
    digits = collapse_digits(value=0.0, expected=250.0, phi=0.05, **NOISE)
    assert first == pytest.approx((digits / COLLAPSE_DIGITS,) * 3) and first[0] > 1
    assert collapses.add(value=0.0, expected=None, phi=0.05, margin=1.03, **NOISE) == ()


def test_a_series_that_idles_now_and_then_is_judged_by_how_often_it_does() -> None:
    # One point in thirty idle (another process than the counts: no count's tail says how rare), so a run of n idle
    # points is (1/30)^n: five in a row are news (7.4 digits), four are not (5.9).
    collapses = Collapses(horizon=3_000)
    for i in range(2_400):
        idle = i % 30 == 0
        reading = collapses.add(value=0.0 if idle else 250.0, expected=250.0, phi=0.05, margin=1.03, **NOISE)
        assert i < 30 or max(reading, default=0.0) < 1
    runs = [collapses.add(value=0.0, expected=250.0, phi=0.05, margin=1.03, **NOISE) for _ in range(5)]
    share = 80 / 2_400
    assert runs[3][1] == pytest.approx(-4 * math.log10(share) / COLLAPSE_DIGITS, rel=0.01)
    assert runs[3][1] < 1
    assert runs[4][1] > 1


def test_a_run_of_empty_points_is_read_as_one_count() -> None:
    # Five-minute orders at 1.5 a point: one empty point is nothing (e^-1.5), ten in a row are e^-15.
    collapses = Collapses(horizon=1_000)
    sparse = {"phi": 0.0, "typical": 1.5, "spread": math.sqrt(1.5), "margin": 1.03}
    readings = [collapses.add(value=0.0, expected=1.5, **sparse) for _ in range(10)]
    total = [lower_tail_digits(value=0.0, expected=1.5 * n, phi=0.0) for n in range(1, 11)]
    assert [max(r, default=0.0) * COLLAPSE_DIGITS for r in readings[:3]] == pytest.approx(total[:3])
    opened = next(n for n, reading in enumerate(readings, 1) if reading and reading[1] >= 1)
    assert total[opened - 1] >= COLLAPSE_DIGITS > total[opened - 2]
    # One order ends the run: the next empty point starts again, and this series has now been empty before.
    collapses.add(value=1.0, expected=1.5, **sparse)
    again = collapses.add(value=0.0, expected=1.5, **sparse)
    assert max(again) < 0.2


def test_collapses_are_forgotten_after_the_horizon() -> None:
    collapses = Collapses(horizon=3)
    collapses.add(value=0.0, expected=250.0, phi=0.05, margin=1.03, **NOISE)
    for _ in range(3):
        collapses.add(value=240.0, expected=250.0, phi=0.05, margin=1.03, **NOISE)
    assert collapses.add(value=0.0, expected=250.0, phi=0.05, margin=1.03, **NOISE)[0] > 1
