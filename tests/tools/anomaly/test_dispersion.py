"""A count's noise against counts': the Poisson floor's gate, and the day-to-day variation (NB2 phi) read from
consecutive days' totals, which a trend does not inflate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.anomaly.dispersion import (
    CHI2_1_MEDIAN,
    CountNoise,
    DayFactor,
    chi_square_quantile,
    day_floors,
    less_dispersed_than_counts,
    nb2_phi,
    skewed_width,
)

HOUR = 3600.0


def _profile(hour: int) -> float:
    return 10.0 * (0.1 + 1.3 * 0.5 * (1 - math.cos(2 * math.pi * hour / 24)))


def _phi(*, days: int, spread: float, growth: float, seed: int) -> float:
    """phi of hourly counts whose day factor is lognormal(0, spread) and whose level grows by `growth` a day, read
    against a profile that never moves (as a median of past weeks lags a season's ramp)."""
    rng = np.random.default_rng(seed)
    factor = DayFactor()
    for day in range(days):
        level = (1 + growth) ** day * (rng.lognormal(0.0, spread) if spread else 1.0)
        for hour in range(24):
            expected = 20 * _profile(hour)
            factor.add((24 * day + hour) * HOUR, float(rng.poisson(expected * level)), expected, day_points=24)
    return factor.phi


def test_chi_square_quantile_is_wilson_hilferty() -> None:
    assert chi_square_quantile(30, 0.0) == pytest.approx(29.336, abs=0.01)  # chi-square(30)'s median
    assert chi_square_quantile(100, -4.753) == pytest.approx(46.3, abs=0.1)


def test_the_gate_keeps_counts_and_drops_a_ceiling_minus_a_count() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(480, 168)
    ceiling = 500 - rng.poisson(20, 168)

    assert not less_dispersed_than_counts([float((v - 480) ** 2 / 480) for v in counts])
    # The same level, but the noise of a count of 20: far steadier than counts of 480 can be.
    assert less_dispersed_than_counts([float((v - 480) ** 2 / 480) for v in ceiling])
    assert not less_dispersed_than_counts([0.0] * 7)  # too few to say


def test_phi_is_the_variance_of_a_days_factor() -> None:
    poisson = [_phi(days=29, spread=0.0, growth=0.0, seed=seed) for seed in range(8)]
    varying = [_phi(days=29, spread=0.1, growth=0.0, seed=seed) for seed in range(8)]

    assert max(poisson) < 0.002
    assert 0.005 < float(np.median(varying)) < 0.02  # a lognormal factor of 10 %: variance 0.0101


def test_a_ramp_is_not_read_as_day_to_day_noise() -> None:
    # Days 3 % above the day before, for four weeks, against a profile that stays put: every day is far above its
    # profile (a season's ramp a median of past weeks lags), but consecutive days agree, so phi stays a count's.
    ramp = [_phi(days=29, spread=0.0, growth=0.03, seed=seed) for seed in range(8)]

    assert max(ramp) < 0.002


def test_no_phi_before_eight_pairs_of_consecutive_days() -> None:
    assert _phi(days=8, spread=0.3, growth=0.0, seed=1) == 0.0
    assert _phi(days=10, spread=0.3, growth=0.0, seed=1) > 0.0


def test_day_floors_widen_by_a_days_factor_and_never_narrow() -> None:
    floors = (4.5, 3.0, 2.0)
    # Expected 400 with a spread of 20 (the Poisson spread): a day's factor of 10 % moves it by 40 more.
    point, short, long = day_floors(floors, phi=0.01, expected=400.0, scale=20.0, shifts=[0.0, 150.0], rise=True)

    assert point == pytest.approx(4.5 * skewed_width(expected=400.0, phi=0.01, z=4.5, rise=True) / 20)
    assert short == pytest.approx(3.0)  # a shift over a flat stretch of the profile: no day's factor in it
    assert long == pytest.approx(2.0 * math.sqrt(20**2 + 0.01 * 150**2) / 20)
    for rise in (True, False):
        wide = day_floors(floors, phi=0.01, expected=400.0, scale=80.0, shifts=[0.0, 0.0], rise=rise)
        assert wide == pytest.approx(floors)


def test_a_counts_width_is_symmetric_without_a_days_factor_and_skewed_with_one() -> None:
    for e in (1.0, 30.0, 5000.0):
        for rise in (True, False):
            assert skewed_width(expected=e, phi=0.0, z=4.5, rise=rise) == pytest.approx(math.sqrt(e))
    # A small phi: as the symmetric spread, within a few percent.
    for rise in (True, False):
        width = skewed_width(expected=400.0, phi=0.0004, z=4.5, rise=rise)
        assert width == pytest.approx(math.sqrt(400 + 0.0004 * 400**2), rel=0.05)
    # Days 25 % apart (phi 0.06): read symmetrically, zero is 1 / sqrt(phi) = 4.1 spreads from any large count, so a
    # drop to zero could never pass a floor of 4.5; a gamma's lower tail is short, so it does. A rise needs more.
    e, symmetric = 253.0, math.sqrt(253 + 0.06 * 253**2)
    assert 4.5 * symmetric > e > 4.5 * skewed_width(expected=e, phi=0.06, z=4.5, rise=False)
    assert skewed_width(expected=e, phi=0.06, z=4.5, rise=True) > 1.3 * symmetric


def test_the_gamma_factors_quantile_is_close_to_the_sampled_one() -> None:
    # The day part of the width (Poisson part removed) at z = 3 against a gamma of mean 1 and variance phi, sampled.
    rng = np.random.default_rng(0)
    phi, e, z = 0.06, 1e6, 3.0
    draws = rng.gamma(1 / phi, phi, 2_000_000)
    for rise, tail in ((True, 1 - 0.99865), (False, 0.00135)):
        width = skewed_width(expected=e, phi=phi, z=z, rise=rise)
        day = math.sqrt((z * width) ** 2 - z * z * e) / e
        sampled = np.quantile(draws, 1 - tail if rise else tail)
        assert (1 + day if rise else 1 - day) == pytest.approx(sampled, rel=0.01)


def test_sparse_counts_are_counts() -> None:
    # Purchases at 0.2 a point, predicted by a median (0): nothing below one expected is read by the gate, so the
    # Poisson floor stays (it was dropped, and a spread of 0.1 made every 3 a record).
    rng = np.random.default_rng(4)
    noise = CountNoise()
    for value in rng.poisson(0.2, 2_000):
        noise.add(residual=float(value), expected=0.0, window=2_000)
    noise.refresh(2_000)

    assert noise.counts_like


def _phi_by_bisection(factors: list[tuple[int, float, float]]) -> float:
    """The definition, solved the slow way: bisect over phi on the median of every pair's ratio."""
    terms = []
    for (day, factor, profile), (before, factor_before, profile_before) in zip(factors[1:], factors, strict=False):
        mean = 0.5 * (factor + factor_before)
        if day - before == 1 and mean > 0:
            terms.append(((factor - factor_before) ** 2, mean * (1 / profile + 1 / profile_before), 2 * mean * mean))
    if len(terms) < 8:
        return 0.0

    def median(phi: float) -> float:
        return float(np.median([d2 / (poisson + phi * r2) for d2, poisson, r2 in terms]))

    if median(0.0) <= CHI2_1_MEDIAN:
        return 0.0
    low, high = 0.0, max(d2 / (CHI2_1_MEDIAN * r2) for d2, _, r2 in terms)
    for _ in range(200):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if median(middle) > CHI2_1_MEDIAN else (low, middle)
    return high


@pytest.mark.parametrize("days", [9, 10, 17, 28])
def test_phi_solved_directly_is_the_bisections(days: int) -> None:
    rng = np.random.default_rng(days)
    for _ in range(200):
        spread = rng.choice([0.0, 0.02, 0.1, 0.4])
        profile = rng.choice([5.0, 200.0, 5000.0])
        factors = [
            (day, float(rng.poisson(profile * rng.lognormal(0, spread)) / profile), profile)
            for day in range(days)
            if rng.random() > 0.05  # a day missing now and then: only consecutive days pair
        ]
        assert nb2_phi(factors) == pytest.approx(_phi_by_bisection(factors), rel=1e-9, abs=1e-15)
