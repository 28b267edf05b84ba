"""Whether a reading breaches its rule, and how badly.

drops / rises N %: the change from the comparable window (a week earlier) is at least N % down / up; with no
comparable data (zero a week earlier) there is no change to judge. drops / rises N: the difference is at least N.
below / above N: the window's value is under / over N (N % means N/100: GA4 reports rates as fractions).

Severity comes from how far past the threshold the value went, relative to the threshold's own size ("excess"):
critical from `CRITICAL_EXCESS`, warning from `WARNING_EXCESS`, info below that. A rule for a 30 % drop is a
warning from a 36 % drop and critical from 45 %; a rule for "below 5" is a warning at 4 and critical under 2.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from storage.tables.rules import RuleCondition
from tools.rules.read import Reading
from tools.rules.spec import RuleSpec

Severity = Literal["info", "warning", "critical"]
WARNING_EXCESS = 0.2
CRITICAL_EXCESS = 0.5
# Boundaries are inclusive: a 36 % drop is a warning for a 30 % rule although 0.36 / 0.3 - 1 is 0.1999… in floats.
TOLERANCE = 1e-9


@dataclass(frozen=True, kw_only=True)
class Verdict:
    breached: bool
    severity: Severity
    change: float | None  # relative change from the comparable window (0.34 = +34 %), None without one


def evaluate(spec: RuleSpec, reading: Reading) -> Verdict:
    current, previous = reading.current, reading.previous
    change = (current - previous) / previous if previous > 0 else None
    threshold = spec.threshold / 100 if spec.percent else spec.threshold
    excess: float | None
    if spec.condition in (RuleCondition.DROPS, RuleCondition.RISES):
        sign = -1.0 if spec.condition is RuleCondition.DROPS else 1.0
        moved = (None if change is None else sign * change) if spec.percent else sign * (current - previous)
        excess = None if moved is None or moved < threshold - TOLERANCE else max(moved / threshold - 1, 0.0)
    elif spec.condition is RuleCondition.BELOW:
        excess = (threshold - current) / threshold if current < threshold else None
    else:
        excess = (current - threshold) / threshold if current > threshold else None
    if excess is None:
        return Verdict(breached=False, severity="info", change=change)
    return Verdict(breached=True, severity=_severity(excess), change=change)


def _severity(excess: float) -> Severity:
    if excess >= CRITICAL_EXCESS - TOLERANCE:
        return "critical"
    if excess >= WARNING_EXCESS - TOLERANCE:
        return "warning"
    return "info"
