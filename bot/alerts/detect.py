"""From series to incidents to alerts: run the detector over each watched series, then group what one event
caused in several series (sessions hourly and daily, key events, clicks) into one alert."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from tools.anomaly import AnomalyDetector, Incident, Point, Score
from tools.anomaly.models import Direction, IncidentKind, Sensitivity, Severity, fingerprint

Source = Literal["ga4", "gsc"]
Granularity = Literal["daily", "hourly"]


@dataclass(frozen=True, kw_only=True)
class SeriesSpec:
    key: str  # stable: "ga4:sessions:hourly" (part of the mute fingerprint)
    label: str  # "Sessions"
    source: Source
    metric: str  # the API's metric name
    granularity: Granularity


@dataclass(frozen=True, kw_only=True)
class Series:
    spec: SeriesSpec
    points: list[Point]  # complete periods only, oldest first


@dataclass(frozen=True, kw_only=True)
class Found:
    """One incident in one series, with the detector's scores (expected values for the chart's band)."""

    series: Series
    incident: Incident
    scores: list[Score] = field(default_factory=list)

    @property
    def relative_change(self) -> float:
        change = self.incident.relative_change
        return abs(change) if change is not None else math.inf


def severity_of(expected: float, actual: float, kind: IncidentKind) -> Severity:
    if kind == "near_zero" or expected <= 0:
        return "high"
    change = abs(actual - expected) / expected
    if change >= 0.5:
        return "high"
    if change >= 0.25:
        return "medium"
    return "low"


def find_incidents(series: Series, *, sensitivity: Sensitivity) -> tuple[list[Found], list[Score]]:
    """Every incident the streaming detector reports over the series (each point judged on its past only)."""
    detector = AnomalyDetector(sensitivity)
    scores: list[Score] = []
    found: list[Found] = []
    open_start: Score | None = None
    open_kind: IncidentKind = "drop"
    peak: Score | None = None

    def close(end: datetime | None) -> None:
        assert open_start is not None and peak is not None
        direction: Direction = open_start.direction or "down"
        expected = open_start.expected if open_start.expected is not None else 0.0
        incident = Incident(
            start=open_start.timestamp,
            end=end,
            kind=open_kind,
            direction=direction,
            severity=severity_of(expected, open_start.value, open_kind),
            expected=expected,
            actual=open_start.value,
            peak_expected=peak.expected if peak.expected is not None else expected,
            peak_actual=peak.value,
            deviation=peak.deviation,
            fingerprint=fingerprint(series.spec.key, open_kind, direction),
        )
        found.append(Found(series=series, incident=incident, scores=scores))

    for point in series.points:
        score = detector.update(point.timestamp, point.value)
        scores.append(score)
        if score.alert and score.direction is not None:
            if open_start is not None:
                close(point.timestamp)
            open_start = peak = score
            open_kind = detector.incident_kind or ("spike" if score.direction == "up" else "drop")
        elif open_start is not None:
            if peak is not None and abs(score.deviation) > abs(peak.deviation):
                peak = score
            if score.event == "recovery" or not score.in_incident:
                close(point.timestamp)
                open_start = peak = None
    if open_start is not None:
        close(None)
    return found, scores


@dataclass(frozen=True, kw_only=True)
class Size:
    """How much an incident moved its series so far, against a seasonal-naive baseline (the same hour or day in
    the four weeks before), independent of how the detector's own expectation adapted during the incident."""

    actual: float
    baseline: float

    @property
    def deviation(self) -> float:
        return abs(self.actual - self.baseline)

    @property
    def relative(self) -> float:
        return self.deviation / self.baseline if self.baseline > 0 else math.inf

    @property
    def severity(self) -> Severity:
        if self.relative >= 0.5:
            return "high"
        if self.relative >= 0.25:
            return "medium"
        return "low"


def measure(found: Found) -> Size:
    values = {point.timestamp: point.value for point in found.series.points}
    end = found.incident.end or found.series.points[-1].timestamp
    actual = baseline = 0.0
    for point in found.series.points:
        if point.timestamp < found.incident.start or point.timestamp > end or math.isnan(point.value):
            continue
        history = [
            values[earlier]
            for weeks in range(1, 5)
            if (earlier := point.timestamp - timedelta(weeks=weeks)) in values and not math.isnan(values[earlier])
        ]
        if not history:
            continue
        actual += point.value
        baseline += statistics.median(history)
    return Size(actual=actual, baseline=baseline)


# Which series speaks for a group when several changed at once: the most specific and quickest to react first.
PRIMARY_ORDER = ("ga4:sessions:hourly", "gsc:clicks:daily", "ga4:sessions:daily", "ga4:keyEvents:daily")


@dataclass(frozen=True, kw_only=True)
class AlertGroup:
    """What one event did across series; `primary` is what the alert is about, `also` what moved with it."""

    primary: Found
    also: list[Found]

    @property
    def direction(self) -> Direction:
        return self.primary.incident.direction


def _rank(found: Found) -> tuple[int, float]:
    key = found.series.spec.key
    order = PRIMARY_ORDER.index(key) if key in PRIMARY_ORDER else len(PRIMARY_ORDER)
    # A near-zero collapse or a larger relative move beats the fixed order.
    strength = 0 if found.incident.kind == "near_zero" else 1
    return (strength * 10 + order, -found.relative_change)


def group_incidents(found: Sequence[Found], *, window: timedelta = timedelta(days=2)) -> list[AlertGroup]:
    """Incidents of the same direction starting within `window` of each other are one event."""
    groups: list[list[Found]] = []
    for item in sorted(found, key=lambda f: f.incident.start):
        for group in groups:
            first = group[0].incident
            if first.direction == item.incident.direction and abs(item.incident.start - first.start) <= window:
                group.append(item)
                break
        else:
            groups.append([item])
    result = []
    for group in groups:
        ordered = sorted(group, key=_rank)
        result.append(AlertGroup(primary=ordered[0], also=ordered[1:]))
    return result
