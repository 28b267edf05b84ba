"""How unlikely the last few points' surprise is, against this series' own recent surprise: a sustained-change test.

Numenta's "anomaly likelihood" (the post-processing behind HTM's NAB score), written from its published description:
each point gets a bounded raw score in [0, 1]; the mean of the last `AVERAGE_POINTS` raw scores is compared with a
normal distribution fitted to the same moving mean over the series' recent past, and the reading is the upper tail
probability, as -log10 (4.0 = a one-in-ten-thousand run). Because the raw scores are bounded, one huge past
outlier cannot mask later incidents, and because the mean is over several points, a run of merely unusual
points (a level shift, a rise in noise, a stalled series) stands out where no single point does.

Here the raw score is the rank of the point's deviation among this series' past deviations (`Precedent.share_below`),
so under no change it is about uniform whatever the series' noise, and the fitted normal absorbs autocorrelation.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

# Moving mean over this many raw scores (Numenta's default).
AVERAGE_POINTS = 10
# Moving means needed before the distribution is trusted, and how often it is re-fitted (Numenta: 100 and 100).
MIN_HISTORY = 100
REFIT_EVERY = 100
# Lower bound on the fitted spread: below it, a blip in a perfectly regular series would look impossible
# (Numenta's variance floor, 0.0003). None of these four was fitted here.
MIN_SPREAD = math.sqrt(0.0003)
LOG10 = math.log(10.0)


def upper_tail_digits(value: float, mean: float, spread: float) -> float:
    """-log10 of P(X >= value) for X ~ Normal(mean, spread); 0 at or below the mean."""
    if value <= mean:
        return 0.0
    z = (value - mean) / spread
    tail = 0.5 * math.erfc(z / math.sqrt(2.0))
    if tail > 0.0:
        return -math.log10(tail)
    # Past double precision: the asymptotic tail, log(phi(z) / z).
    return (0.5 * z * z + math.log(z * math.sqrt(2.0 * math.pi))) / LOG10


class Likelihood:
    """Feed one raw score in [0, 1] per point with `add`; it returns the tail digits of the current moving mean."""

    __slots__ = ("_history", "_horizon", "_mean", "_recent", "_since_fit", "_spread", "_sum")

    def __init__(self, horizon: int) -> None:
        self._horizon = max(horizon, MIN_HISTORY)
        self._recent: deque[float] = deque()
        self._sum = 0.0
        self._history: deque[float] = deque()
        self._since_fit = REFIT_EVERY
        self._mean = 0.0
        self._spread = 0.0

    @property
    def ready(self) -> bool:
        return self._spread > 0.0

    def add(self, raw: float) -> float:
        self._recent.append(raw)
        self._sum += raw
        if len(self._recent) > AVERAGE_POINTS:
            self._sum -= self._recent.popleft()
        if len(self._recent) < AVERAGE_POINTS:
            return 0.0
        average = self._sum / AVERAGE_POINTS
        digits = upper_tail_digits(average, self._mean, self._spread) if self.ready else 0.0
        self._history.append(average)
        self._forget()
        self._since_fit += 1
        if len(self._history) >= MIN_HISTORY and self._since_fit >= REFIT_EVERY:
            self._fit()
        return digits

    def resize(self, horizon: int) -> None:
        """Fit on the last `horizon` moving means from now on (at least `MIN_HISTORY`)."""
        self._horizon = max(horizon, MIN_HISTORY)
        self._forget()

    def _forget(self) -> None:
        while len(self._history) > self._horizon:
            self._history.popleft()

    def _fit(self) -> None:
        values = np.fromiter(self._history, dtype=np.float64, count=len(self._history))
        self._mean = float(values.mean())
        self._spread = max(float(values.std()), MIN_SPREAD)
        self._since_fit = 0
