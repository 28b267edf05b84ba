"""The digest's anomaly line never contradicts its own numbers."""

from __future__ import annotations

from datetime import date, timedelta

from bot.digest.fetch import detect
from bot.digest.report import MetricKind

LAST = date(2026, 12, 5)


def _series(values: list[float]) -> dict[date, float]:
    first = LAST - timedelta(days=len(values) - 1)
    return {first + timedelta(days=offset): value for offset, value in enumerate(values)}


def test_an_open_rise_does_not_call_a_lower_day_far_above_normal() -> None:
    # Ten weeks of a steady shop, a sale that doubles traffic for a week (still "open" for the detector), then a
    # day far below it.
    steady = [1000.0 + 40 * (offset % 7) for offset in range(70)]
    series = _series([*steady, *[2100.0] * 7, 600.0])

    anomaly = detect(series, day=LAST, label="Sessions", kind=MetricKind.COUNT, history_days=91)

    assert anomaly is None or (anomaly.direction == "down") == (anomaly.actual < anomaly.expected)
