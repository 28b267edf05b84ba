"""The incident tracker: when a reading opens an incident."""

from __future__ import annotations

import pytest

from tools.anomaly.alerting import MEDIUM, IncidentTracker
from tools.anomaly.precedent import MAX_RANK
from tools.anomaly.surprise import Reading


def _shift(point: float) -> Reading:
    # The eight-point shift is past its precedent (ratio 1.5, +3.2 spreads); the point itself is at `point` spreads.
    ratios = ((0.1, 1.5, 0.2),) * MAX_RANK
    return Reading(100.0, ratios, (), (point, 3.2, 0.4), 1.0, 3600.0, ((1.5, 3.2),) * MAX_RANK)


@pytest.mark.parametrize(("point", "alerts"), [(0.1, False), (-2.0, False), (0.99, False), (1.0, True), (2.5, True)])
def test_a_shift_opens_an_incident_only_when_the_value_itself_shows_it(point: float, alerts: bool) -> None:
    # A level computed over hours can move while the latest value sits where it was expected: nothing to show yet.
    tracker = IncidentTracker(MEDIUM)

    assert tracker.alerts(100.0, _shift(point), scored=True, level_points=7) is alerts
