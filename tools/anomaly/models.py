"""Typed inputs and results of anomaly detection, shared by the streaming detector, the batch API and their callers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Sensitivity = Literal["low", "medium", "high"]
Granularity = Literal["daily", "hourly"]
Direction = Literal["up", "down"]
IncidentKind = Literal["drop", "spike", "level_shift", "near_zero"]
Severity = Literal["info", "warning", "critical"]
Event = Literal["alert", "recovery"]

# Relative size of a deviation (|actual - expected| / expected) that makes an incident notable, and large.
NOTABLE_CHANGE = 0.2
LARGE_CHANGE = 0.5


@dataclass(frozen=True, slots=True)
class Point:
    """One observation of a metric: the period it starts at and its value (NaN = missing)."""

    timestamp: datetime
    value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Score:
    """What the streaming detector concluded about one point, having seen only the points before it.

    `anomaly_score` is in [0, 1] and does not depend on the sensitivity (0.5 is the medium alerting level);
    `alert` is true only on the first point of a new incident; `event` is "recovery" on the point that ends one.
    `kind` is the open incident's kind as judged when it alerted (spike, drop or near_zero; a level shift is only
    known afterwards, see `find_incidents`). `scored` is false during warm-up and for missing or holiday points.
    `spreads` is this value's own distance from `expected`, signed, in the series' robust spreads (with their noise
    floors): within one spread is the series' ordinary variation (0 when nothing was expected).
    """

    timestamp: datetime
    value: float
    expected: float | None
    anomaly_score: float
    alert: bool
    event: Event | None
    direction: Direction | None
    deviation: float
    scored: bool
    in_incident: bool
    kind: IncidentKind | None = None
    spreads: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    """One anomaly from its first alerting point to its recovery (`end` is None while it is still going on).

    `expected` and `actual` are the values at the alerting point; `peak_*` the largest deviation seen during it.
    `fingerprint` names the series, kind and direction; the kind can change while an incident lasts (a drop or
    spike that persists is closed as a level shift), so it does not identify one incident over time: the series,
    direction and start do (how the bot matches a stored alert to its recovery). `superseded_by` is the kind of the
    incident that opened in the same series while this one was open, when this one did not recover but ended there
    (`end` is that one's start): a spike or a drop still open when the count fell to near zero, or when the values
    turned sharply the other way. None otherwise.
    """

    start: datetime
    end: datetime | None
    kind: IncidentKind
    direction: Direction
    severity: Severity
    expected: float
    actual: float
    peak_expected: float
    peak_actual: float
    deviation: float
    fingerprint: str
    superseded_by: IncidentKind | None = None

    @property
    def ongoing(self) -> bool:
        return self.end is None

    @property
    def relative_change(self) -> float | None:
        """(actual - expected) / expected at the alerting point; None when nothing was expected."""
        if self.expected == 0:
            return None
        return (self.actual - self.expected) / abs(self.expected)


def fingerprint(series_key: str, kind: IncidentKind, direction: Direction) -> str:
    """The similarity key of an incident: what a mute or an "Expected" answer is stored against."""
    return f"{series_key}|{kind}|{direction}"
