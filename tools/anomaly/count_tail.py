"""A count that collapses: read by its own lower tail, against what the series' own collapses were.

A tag that stops firing, a checkout that breaks or a service that stops answering leaves a count far below anything
its noise explains. The point's floor cannot always say so at once: a day's precedents at the peak hours (the
day-to-day swings of hundreds) can exceed a whole morning's expected count. A count's lower tail can.

It is read only on counts (the model's gate: non-negative whole numbers no steadier than counts), only at a tenth of
the least that any trusted predictor expects (so one predictor's blunder cannot fake it), and like every other
reading against the series' own past: the r-th largest collapse of the last four weeks. Bursty whole numbers (bytes
written every five minutes, idle now and then) collapse every day, and their idle points are not news; a shop's
hourly orders never do, and their first is.

How widely a single point varies is read from the predictor's robust spread, one number for a week of points, set
by the points of typical size. Where it is wider than Poisson's sqrt(typical), the excess is either a factor that
moves a stretch (a day's weather, a campaign, the model's own error: NB2's variance e + phi e^2, a gamma factor
whose lower tail is short) or events that come in clumps of d (a visitor's ten pages, bytes in blocks, a bot's
burst; a count multiplied by a thousand is thousand-event clumps: the count is d times a Poisson count of e / d,
whose lower tail is long). One spread cannot tell them apart, so only a collapse that neither reading explains is
news.

None of the numbers below is fitted: a tenth is the model's "near zero" (`NEAR_ZERO_SHARE`), one in a million the
likelihood's and the novelty's bar.
"""

from __future__ import annotations

import math
from collections import deque

from tools.anomaly.likelihood import upper_tail_digits
from tools.anomaly.precedent import MAX_RANK, Largest

# A tenth of the expected value is "near zero" (a tag that stopped firing keeps a trickle of hits). Set by design.
NEAR_ZERO_SHARE = 0.1
# A collapse opens an incident when its lower tail is under one in a million at medium, the likelihood's and the
# novelty's bar (`alerting.MEDIUM.digits`). By design.
COLLAPSE_DIGITS = 6.0
# A point counts towards a run only where it is usually not empty: Poisson's P(0) = e^-e at most a half. Where
# a point is empty more often than not (a sparse count's night, a series that is always 0) an empty one is no
# news, so it adds nothing, though it does not end the run either (the run is the points since the last event).
USUALLY_SEEN = math.log(2.0)
# Terms of a count's lower tail summed one by one; past them its day's factor decides (`lower_tail_digits`).
MAX_TERMS = 2_000


def collapse_digits(*, value: float, expected: float, phi: float, typical: float, spread: float) -> float:
    """How unlikely a count at a tenth of its expected value or less is, as -log10 of its lower tail (0 above a
    tenth): the smaller of two readings of the `spread` at the `typical` expected value beside the days' `phi`,
    variance = d e + phi e^2 with either the factor or the clumps d taking whatever the other leaves."""
    if value > NEAR_ZERO_SHARE * expected:
        return 0.0
    variance, typical = spread * spread, max(typical, 1.0)
    factor = max(phi, (variance - typical) / (typical * typical))
    digits = lower_tail_digits(value=value, expected=expected, phi=factor)
    clump = (variance - phi * typical * typical) / typical
    if clump > 1.0:
        digits = min(digits, lower_tail_digits(value=value / clump, expected=expected / clump, phi=phi))
    return digits


