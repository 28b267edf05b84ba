"""Counts reported as a rate (a count per minute over an hour, per second over five minutes) are read as counts."""

from __future__ import annotations

import random

import pytest

from tests.tools.anomaly.series import hourly, scaled
from tools.anomaly import AnomalyDetector, Point
from tools.anomaly.units import CountUnit, common_grid


def test_the_common_grid_of_two_rates_of_counts_is_one_event() -> None:
    assert common_grid(5 / 60, 3 / 60) == pytest.approx(1 / 60, rel=1e-9)
    assert common_grid(7 / 300, 12 / 300) == pytest.approx(1 / 300, rel=1e-9)
    assert common_grid(6.0, 4.0) == 2.0


def _unit(values: list[float]) -> float | None:
    units = CountUnit()
    for value in values:
        units.add(value)
    return units.unit


def test_whole_numbers_are_counts_of_one_whatever_their_common_divisor() -> None:
    assert _unit([0.0, 4.0, 6.0, 12.0]) == 1.0
    assert _unit([0.0, 0.0]) == 1.0  # nothing says otherwise yet


@pytest.mark.parametrize("per", [60, 300, 3_600])
def test_a_rate_of_counts_is_counts_of_one_over_its_divisor(per: int) -> None:
    rng = random.Random(per)
    counts = [rng.randint(0, 9) for _ in range(200)]
    assert _unit([count / per for count in counts]) == pytest.approx(1 / per)


def test_the_first_rates_may_share_a_coarser_grid_until_the_values_say_otherwise() -> None:
    units = CountUnit()
    units.add(2 / 60)  # 1/30 so far
    assert units.unit == pytest.approx(1 / 30)
    units.add(3 / 60)
    assert units.unit == pytest.approx(1 / 60)


def test_decimals_measured_values_and_negative_values_are_not_counts() -> None:
    # A percentage written with two decimals has a grid of 1/100, as a count per hundred would: it is no count; nor
    # is a load written with three decimals whose last digits happen to be even (a grid of 1/500).
    assert _unit([3.06, 6.44, 5.17, 3.83, 4.5]) is None
    assert _unit([0.066, 0.134, 2.0, 1.25]) is None
    assert _unit([0.02, 0.08, 0.02]) is None  # a square wave of 20 and 80, x 0.001
    rng = random.Random(1)
    measured = [rng.uniform(0.05, 0.15) for _ in range(50)]
    assert _unit([*measured, 3.0, 4.0]) is None  # never again, whatever whole numbers come later
    assert _unit([4.0, -1.0, 5.0]) is None


def _alerts(points: list[Point], *, per: float) -> list[tuple[object, str | None]]:
    detector = AnomalyDetector("medium")
    found = []
    for point in points:
        score = detector.update(point.timestamp, point.value / per)
        if score.alert:
            found.append((point.timestamp, score.kind))
    return found


@pytest.mark.parametrize("per", [60.0, 300.0])
def test_a_shop_that_reports_purchases_as_a_rate_alerts_as_it_would_on_the_counts(per: float) -> None:
    """The same purchases, as counts or as a rate: the same alerts, the tag break found in both (before, the rate
    lost the counts' noise floor and lower tail, and the same shop alerted on noise and missed its break)."""
    purchases = hourly(days=42, seed=3, level=20.0)
    start = 35 * 24 + 9
    broken = scaled(purchases, start, start + 8, 0.0)

    counted = _alerts(broken, per=1.0)
    assert any(stamp == broken[index].timestamp for stamp, _ in counted for index in range(start, start + 8))
    assert _alerts(broken, per=per) == counted
