"""From series to incidents to alerts: run the detector over each watched series, then group what one event
caused in several series (sessions hourly and daily, key events, clicks) into one alert."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from tools.anomaly import Incident, Point
from tools.anomaly.models import LARGE_CHANGE, NOTABLE_CHANGE, Direction, Sensitivity, Severity

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
    """One incident in one series."""

    series: Series
    incident: Incident

    @property
    def relative_change(self) -> float:
        change = self.incident.relative_change
        return abs(change) if change is not None else math.inf


def find_incidents(series: Series, *, sensitivity: Sensitivity) -> list[Found]:
    """The detector's incidents in one series (each point judged on its past only), oldest first."""
    # The detector (numpy) loads on the first check, not when `lookout serve` starts.
    from tools.anomaly.collapse import hourly_collapses, overlaps
    from tools.anomaly.incidents import find_incidents as detect_incidents

    incidents = detect_incidents(
        series.points,
        granularity=series.spec.granularity,
        sensitivity=sensitivity,
        series_key=series.spec.key,
    )
    if series.spec.granularity == "hourly":
        # A broken tag the adaptive model let through (it starts at night): reported once, never beside the model's
        # own incident for the same hours.
        falls = [incident for incident in incidents if incident.direction == "down"]
        incidents = sorted(
            [
                *incidents,
                *(
                    collapse
                    for collapse in hourly_collapses(series.points, series_key=series.spec.key)
                    if not any(overlaps(collapse, fall) for fall in falls)
                ),
            ],
            key=lambda incident: incident.start,
        )
    return [Found(series=series, incident=incident) for incident in incidents]


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
        """The size part of the detector's severity, measured against the seasonal-naive baseline instead."""
        if self.relative >= LARGE_CHANGE:
            return "critical"
        if self.relative >= NOTABLE_CHANGE:
            return "warning"
        return "info"


def measure(found: Found) -> Size:
    end = found.incident.end or found.series.points[-1].timestamp
    return measure_span(found.series, start=found.incident.start, end=end)


def measure_span(series: Series, *, start: datetime, end: datetime) -> Size:
    """The series' values from `start` to `end` (both included) against the same hours or days of the four weeks
    before (each point against the median of those it has)."""
    values = {point.timestamp: point.value for point in series.points}
    actual = baseline = 0.0
    for point in series.points:
        if point.timestamp < start or point.timestamp > end or math.isnan(point.value):
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
