"""How a count's noise compares with counts': whether the Poisson floor applies, and how much its days vary.

A non-negative integer series is taken for counts, and its spread is floored at the Poisson spread sqrt(expected).
Two things here refine that, both from the series' own history and with no constant chosen by a score:

- The gate (`less_dispersed_than_counts`): a predictor's squared Pearson residuals, residual^2 / expected, sum to
  about chi-square with n degrees of freedom for Poisson counts (prediction errors only add to it). A sum below
  chi-square's lower one-in-a-million tail says the series is not counts of independent events (a ceiling minus a
  count, a mirrored count, an integer reading of something else), and the Poisson floor is dropped for that
  predictor.
- A day's factor (`DayFactor`): web counts vary more than Poisson counts from day to day (a day of a campaign, of
  weather, of news), like a negative binomial with variance expected + phi x expected^2 (NB2), phi the relative
  variance of the day's factor. It is read from day totals: each day's total over its seasonal profile's total is
  that day's factor; consecutive days' factors differ by the noise of both (their variance adds), while a trend
  the profile has not caught up with (a season's ramp, a profile that is a median of past weeks) moves them
  together and cancels out of the difference. phi is the smallest value at which the last four weeks' squared
  differences, each over its variance, have chi-square(1)'s median.
"""

from __future__ import annotations

import math
from collections import deque

from tools.anomaly.medians import smallest_at_most

# The lower one-in-a-million tail of a standard normal (the model's alarm level, one in a million, as the
# likelihood's six digits and the novelty's floor).
GATE_Z = -4.753
# The fewest values the gate or phi is read from: the model's `MIN_RESIDUALS` (a median needs a handful).
MIN_COUNTS = 8
# The median of chi-square with one degree of freedom.
CHI2_1_MEDIAN = 0.4549
# Days of factors remembered: the model's four weeks of precedents (`RECORD_WINDOW`).
FACTOR_DAYS = 28
DAY = 86_400.0


def chi_square_quantile(degrees: int, z: float) -> float:
    """Chi-square's quantile at the standard normal's `z` (Wilson and Hilferty, 1931; it errs low in the far lower
    tail: about 1e-8 in place of 1e-6 at 8 degrees of freedom, 9e-7 at 100)."""
    a = 2.0 / (9.0 * degrees)
    return degrees * max(0.0, 1.0 - a + z * math.sqrt(a)) ** 3


def less_dispersed_than_counts(pearson: list[float]) -> bool:
    """True when squared Pearson residuals sum below chi-square's lower one-in-a-million tail (not counts)."""
    if len(pearson) < MIN_COUNTS:
        return False
    return sum(pearson) < chi_square_quantile(len(pearson), GATE_Z)


def nb2_phi(factors: list[tuple[int, float, float]]) -> float:
    """phi from days' (day, factor, profile total): the smallest phi >= 0 at which consecutive days' squared
    differences, each over its variance, have chi-square(1)'s median (0 with fewer than `MIN_COUNTS` of them).

    A factor r = total / profile of a count with mean r x profile has variance r / profile + phi r^2, so the
    difference of two days' has r (1 / profile_1 + 1 / profile_2) + 2 phi r^2, r their mean.
    """
    terms: list[tuple[float, float, float]] = []  # (squared difference, Poisson part, 2 r^2)
    for (day, factor, profile), (before, factor_before, profile_before) in zip(factors[1:], factors, strict=False):
        mean = 0.5 * (factor + factor_before)
        if day - before == 1 and mean > 0:
            terms.append(((factor - factor_before) ** 2, mean * (1 / profile + 1 / profile_before), 2 * mean * mean))
    if len(terms) < MIN_COUNTS:
        return 0.0
    return _median_solution(terms)


def _median_solution(terms: list[tuple[float, float, float]]) -> float:
    """The smallest phi >= 0 at which the median of d2 / (poisson + phi r2) over `terms` is at most
    `CHI2_1_MEDIAN`.

    Solved directly rather than by bisecting over every term's ratio: this runs for every predictor at every day's
    end (at every point of a daily series), and the digest's daily detection ran twice as long with the bisection.
    A term's ratio falls as phi grows and reaches the target at its own threshold t = (d2 / target - poisson) / r2.
    With an odd number of terms the median is at most the target exactly when the middle one is, from the middle
    threshold on. With an even number it is the mean of the two middle ratios, and between the two middle
    thresholds the terms whose ratio is at or under the target are the lower half by threshold, so the two middle
    ratios are the largest of that half and the smallest of the other: a bisection over those two alone.
    """
    ranked = sorted(((d2 / CHI2_1_MEDIAN - poisson) / r2, d2, poisson, r2) for d2, poisson, r2 in terms)
    half = len(ranked) // 2
    if len(ranked) % 2:
        return max(0.0, ranked[half][0])
    low, high = max(0.0, ranked[half - 1][0]), max(0.0, ranked[half][0])
    lower, upper = ranked[:half], ranked[half:]

    def median(phi: float) -> float:
        largest_lower = max(d2 / (poisson + phi * r2) for _, d2, poisson, r2 in lower)
        smallest_upper = min(d2 / (poisson + phi * r2) for _, d2, poisson, r2 in upper)
        return 0.5 * (largest_lower + smallest_upper)

    if median(low) <= CHI2_1_MEDIAN:
        return low
    return smallest_at_most(median, CHI2_1_MEDIAN, low=low, high=high, rel=1e-12)


