"""What each of the model's predictors keeps, and what one makes of the current point (`surprise.SurpriseModel`
does the work; these only hold its state)."""

from __future__ import annotations

from tools.anomaly.dispersion import CountNoise
from tools.anomaly.precedent import Precedent, Record


class Predictor:
    """One way to predict the next value: the recent level, plus (optionally) a seasonal profile of given period."""

    def __init__(self, period: float | None, *, lookbacks: int, found: int) -> None:
        self.period = period
        self.lookbacks = lookbacks
        self.found = found  # past periods a seasonal guess needs
        self.levels: list[float] = []
        self.seasonals: list[float] = []  # the seasonal profile behind each of `levels`
        self.noise = CountNoise()
        self.residuals: list[float] = []
        self.error = 0.0
        self.count = 0
        self.scale = 0.0
        self.precedents: list[Record] = []  # per scale (`surprise.SCALES`)
        self.ranked: Precedent | None = None  # the point's, `precedents[0]`


class Guess:
    """What one predictor makes of the current point."""

    __slots__ = ("expected", "ratios", "scale", "seasonal", "stats")

    def __init__(self, seasonal: float | None, expected: float | None) -> None:
        self.seasonal = seasonal
        self.expected = expected
        self.scale = 1.0
        self.stats: list[float] = []
        self.ratios: list[tuple[float, ...]] = []  # per rank, per scale
