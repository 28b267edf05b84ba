"""Streaming anomaly detector: scores each point against what the past alone predicts, one alert per incident.

It joins the two halves of detection: `SurpriseModel` (how unusual each point is for this series, threshold-free,
see `tools.anomaly.surprise`) and `IncidentTracker` (when an incident opens and ends at the chosen sensitivity, see
`tools.anomaly.alerting`). The model never learns from the tracker's decisions, so the sensitivity changes which
points alert, never what the model expects.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from tools.anomaly.alerting import MEDIUM_LEVEL, IncidentTracker, Rule, RuleReplay, rule_for
from tools.anomaly.medians import clamp
from tools.anomaly.models import Direction, IncidentKind, Score, Sensitivity
from tools.anomaly.surprise import DAY, SurpriseModel


def epoch(timestamp: datetime) -> float:
    """Seconds since 1970 for a timestamp; naive ones are read as UTC (only differences matter)."""
    if timestamp.tzinfo is None:
        return timestamp.replace(tzinfo=UTC).timestamp()
    return timestamp.timestamp()


def anomaly_score(ratio: float) -> float:
    """The ratio mapped into [0, 1) so that 0.5 is the medium alerting level."""
    return ratio / (ratio + MEDIUM_LEVEL)


def warmup_points(step: float) -> int:
    """Points needed before alerting when nobody says otherwise: about two days of data, at least 21 points.

    Two days is what the daily profile needs before it can guess at all (not fitted); 750 is NAB's longest
    probation."""
    per_day = DAY / step if step > 0 else 1.0
    return int(clamp(2 * per_day, 21, 750))


class AnomalyDetector:
    """Online detector: feed points in time order with `update`; each result uses only the points before it.

    `sensitivity` sets how unusual a deviation must be to alert (low alerts least). `holidays` are dates whose points
    are neither scored nor learned from. `warmup_points` overrides how many points are needed before alerting
    (by default about two days of data, at least 21 points).

    `also_rules` runs extra incident trackers with those rules on the same readings (`RuleReplay`; the benchmark
    uses this to score several rules in one pass); after each `update`, `also_alerts` says which of them alerted.
    """

    def __init__(
        self,
        sensitivity: Sensitivity = "medium",
        *,
        holidays: Iterable[date] = (),
        warmup_points: int | None = None,
        also_rules: Sequence[Rule] = (),
    ) -> None:
        self.sensitivity: Sensitivity = sensitivity
        self._holidays = frozenset(holidays)
        self._warmup_override = warmup_points
        self._model = SurpriseModel()
        self._tracker = IncidentTracker(rule_for(sensitivity))
        self._also = RuleReplay(also_rules) if also_rules else None
        self.also_alerts: tuple[bool, ...] = tuple(False for _ in also_rules)
        self._seen = 0

    @property
    def step_seconds(self) -> float:
        """The inferred sampling interval in seconds (0 until two points were seen)."""
        return self._model.step

    @property
    def in_incident(self) -> bool:
        return self._tracker.in_incident

    @property
    def incident_kind(self) -> IncidentKind | None:
        """Kind of the open incident as judged at its alert (None when there is none)."""
        return self._tracker.kind if self._tracker.in_incident else None

    def update(self, timestamp: datetime, value: float) -> Score:
        """Score one point given everything before it, then learn from it."""
        t = epoch(timestamp)
        if math.isnan(value) or math.isinf(value) or timestamp.date() in self._holidays:
            self._model.skip(t)
            self.also_alerts = tuple(False for _ in self.also_alerts)
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
                in_incident=self.in_incident,
                kind=self.incident_kind,
            )
        self._seen += 1
        reading = self._model.update(t, value)
        warmup = self._warmup_override if self._warmup_override is not None else warmup_points(self._model.step)
        scored = self._seen > warmup
        level_points = self._model.level_points()
        step = self._tracker.step(value, reading, scored=scored, level_points=level_points)
        if self._also is not None:
            self.also_alerts = self._also.alerts(value, reading, scored=scored, level_points=level_points)
        direction: Direction | None = None
        if step.deviation != 0.0:
            direction = "up" if step.deviation > 0 else "down"
        return Score(
            timestamp=timestamp,
            value=value,
            expected=reading.expected,
            anomaly_score=anomaly_score(step.ratio),
            alert=step.alert,
            event=step.event,
            direction=direction,
            deviation=step.deviation,
            scored=scored,
            in_incident=step.in_incident,
            kind=step.kind,
            spreads=reading.stats[0] if reading.stats else 0.0,
        )
