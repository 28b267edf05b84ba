"""Streaming anomaly detector: scores each point against what the past alone predicts, one alert per incident.

How it works, and why:
- The sampling interval is inferred from the timestamps (median gap), never assumed, so 5-minute, irregular,
  hourly and daily series all work.
- Several predictors run side by side: the recent level alone, and the recent level plus a daily or a weekly
  seasonal profile (the median of the values at the same time of day / of the week on the previous days / weeks).
  The one with the smallest recent error is used, which is how seasonality is inferred rather than assumed.
- Residuals are scaled by a robust spread (MAD of past residuals) with noise floors (a share of the level, and the
  Poisson spread for small counts) so that flat or tiny series do not alert on noise.
- Deviations are read at three time scales: the point itself (spikes, dips), and the shift between the median level
  of the last k points and of the k points before them (k = 8 and 48: level shifts, drifts). Each is compared with
  the largest deviation of that scale the series produced in the past four weeks: an alert needs a deviation that
  is both large in absolute terms and unprecedented for this series. That calibrates to each series' own tails
  (a repeat of last week's spike is not news) without fitting thresholds to any data set.
- The chosen predictor's verdict is averaged with the most alarmed other predictor's, so one predictor's own blind
  spot (a seasonal profile that does not fit today) rarely alerts alone.
- An incident opens with one alert, stays open while the deviation persists, and ends with a recovery event; the
  predictors keep adapting meanwhile and shifts are measured only within the new normal after an incident, so a
  lasting level shift alerts once and becomes the new normal. A drop to near zero (tracking broken) stays open until
  the values come back.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable
from datetime import UTC, date, datetime

import numpy as np

from tools.anomaly.models import Direction, Event, IncidentKind, Score, Sensitivity

DAY = 86_400.0
WEEK = 7 * DAY

# Time scales in points: a single point (spikes), a short and a long run (shifts, drifts).
SCALES = (1, 8, 48)
# Smallest robust z (per scale) that can ever alert, whatever the series' history.
MIN_DEVIATION = (4.5, 3.0, 2.0)
# How much a deviation must exceed the largest one of the past RECORD_WINDOW.
RECORD_MARGIN = 1.03
# Alerting level on the ratio for each sensitivity; the anomaly score is ratio / (1 + ratio).
SENSITIVITY_RATIO: dict[Sensitivity, float] = {"low": 1.3, "medium": 1.0, "high": 0.75}
# Ratio below which an incident counts as quiet (hysteresis: ending needs much less than starting).
QUIET_RATIO = 0.6
REL_NOISE_FLOOR = 0.005
NEAR_ZERO_SHARE = 0.1
# Recent points whose median (after removing the seasonal profile) is the current level.
LEVEL_SPAN = 6 * 3600.0
LEVEL_MIN_POINTS = 7
LEVEL_MAX_POINTS = 40
# Residuals needed before a predictor's deviations are trusted.
MIN_RESIDUALS = 8
# A predictor replaces the current one when its recent error is this much smaller.
SWITCH_GAIN = 0.85
# How long the largest past deviations are remembered (seconds), and the shortest time between two alerts.
RECORD_WINDOW = 28 * DAY
MIN_ALERT_GAP = DAY / 4


def _epoch(timestamp: datetime) -> float:
    if timestamp.tzinfo is None:
        return timestamp.replace(tzinfo=UTC).timestamp()
    return timestamp.timestamp()


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    if n % 2:
        return ordered[mid]
    return 0.5 * (ordered[mid - 1] + ordered[mid])


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


class _Predictor:
    """One way to predict the next value: the recent level, plus (optionally) a seasonal profile of given period."""

    def __init__(self, period: float | None, *, lookbacks: int, min_found: int) -> None:
        self.period = period
        self.lookbacks = lookbacks
        self.min_found = min_found
        self.levels: list[float] = []
        self.residuals: list[float] = []
        self.error = 0.0
        self.count = 0
        self.scale = 0.0
        self.records = [0.0 for _ in SCALES]
        self.maxima: list[deque[tuple[int, float]]] = [deque() for _ in SCALES]
        self.position = 0
        # Levels learned since the last incident ended: a shift is measured only within the new normal.
        self.fresh = 0


class _Reading:
    """What one predictor makes of the current point."""

    __slots__ = ("deviation", "expected", "ratio", "seasonal", "stats")

    def __init__(self, seasonal: float | None, expected: float | None) -> None:
        self.seasonal = seasonal
        self.expected = expected
        self.stats: list[float] = []
        self.ratio = 0.0
        self.deviation = 0.0


class AnomalyDetector:
    """Online detector: feed points in time order with `update`; each result uses only the points before it.

    `sensitivity` sets how unusual a deviation must be to alert (low alerts least). `holidays` are dates whose points
    are neither scored nor learned from. `warmup_points` overrides how many points are needed before alerting
    (by default about two days of data, at least 21 points).
    """

    def __init__(
        self,
        sensitivity: Sensitivity = "medium",
        *,
        holidays: Iterable[date] = (),
        warmup_points: int | None = None,
    ) -> None:
        self.sensitivity: Sensitivity = sensitivity
        self._alert_ratio = SENSITIVITY_RATIO[sensitivity]
        self._holidays = frozenset(holidays)
        self._warmup_override = warmup_points
        self._t: list[float] = []
        self._x: list[float] = []
        self._gaps: list[float] = []
        self._step = 0.0
        self._predictors = [
            _Predictor(None, lookbacks=0, min_found=0),
            _Predictor(DAY, lookbacks=7, min_found=2),
            _Predictor(WEEK, lookbacks=4, min_found=2),
        ]
        self._chosen = 0
        self._seen = 0
        self._typical = 0.0
        self._is_count = True
        self._in_incident = False
        self._incident_kind: IncidentKind | None = None
        self._incident_baseline = 0.0
        self._quiet = 0
        self._since_alert = 10**9
        self._grace = 0

    @property
    def step_seconds(self) -> float:
        """The inferred sampling interval in seconds (0 until two points were seen)."""
        return self._step

    @property
    def in_incident(self) -> bool:
        return self._in_incident

    @property
    def incident_kind(self) -> IncidentKind | None:
        """Kind of the open incident as judged at its alert (None when there is none)."""
        return self._incident_kind if self._in_incident else None

    def update(self, timestamp: datetime, value: float) -> Score:
        """Score one point given everything before it, then learn from it."""
        t = _epoch(timestamp)
        self._track_step(t)
        if math.isnan(value) or math.isinf(value) or timestamp.date() in self._holidays:
            self._append(t, math.nan)
            return Score(
                timestamp=timestamp,
                value=value,
                expected=None,
                anomaly_score=0.0,
                alert=False,
                event=None,
                direction=None,
                deviation=0.0,
                scored=False,
                in_incident=self._in_incident,
                kind=self.incident_kind,
            )
        if value < 0 or value != round(value):
            self._is_count = False
        self._seen += 1
        readings = [self._read(predictor, t, value) for predictor in self._predictors]
        reading = self._combine(readings)
        scored = self._seen > self._warmup()
        alert, event = self._advance_incident(value, reading, scored=scored)
        for predictor, each in zip(self._predictors, readings, strict=True):
            self._learn(predictor, value, each)
        self._append(t, value)
        self._choose()
        direction: Direction | None = None
        if reading.deviation != 0.0:
            direction = "up" if reading.deviation > 0 else "down"
        return Score(
            timestamp=timestamp,
            value=value,
            expected=reading.expected,
            anomaly_score=reading.ratio / (1.0 + reading.ratio),
            alert=alert,
            event=event,
            direction=direction,
            deviation=reading.deviation,
            scored=scored,
            in_incident=self._in_incident,
            kind=self.incident_kind,
        )

    # -- sampling and history -----------------------------------------------------------------------------------

    def _track_step(self, t: float) -> None:
        if self._t and t > self._t[-1]:
            self._gaps.append(t - self._t[-1])
            if len(self._gaps) > 256:
                del self._gaps[:128]
            if len(self._gaps) < 64 or len(self._gaps) % 32 == 0:
                self._step = _median(self._gaps)

    def _points_per(self, seconds: float) -> float:
        return seconds / self._step if self._step > 0 else 1.0

    def _warmup(self) -> int:
        if self._warmup_override is not None:
            return self._warmup_override
        return int(_clamp(self._points_per(2 * DAY), 21, 750))

    def _level_points(self) -> int:
        return int(_clamp(self._points_per(LEVEL_SPAN), LEVEL_MIN_POINTS, LEVEL_MAX_POINTS))

    def _append(self, t: float, value: float) -> None:
        self._t.append(t)
        self._x.append(value)
        keep = int(_clamp(self._points_per(5 * WEEK), 2_000, 40_000))
        if len(self._t) > keep + 2_000:
            del self._t[: len(self._t) - keep]
            del self._x[: len(self._x) - keep]

    # -- prediction ---------------------------------------------------------------------------------------------

    def _seasonal(self, predictor: _Predictor, t: float) -> float | None:
        period = predictor.period
        if period is None:
            return 0.0
        if self._step <= 0 or self._step * 4 > period:
            return None
        tolerance = 0.6 * self._step
        times, values = self._t, self._x
        found: list[float] = []
        for back in range(1, predictor.lookbacks + 1):
            target = t - back * period
            if not times or target < times[0] - tolerance:
                break
            i = bisect_left(times, target)
            best, best_gap = -1, tolerance
            for j in (i - 1, i):
                if 0 <= j < len(times):
                    gap = abs(times[j] - target)
                    if gap <= best_gap and not math.isnan(values[j]):
                        best, best_gap = j, gap
            if best >= 0:
                found.append(values[best])
        if len(found) < predictor.min_found:
            return None
        return _median(found)

    def _read(self, predictor: _Predictor, t: float, value: float) -> _Reading:
        seasonal = self._seasonal(predictor, t)
        if seasonal is None or not predictor.levels:
            return _Reading(seasonal, None)
        expected = seasonal + _median(predictor.levels[-self._level_points() :])
        reading = _Reading(seasonal, expected)
        if predictor.count < MIN_RESIDUALS:
            return reading
        floor = max(1e-9, REL_NOISE_FLOOR * self._typical)
        if self._is_count:
            floor = max(floor, math.sqrt(max(expected, 1.0)))
        scale = max(predictor.scale, floor)
        z = (value - expected) / scale
        for index, k in enumerate(SCALES):
            if k == 1:
                stat = z
            elif reading.seasonal is not None and min(len(predictor.levels), predictor.fresh) >= 2 * k:
                levels = predictor.levels
                now = _median([*levels[-(k - 1) :], value - reading.seasonal])
                before = _median(levels[-2 * k + 1 : -k + 1])
                stat = (now - before) / scale
            else:
                stat = 0.0
            reading.stats.append(stat)
            reference = max(MIN_DEVIATION[index], RECORD_MARGIN * predictor.records[index])
            ratio = abs(stat) / reference
            if ratio > reading.ratio:
                reading.ratio, reading.deviation = ratio, stat
        return reading

    def _combine(self, readings: list[_Reading]) -> _Reading:
        """The chosen predictor's reading, its ratio averaged with the most alarmed other trusted predictor's.

        A deviation that only one way of predicting sees is often that predictor's own mistake; one that another
        sees as well is more likely real.
        """
        chosen = readings[self._chosen]
        needed = _clamp(self._points_per(DAY), 10, 300)
        others = [
            reading.ratio
            for index, (predictor, reading) in enumerate(zip(self._predictors, readings, strict=True))
            if index != self._chosen and predictor.count >= needed and reading.stats
        ]
        if others:
            chosen.ratio = 0.5 * (chosen.ratio + max(others))
        return chosen

    def _learn(self, predictor: _Predictor, value: float, reading: _Reading) -> None:
        if reading.seasonal is not None:
            predictor.levels.append(value - reading.seasonal)
            predictor.fresh += 1
            keep = 4 * max(LEVEL_MAX_POINTS, SCALES[-1])
            if len(predictor.levels) > keep:
                del predictor.levels[: keep // 2]
        if reading.expected is None:
            return
        residual = value - reading.expected
        alpha = 1.0 / _clamp(self._points_per(2 * DAY), 10, 500)
        predictor.error = (
            abs(residual) if predictor.count == 0 else (1 - alpha) * predictor.error + alpha * abs(residual)
        )
        predictor.count += 1
        predictor.residuals.append(residual)
        window = int(_clamp(self._points_per(WEEK), 30, 2_000))
        if len(predictor.residuals) > 2 * window:
            del predictor.residuals[: len(predictor.residuals) - window]
        if predictor.count < 100 or predictor.count % 10 == 0:
            self._rescale(predictor, window)
        if reading.stats:
            horizon = int(_clamp(self._points_per(RECORD_WINDOW), 50, 20_000))
            predictor.position += 1
            for index, stat in enumerate(reading.stats):
                maxima = predictor.maxima[index]
                while maxima and maxima[0][0] <= predictor.position - horizon:
                    maxima.popleft()
                size = abs(stat)
                while maxima and maxima[-1][1] <= size:
                    maxima.pop()
                maxima.append((predictor.position, size))
                predictor.records[index] = maxima[0][1] if maxima else 0.0

    def _rescale(self, predictor: _Predictor, window: int) -> None:
        residuals = np.asarray(predictor.residuals[-window:])
        centre = float(np.median(residuals))
        spread = np.abs(residuals - centre)
        mad = 1.4826 * float(np.median(spread))
        if mad <= 0:
            mad = 1.2533 * float(np.mean(spread))
        predictor.scale = mad
        values = np.asarray(self._x[-window:])
        values = values[~np.isnan(values)]
        if values.size:
            self._typical = float(np.median(np.abs(values)))

    def _choose(self) -> None:
        needed = _clamp(self._points_per(DAY), 10, 300)
        current = self._predictors[self._chosen]
        for index, predictor in enumerate(self._predictors):
            if index == self._chosen or predictor.count < needed:
                continue
            if predictor.error < SWITCH_GAIN * current.error:
                self._chosen, current = index, predictor

    # -- incidents ----------------------------------------------------------------------------------------------

    def _advance_incident(self, value: float, reading: _Reading, *, scored: bool) -> tuple[bool, Event | None]:
        self._since_alert += 1
        if self._grace > 0:
            self._grace -= 1
        if self._in_incident:
            if self._incident_kind == "near_zero":
                quiet = value > 0.5 * self._incident_baseline
            else:
                quiet = reading.ratio < QUIET_RATIO * self._alert_ratio
            self._quiet = self._quiet + 1 if quiet else 0
            needed = 1 if self._incident_kind == "near_zero" else int(_clamp(self._points_per(3 * 3600), 2, 24))
            if self._quiet >= needed:
                self._in_incident = False
                self._quiet = 0
                self._grace = self._level_points() if self._incident_kind == "near_zero" else 0
                for predictor in self._predictors:
                    predictor.fresh = 0
                return False, "recovery"
            return False, None
        gap = _clamp(self._points_per(MIN_ALERT_GAP), 1, 1_000)
        if not scored or self._grace > 0 or self._since_alert < gap or reading.ratio < self._alert_ratio:
            return False, None
        expected = reading.expected if reading.expected is not None else value
        self._in_incident = True
        self._quiet = 0
        self._since_alert = 0
        self._incident_baseline = expected
        material = expected > 0 and (expected - value) > 3 * self._predictors[self._chosen].scale
        if material and value <= NEAR_ZERO_SHARE * expected:
            self._incident_kind = "near_zero"
        elif reading.deviation > 0:
            self._incident_kind = "spike"
        else:
            self._incident_kind = "drop"
        return True, "alert"
