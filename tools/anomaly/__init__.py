"""Anomaly detection on metric series: a streaming detector, a batch incident finder, and NAB scoring.

The detector and the incident finder (numpy) load on first access, so code that only needs the models stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tools.anomaly.models import (
    Direction,
    Granularity,
    Incident,
    IncidentKind,
    Point,
    Score,
    Sensitivity,
    Severity,
    fingerprint,
)

if TYPE_CHECKING:
    from tools.anomaly.detector import AnomalyDetector
    from tools.anomaly.incidents import find_incidents

_LAZY = {"AnomalyDetector": "tools.anomaly.detector", "find_incidents": "tools.anomaly.incidents"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)


__all__ = [
    "AnomalyDetector",
    "Direction",
    "Granularity",
    "Incident",
    "IncidentKind",
    "Point",
    "Score",
    "Sensitivity",
    "Severity",
    "find_incidents",
    "fingerprint",
]