class DayFactor:
    """One predictor's day totals (values, and its seasonal profile's) and the NB2 phi they imply."""

    __slots__ = ("_day", "_points", "_profile", "_total", "factors", "phi")

    def __init__(self) -> None:
        self._day: int | None = None
        self._total = 0.0
        self._profile = 0.0
        self._points = 0
        self.factors: deque[tuple[int, float, float]] = deque()  # (day, total / profile, profile)
        self.phi = 0.0

    def add(self, t: float, value: float, seasonal: float, *, day_points: float, unit: float = 1.0) -> None:
        """One point and its seasonal profile, in events of size `unit` (`units.CountUnit`: the Poisson part of a
        day's variation is counted in events); a day's total is read when the next day's first point comes."""
        day = math.floor(t / DAY)
        if day != self._day:
            if self._day is not None and self._points >= 0.5 * day_points and self._profile > 0:
                self._close(self._day)
            self._day, self._total, self._profile, self._points = day, 0.0, 0.0, 0
        self._total += value / unit
        self._profile += seasonal / unit
        self._points += 1

    def _close(self, day: int) -> None:
        self.factors.append((day, self._total / self._profile, self._profile))
        while self.factors and self.factors[0][0] <= day - FACTOR_DAYS:
            self.factors.popleft()
        self.phi = nb2_phi(list(self.factors))


class CountNoise:
    """One predictor's reading of a count's noise: whether it is counts' (the gate), and how much its days vary."""

    __slots__ = ("_pearson", "counts_like", "days")

    def __init__(self) -> None:
        self._pearson: list[float] = []
        self.counts_like = True
        self.days = DayFactor()

    def add(self, *, residual: float, expected: float, window: int, unit: float = 1.0) -> None:
        """One residual against its expected value (none expected under one, where the Poisson floor is 1), both
        read in events of size `unit` (`units.CountUnit`)."""
        residual, expected = residual / unit, expected / unit
        if expected < 1.0:
            # Below one the Poisson floor is 1 whatever the series does, and a median predicts a sparse count (mean
            # 0.2) as 0: residual^2 / max(e, 1) then sums to about a fifth of chi-square's n, the gate called
            # sparse counts "not counts", dropped their floor, and a spread of 0.1 made every 3 a record.
            return
        self._pearson.append(residual * residual / expected)
        if len(self._pearson) > 2 * window:
            del self._pearson[: len(self._pearson) - window]

    def refresh(self, window: int) -> None:
        """Read the gate again over the last `window` residuals."""
        self.counts_like = not less_dispersed_than_counts(self._pearson[-window:])


def day_floors(
    floors: tuple[float, ...],
    *,
    phi: float,
    expected: float,
    scale: float,
    shifts: list[float],
    rise: bool,
    unit: float = 1.0,
) -> tuple[float, ...]:
    """`floors` (in spreads of `scale`) for a count whose days vary by phi: the point's read in
    max(scale, `skewed_width`), e the expected value (at least 1), in the deviation's direction (`rise`); each
    shift's in sqrt(scale^2 + phi dm^2), dm the change of the seasonal profile between the shift's two stretches
    (`shifts`, one per shift scale): a day's factor f moves a value by (f - 1) e and a shift of the additive level
    by (f - 1) dm. Never below `floors`. Read in events of size `unit` (`units.CountUnit`): the floors are in
    spreads either way."""
    e, scale = max(expected / unit, 1.0), scale / unit
    point = skewed_width(expected=e, phi=phi, z=floors[0], rise=rise)
    widths = [max(scale, point), *(math.sqrt(scale * scale + phi * dm * dm) for dm in (s / unit for s in shifts))]
    return tuple(low * width / scale for low, width in zip(floors, widths, strict=True))


def skewed_width(*, expected: float, phi: float, z: float, rise: bool) -> float:
    """The width w of a count of mean e whose days vary by phi such that z w away from e, in the deviation's
    direction, is as far into its tail as z standard normal spreads.

    NB2 is Poisson counts of e times a day's factor drawn from a gamma of mean 1 and variance phi. A gamma is
    skewed: a day at zero is far rarer than a day at twice the mean, which the symmetric sqrt(e + phi e^2) cannot
    say (read that way a drop to zero is 1 / sqrt(phi) spreads whatever e is, so at phi 0.05 an outage never
    passed the point's floor of 4.5). The factor's quantile is read with Wilson and Hilferty's cube, which is close
    for a gamma; the Poisson part stays sqrt(e); the two add in quadrature, as in sqrt(e + phi e^2), which this is
    at phi 0.
    """
    c = phi / 9.0
    factor = (1.0 - c + (z if rise else -z) * math.sqrt(c)) ** 3
    day = expected * (factor - 1.0) if rise else expected * (1.0 - max(factor, 0.0))
    return math.sqrt(day * day + z * z * expected) / z