def lower_tail_digits(*, value: float, expected: float, phi: float) -> float:
    """-log10 of P(X <= value) for a count X of mean `expected` whose days vary by phi (NB2; Poisson at phi 0),
    summed term by term up from P(X = 0). Past `MAX_TERMS` terms (a count far from zero, where a day's factor
    decides), the gamma factor's own lower tail, with Wilson and Hilferty's cube, or Poisson's Chernoff bound."""
    if value >= expected:
        return 0.0
    terms = int(value)
    if terms > MAX_TERMS:
        if phi > 0:
            c = phi / 9.0
            z = (((value + 0.5) / expected) ** (1.0 / 3.0) - (1.0 - c)) / math.sqrt(c)
            return upper_tail_digits(-z, 0.0, 1.0)
        return (expected - value - value * math.log(expected / value)) / math.log(10.0)
    if phi > 0:
        r = 1.0 / phi
        log_term = r * math.log(r / (r + expected))  # P(X = 0)
        log_odds = math.log(expected / (r + expected))
    else:
        r, log_term, log_odds = 1.0, -expected, math.log(expected)
    total = log_term
    for k in range(terms):
        # P(X = k + 1) / P(X = k): (k + r) / (k + 1) x e / (r + e) for NB2, e / (k + 1) for Poisson.
        log_term += (math.log(k + r) if phi > 0 else 0.0) + log_odds - math.log(k + 1)
        high, low = max(total, log_term), min(total, log_term)
        total = high + math.log1p(math.exp(low - high))
    return max(0.0, -total / math.log(10.0))


class Collapses:
    """The series' collapse digits over the last `horizon` points; `add` reads one against them. A collapse is a
    run of points each at a tenth of its expected value or less, read as one count: its total against the run's
    expected total (a shop of ten orders an hour that stops is one in a million after a few hours, not at once).

    A series whose points have collapsed before, one at a time (idle zeros among busy ones: a process that writes
    nothing now and then), says how often a point does: the share p of its points, of those that could add to a
    run in the last `horizon`, that did. Its idle points come from another process than its counts, so no tail of
    the counts' says how rare a run of them is, but p^n does: a run of n is never read as rarer than that. A series
    that never collapsed has no such bound (its first outage is news at once).
    """

    __slots__ = ("_actual", "_collapsed", "_expected", "_history", "_points", "_precedent")

    def __init__(self, horizon: int) -> None:
        self._precedent = Largest(horizon)
        self._expected = 0.0
        self._actual = 0.0
        self._points = 0  # of the run, those that added to it
        self._history: deque[bool] = deque()  # per point that could add to a run: did it collapse
        self._collapsed = 0

    def resize(self, horizon: int) -> None:
        self._precedent.resize(horizon)
        self._forget()

    def add(
        self, *, value: float, expected: float | None, phi: float, typical: float, spread: float, margin: float
    ) -> tuple[float, ...]:
        """Per rank r = 1..`MAX_RANK`: this point's collapse digits over max(`COLLAPSE_DIGITS`, `margin` x the
        r-th largest of the past), so 1.0 opens an incident at medium; then it is remembered (0 when none, or when
        `expected` is None: not a count, or nothing trusted expects it)."""
        # The share before this run: its own points are what is being judged.
        before, seen = self._collapsed - self._points, len(self._history) - self._points
        share = before / seen if before > 0 else 0.0
        # Near zero beside what is expected and beside the series' typical size: after a strong day the level
        # carries its excess into the night, where an ordinary night is a tenth of it.
        collapsed = expected is not None and value <= NEAR_ZERO_SHARE * min(expected, typical)
        if expected is None or not collapsed:
            self._expected = self._actual = 0.0
            self._points = 0
        elif expected >= USUALLY_SEEN:
            self._expected += expected
            self._actual += value
            self._points += 1
        if expected is not None and expected >= USUALLY_SEEN:
            self._history.append(collapsed)
            self._collapsed += collapsed
            self._forget()
        digits = 0.0
        if self._expected > 0:
            digits = collapse_digits(
                value=self._actual, expected=self._expected, phi=phi, typical=typical, spread=spread
            )
            if share > 0:
                digits = min(digits, -self._points * math.log10(share))
        top = self._precedent.top()
        self._precedent.add(digits)
        if digits <= 0.0:
            return ()
        return tuple(digits / max(COLLAPSE_DIGITS, margin * top[r]) for r in range(MAX_RANK))

    def _forget(self) -> None:
        while len(self._history) > self._precedent.horizon:
            self._collapsed -= self._history.popleft()
