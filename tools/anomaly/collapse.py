"""A broken tag seen directly: consecutive hours near zero against what the same hour of the week held before.

The streaming model (`surprise.py`) judges each point against an adaptive level. A collapse that starts at night,
when hourly counts are low anyway, lets that level settle near zero before daytime shows the gap, so the model
never opens an incident for the most common GA4 failure there is. This check does not adapt: it compares each hour
with the median of the same hour in the past four weeks (the seasonal-naive baseline `watch.measure` also uses) and
reports a run of hours at a tenth of it or less.

Why these numbers, none of them fitted to data:
- "near zero" is `count_tail.NEAR_ZERO_SHARE` (a tenth), the same bar the model's own near-zero incidents use;
- a run must be expected to hold at least `MIN_EXPECTED_TOTAL` = 30 sessions (or events) in all: if the hours
  really were normal, seeing a tenth of 30 or less is a Poisson tail of about 1e-9, so a quiet site's empty night
  is not a break, while a busy site's break is reported within a few hours;
- a run ends at the first hour back above half its baseline, as the model's near-zero incidents end.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tools.anomaly.count_tail import NEAR_ZERO_SHARE
from tools.anomaly.models import Incident, Point
from tools.anomaly.models import fingerprint as make_fingerprint

WEEK = timedelta(days=7)
WEEKS = 4
MIN_WEEKS = 2  # same-hour values needed for a baseline
MIN_EXPECTED_TOTAL = 30.0
RECOVERED_SHARE = 0.5


@dataclass
class _Run:
    start: datetime
    expected: float = 0.0
    actual: float = 0.0
    alert_at: tuple[float, float] | None = None  # (baseline, value) at the hour the run became material
    peak: tuple[float, float] = (0.0, 0.0)
    hours: list[datetime] = field(default_factory=list)


def hourly_collapses(points: Sequence[Point], *, series_key: str) -> list[Incident]:
    """Every run of near-zero hours in an hourly series (oldest first); the last may still be going on."""
    seen = {point.timestamp: point.value for point in points if not math.isnan(point.value)}
    incidents: list[Incident] = []
    run: _Run | None = None
    for point in points:
        baseline = _baseline(seen, point.timestamp)
        if baseline is None or math.isnan(point.value):
            continue
        if run is not None and point.value > RECOVERED_SHARE * baseline:
            if run.alert_at is not None:
                incidents.append(_incident(run, end=point.timestamp, series_key=series_key))
            run = None
        elif baseline > 0 and point.value <= NEAR_ZERO_SHARE * baseline:
            run = run or _Run(start=point.timestamp)
            _extend(run, baseline=baseline, value=point.value)
    if run is not None and run.alert_at is not None:
        incidents.append(_incident(run, end=None, series_key=series_key))
    return incidents


def _baseline(seen: dict[datetime, float], when: datetime) -> float | None:
    past = [seen[when - k * WEEK] for k in range(1, WEEKS + 1) if when - k * WEEK in seen]
    return statistics.median(past) if len(past) >= MIN_WEEKS else None


def _extend(run: _Run, *, baseline: float, value: float) -> None:
    run.expected += baseline
    run.actual += value
    if baseline - value > run.peak[0] - run.peak[1]:
        run.peak = (baseline, value)
    if run.alert_at is None and run.expected >= MIN_EXPECTED_TOTAL:
        run.alert_at = (baseline, value)


def _incident(run: _Run, *, end: datetime | None, series_key: str) -> Incident:
    assert run.alert_at is not None
    expected, actual = run.alert_at
    return Incident(
        start=run.start,
        end=end,
        kind="near_zero",
        direction="down",
        severity="critical",
        expected=expected,
        actual=actual,
        peak_expected=run.peak[0],
        peak_actual=run.peak[1],
        # How many Poisson standard deviations the run's total fell short by.
        deviation=-(run.expected - run.actual) / math.sqrt(run.expected),
        fingerprint=make_fingerprint(series_key, "near_zero", "down"),
    )


def overlaps(first: Incident, second: Incident) -> bool:
    """Whether two incidents share any time (an ongoing one lasts until now)."""
    first_end = first.end or datetime.max
    second_end = second.end or datetime.max
    return first.start < second_end and second.start < first_end
