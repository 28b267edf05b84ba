"""The incident tracker: when a reading opens an incident; many rules replayed at once."""

from __future__ import annotations

import math

import pytest

from tests.tools.anomaly.series import drop_then_spike, hourly, scaled, strong_day_then_outage
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


def _point(stat: float, ratio: float) -> Reading:
    # Only the point is off: `stat` spreads, `ratio` times its precedent (hourly).
    return Reading(
        100.0, ((ratio, 0.0, 0.0),) * MAX_RANK, (), (stat, 0.0, 0.0), 1.0, 3600.0, ((ratio, stat),) * MAX_RANK
    )


def _spike_held_open(tracker: IncidentTracker) -> None:
    """A spike alerts, then six hours of values below what is expected (a strong day's night under the level it
    carried up): not quiet, so it stays open, and past the gap between two alerts."""
    assert tracker.alerts(100.0, _point(6.0, 2.0), scored=True, level_points=7)
    for _ in range(6):
        assert not tracker.alerts(100.0, _point(-2.0, 0.8), scored=True, level_points=7)
    assert tracker.in_incident and tracker.kind == "spike"


def test_an_open_spike_met_by_a_drop_that_would_alert_on_its_own_ends_and_the_drop_alerts() -> None:
    tracker = IncidentTracker(MEDIUM)
    _spike_held_open(tracker)

    # 95 is below what was expected when the spike opened (100) by more than a spread (1): a fall, not a return.
    assert tracker.alerts(95.0, _point(-5.0, 1.5), scored=True, level_points=7)
    assert tracker.in_incident and tracker.kind == "drop"


@pytest.mark.parametrize(
    ("value", "stat", "ratio"),
    [(95.0, -5.0, 0.9), (95.0, -0.5, 1.5), (95.0, 5.0, 1.5), (99.5, -5.0, 1.5)],
    ids=["under-the-level", "not-shown", "same-way", "a-return-to-what-was-usual"],
)
def test_an_open_spike_is_not_cut_short_by_what_would_not_alert_the_other_way(
    value: float, stat: float, ratio: float
) -> None:
    tracker = IncidentTracker(MEDIUM)
    _spike_held_open(tracker)

    assert not tracker.alerts(value, _point(stat, ratio), scored=True, level_points=7)
    assert tracker.in_incident and tracker.kind == "spike"


def test_an_incident_is_not_cut_short_within_the_gap_between_two_alerts() -> None:
    tracker = IncidentTracker(MEDIUM)
    assert tracker.alerts(100.0, _point(6.0, 2.0), scored=True, level_points=7)

    assert not tracker.alerts(95.0, _point(-5.0, 1.5), scored=True, level_points=7)
    assert tracker.kind == "spike"


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


def test_replaying_many_rules_ends_a_drop_at_a_sharp_rise_exactly_as_each_rule_s_own_tracker() -> None:
    points, _ = drop_then_spike(seed=5)
    rules = [Rule(level=level, rank=rank) for level in (0.75, 1.0, 1.3) for rank in (2, 3)]
    verdicts = _replayed_as_each_tracker(points, rules, warmup=24 * 6)
    turned = sum(alert and open_ for alerts, opened in verdicts for alert, open_ in zip(alerts, opened, strict=True))
    assert turned > 0  # some trackers alerted while an incident was open: the drop was ended by the rise


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
