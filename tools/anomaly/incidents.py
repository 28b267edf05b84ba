"""Batch API for the bot: a metric's recent history in, the incidents an alerting channel should hear about out."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from tools.anomaly.alerting import MEDIUM_LEVEL, VISIBLE_DEVIATION
from tools.anomaly.detector import AnomalyDetector, anomaly_score
from tools.anomaly.models import (
    LARGE_CHANGE,
    NOTABLE_CHANGE,
    Direction,
    Granularity,
    Incident,
    IncidentKind,
    Point,
    Score,
    Sensitivity,
    Severity,
)
from tools.anomaly.models import fingerprint as make_fingerprint

# `Score.anomaly_score` at the medium alerting level.
ALERTING_SCORE = anomaly_score(MEDIUM_LEVEL)
# Weeks of the same weekday (or hour of the week) a point is set against while an opposite incident is open: the
# digest's "vs 4-week median" (`bot.digest.report.compare`), so the line and the numbers above it agree.
SAME_PHASE_WEEKS = 4

# Points needed before anything is scored: until the weekly profile has been judged against the others (it needs
# two past weeks, then a day of hours or ten days of its own errors), so the first weekday after a weekend is not
# read as a shift the series never made before. The alert check fetches 28 days of hours and 120 of days.
WARMUP_POINTS: dict[Granularity, int] = {"daily": 14 + 10, "hourly": 15 * 24}
# Consecutive deviating points after which an incident is a level shift rather than a one-off spike or dip.
PERSISTENT_POINTS: dict[Granularity, int] = {"daily": 3, "hourly": 6}
# Below this volume a count series' incidents are noise to a marketer (a page going from 2 to 9 visits).
COUNT_MIN_VOLUME = 10.0


@dataclass(slots=True)
class _Open:
    start: Score
    kind: IncidentKind
    direction: Direction
    peak: Score
    persistent: int = 0
    run: int = 0


def find_incidents(
    points: Sequence[Point],
    *,
    granularity: Granularity,
    sensitivity: Sensitivity = "medium",
    incomplete_after: datetime | None = None,
    holidays: Iterable[date] = (),
    series_key: str = "",
    min_volume: float | None = None,
) -> list[Incident]:
    """Incidents in a daily or hourly series, oldest first; the last one has `end=None` if it is still going on.

    Points at or after `incomplete_after` (today's partial day, data still being processed) are ignored entirely.
    Points on `holidays` are neither scored nor learned from. `series_key` (e.g. "ga4:123:sessions") goes into each
    incident's fingerprint. `min_volume` drops incidents where neither the expected nor the actual value reaches it
    (default: 10 for count series, 0 otherwise).
    """
    ordered = sorted(points, key=lambda point: point.timestamp)
    if incomplete_after is not None:
        ordered = [point for point in ordered if point.timestamp < incomplete_after]
    detector = AnomalyDetector(sensitivity, holidays=holidays, warmup_points=WARMUP_POINTS[granularity])
    incidents, _ = _scan(
        ordered, detector=detector, granularity=granularity, series_key=series_key, min_volume=min_volume
    )
    return incidents


@dataclass(frozen=True, slots=True, kw_only=True)
class Unusual:
    """The newest point, unusual: the incident it belongs to, the value expected of it and the value it has."""

    incident: Incident
    expected: float
    actual: float
    direction: str  # "up" or "down": the point's own way from `expected` (an open incident may go the other way)


def unusual_latest(points: Sequence[Point], *, granularity: Granularity, series_key: str = "") -> Unusual | None:
    """The newest point if the detector finds it unusual (medium sensitivity), against what was expected of it.

    It is unusual when an incident opens on it, or when an incident is still open and the point itself is still
    outside the series' ordinary variation, the incident's way: at least `VISIBLE_DEVIATION` spreads from the value
    the detector expected of that point (the bar an alerting value must clear). A point inside its noise band while
    an incident drags on is not called unusual, and is never set against the expectation of another point (the
    peak's): a day after a spike, the detector already expects more. A collapse to near zero is measured against
    the level before it, as the detector ends it (values back above half of it), since a few days of zeros would
    otherwise become what is expected.
    """
    ordered = sorted(points, key=lambda point: point.timestamp)
    detector = AnomalyDetector("medium", warmup_points=WARMUP_POINTS[granularity])
    incidents, last = _scan(ordered, detector=detector, granularity=granularity, series_key=series_key, min_volume=None)
    if last is None or not incidents:
        return None
    current = incidents[-1]
    if current.start == last.timestamp:
        return Unusual(incident=current, expected=current.expected, actual=current.actual, direction=current.direction)
    if current.end is not None or not last.scored or last.expected is None:
        return None
    sign = 1.0 if current.direction == "up" else -1.0
    if sign * last.spreads <= -VISIBLE_DEVIATION:
        return _against_the_open_incident(current, last, ordered=ordered)
    if current.kind == "near_zero":
        expected = current.expected
    elif sign * last.spreads >= VISIBLE_DEVIATION:
        expected = last.expected
    else:
        return None
    if sign * (last.value - expected) <= 0:
        return None
    return Unusual(incident=current, expected=expected, actual=last.value, direction=current.direction)


def _against_the_open_incident(current: Incident, last: Score, *, ordered: Sequence[Point]) -> Unusual | None:
    """The newest point, far the other way from an open incident: a crash in the middle of a sale, say.

    While an incident is open the detector opens no other, so the point is judged here, by the bars an incident
    opens at: its anomaly score at the medium alerting level, and outside its noise band from what the detector
    now expects. That expectation is raised (or lowered) by the incident, so the point must also be outside its
    noise band from the series before it: the median of the same weekday (hour of the week, for hours) over the
    `SAME_PHASE_WEEKS` weeks before, the digest's own "vs 4-week median". A return to normal after a sale is
    therefore not called unusually low. It is set against the nearer of the two expectations, never overstating.
    """
    if last.expected is None or last.anomaly_score < ALERTING_SCORE:
        return None
    usual = _same_phase_median(last.timestamp, ordered=ordered)
    if usual is None:
        return None
    spread = abs(last.value - last.expected) / abs(last.spreads)
    way = -1.0 if current.direction == "up" else 1.0  # the point's way
    if way * (last.value - usual) < VISIBLE_DEVIATION * spread:
        return None
    expected = min(last.expected, usual, key=lambda value: abs(last.value - value))
    return Unusual(incident=current, expected=expected, actual=last.value, direction="up" if way > 0 else "down")


def _same_phase_median(moment: datetime, *, ordered: Sequence[Point]) -> float | None:
    """The median of the same weekday (hour of the week, for hours) over the `SAME_PHASE_WEEKS` weeks before
    `moment`: the digest's own "vs 4-week median"; None without any."""
    values = {point.timestamp: point.value for point in ordered}
    before = [
        value
        for week in range(1, SAME_PHASE_WEEKS + 1)
        if (value := values.get(moment - timedelta(weeks=week))) is not None and math.isfinite(value)
    ]
    return statistics.median(before) if before else None


def _nearer_usual(score: Score, *, ordered: Sequence[Point]) -> Score:
    """The alerting point of an incident that cut an opposite one short, set against the nearer of what the
    detector expected (raised by a sale, say, when the values crash) and what the same time usually holds
    (`_same_phase_median`), so its alert never overstates the change."""
    usual = _same_phase_median(score.timestamp, ordered=ordered)
    if usual is None or score.expected is None:
        return score
    return replace(score, expected=min(score.expected, usual, key=lambda value: abs(score.value - value)))


def _scan(
    ordered: Sequence[Point],
    *,
    detector: AnomalyDetector,
    granularity: Granularity,
    series_key: str,
    min_volume: float | None,
) -> tuple[list[Incident], Score | None]:
    """`find_incidents` over points in time order, and the newest point's score (None without points)."""
    if min_volume is None:
        counts = all(
            math.isnan(point.value) or (point.value >= 0 and point.value == round(point.value)) for point in ordered
        )
        min_volume = COUNT_MIN_VOLUME if counts else 0.0
    persistent_needed = PERSISTENT_POINTS[granularity]
    incidents: list[Incident] = []
    current: _Open | None = None
    last: Score | None = None
    for point in ordered:
        score = last = detector.update(point.timestamp, point.value)
        if score.alert:
            direction: Direction = "up" if score.deviation > 0 else "down"
            kind = detector.incident_kind or ("spike" if direction == "up" else "drop")
            if current is not None:
                # The detector opened a new incident while this one was open (a spike or a drop the count's
                # collapse, or a sharp turn the other way, cut short): this one ends here, superseded rather than
                # recovered.
                incidents.append(
                    _close(
                        current,
                        end=score.timestamp,
                        persistent_needed=persistent_needed,
                        series_key=series_key,
                        superseded_by=kind,
                    )
                )
                # What the detector expects is raised (or lowered) by the incident that ended here.
                score = _nearer_usual(score, ordered=ordered)
            current = _Open(start=score, kind=kind, direction=direction, peak=score)
        elif current is not None and score.scored:
            if _gap(score, current.direction) > _gap(current.peak, current.direction):
                current.peak = score
            same_way = score.direction == current.direction and score.anomaly_score >= 0.3
            current.run = current.run + 1 if same_way else 0
            current.persistent = max(current.persistent, current.run)
        if current is None:
            continue
        if score.event == "recovery":
            incidents.append(
                _close(current, end=score.timestamp, persistent_needed=persistent_needed, series_key=series_key)
            )
            current = None
    if current is not None:
        incidents.append(_close(current, end=None, persistent_needed=persistent_needed, series_key=series_key))
    kept = [
        incident
        for incident in incidents
        if max(abs(incident.expected), abs(incident.actual), abs(incident.peak_actual)) >= min_volume
    ]
    return kept, last


def _gap(score: Score, direction: Direction) -> float:
    """How far the value is from what was expected, in the incident's direction (negative if the other way)."""
    if score.expected is None:
        return -math.inf
    gap = score.value - score.expected
    return gap if direction == "up" else -gap


def _close(
    current: _Open,
    *,
    end: datetime | None,
    persistent_needed: int,
    series_key: str,
    superseded_by: IncidentKind | None = None,
) -> Incident:
    kind = current.kind
    if kind != "near_zero" and current.persistent + 1 >= persistent_needed:
        kind = "level_shift"
    start, peak = current.start, current.peak
    expected = start.expected if start.expected is not None else start.value
    peak_expected = peak.expected if peak.expected is not None else peak.value
    return Incident(
        start=start.timestamp,
        end=end,
        kind=kind,
        direction=current.direction,
        severity=severity(
            kind,
            expected=peak_expected,
            actual=peak.value,
            sustained=current.persistent + 1 >= persistent_needed,
        ),
        expected=expected,
        actual=start.value,
        peak_expected=peak_expected,
        peak_actual=peak.value,
        deviation=peak.deviation,
        fingerprint=make_fingerprint(series_key, kind, current.direction),
        superseded_by=superseded_by,
    )


def severity(kind: IncidentKind, *, expected: float, actual: float, sustained: bool) -> Severity:
    """From the size of the largest deviation and how long it lasted: a large move, or a notable one that lasted
    (six hours, three days: `PERSISTENT_POINTS`) is critical; a notable or lasting one a warning; the rest is info.
    A collapse to near zero is always critical: it is what a broken tag looks like."""
    if kind == "near_zero":
        return "critical"
    relative = abs(actual - expected) / abs(expected) if expected else math.inf
    size = 2 if relative >= LARGE_CHANGE else 1 if relative >= NOTABLE_CHANGE else 0
    grade = size + (1 if sustained else 0)
    if grade >= 2:
        return "critical"
    return "warning" if grade == 1 else "info"
