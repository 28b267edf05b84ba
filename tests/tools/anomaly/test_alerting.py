"""The incident tracker: when a reading opens an incident; many rules replayed at once."""

from __future__ import annotations

import math

import pytest

from tests.tools.anomaly.series import hourly, scaled, strong_day_then_outage
from tools.anomaly import Point
from tools.anomaly.alerting import MEDIUM, IncidentTracker, Rule, RuleReplay
from tools.anomaly.precedent import MAX_RANK
from tools.anomaly.surprise import Reading, SurpriseModel


def _shift(point: float) -> Reading:
    # The eight-point shift is past its precedent (ratio 1.5, +3.2 spreads); the point itself is at `point` spreads.
    ratios = ((0.1, 1.5, 0.2),) * MAX_RANK
    return Reading(100.0, ratios, (), (point, 3.2, 0.4), 1.0, 3600.0, ((1.5, 3.2),) * MAX_RANK)


@pytest.mark.parametrize(("point", "alerts"), [(0.1, False), (-2.0, False), (0.99, False), (1.0, True), (2.5, True)])
def test_a_shift_opens_an_incident_only_when_the_value_itself_shows_it(point: float, alerts: bool) -> None:
    # A level computed over hours can move while the latest value sits where it was expected: nothing to show yet.
    tracker = IncidentTracker(MEDIUM)

    assert tracker.alerts(100.0, _shift(point), scored=True, level_points=7) is alerts


def test_replaying_many_rules_alerts_exactly_as_each_rule_s_own_tracker() -> None:
    # Shifts, a collapse and spikes, so trackers open incidents, recover, and sit in the aftermath of one.
    points = scaled(scaled(scaled(hourly(days=42, seed=3), 400, 430, 2.5), 600, 650, 0.02), 800, 803, 4.0)
    rules = [
        Rule(level=level, rank=rank, digits=digits, novelty=novelty)
        for level in (0.5, 0.75, 1.0, 1.3)
        for rank in (2, 3)
        for digits in (math.inf, 4.0)
        for novelty in (math.inf, 1.0)
    ]
    verdicts = _replayed_as_each_tracker(points, rules, warmup=48)
    assert sum(sum(alerts) for alerts, _ in verdicts) > len(rules)  # tried on alerts and recoveries too


def test_replaying_many_rules_ends_a_spike_at_a_collapse_exactly_as_each_rule_s_own_tracker() -> None:
    # A strong day's spike still open the next morning when the count collapses: trackers end it and alert again.
    points, _ = strong_day_then_outage(seed=3)
    rules = [Rule(level=level, rank=rank) for level in (0.75, 1.0, 1.3) for rank in (1, 2, 3)]
    verdicts = _replayed_as_each_tracker(points, rules, warmup=24 * 6)
    superseded = sum(
        alert and open_ for alerts, opened in verdicts for alert, open_ in zip(alerts, opened, strict=True)
    )
    assert superseded > 0  # some trackers alerted while an incident was open: the spike was ended by the collapse


def _replayed_as_each_tracker(
    points: list[Point], rules: list[Rule], *, warmup: int
) -> list[tuple[tuple[bool, ...], tuple[bool, ...]]]:
    """Per point, each rule's own tracker's alert and whether it was in an incident before it; asserts that
    `RuleReplay` alerts exactly as those trackers do."""
    model = SurpriseModel()
    replay = RuleReplay(rules)
    trackers = [IncidentTracker(rule) for rule in rules]
    verdicts = []
    for i, point in enumerate(points):
        reading = model.update(point.timestamp.timestamp(), point.value)
        was_open = tuple(tracker.in_incident for tracker in trackers)
        expected = tuple(
            tracker.alerts(point.value, reading, scored=i >= warmup, level_points=7) for tracker in trackers
        )
        assert replay.alerts(point.value, reading, scored=i >= warmup, level_points=7) == expected
        verdicts.append((expected, was_open))
    return verdicts
