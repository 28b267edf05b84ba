"""Anomaly detection on metric series: a streaming detector, a batch incident finder, and NAB scoring."""

from tools.anomaly.detector import AnomalyDetector
from tools.anomaly.incidents import find_incidents
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
