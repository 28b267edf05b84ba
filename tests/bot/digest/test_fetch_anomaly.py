"""The digest's anomaly line never contradicts its own numbers."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.digest.fetch import detect
from bot.digest.report import DigestAnomaly, MetricKind

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


def _sale_then(last_day: float) -> dict[date, float]:
    """Ten weeks of a steady shop (1,000-1,240 a day), a sale that doubles it for a week, then `last_day`."""
    steady = [1000.0 + 40 * (offset % 7) for offset in range(70)]
    return _series([*steady, *[2100.0] * 7, last_day])


def test_a_crash_while_a_sale_is_still_open_is_flagged_low_against_the_level_before_the_sale() -> None:
    # The detector opens no second incident while the sale's is open: the digest must still call the crash.
    anomaly = detect(_sale_then(200.0), day=LAST, label="Sessions", kind=MetricKind.COUNT, history_days=91)

    assert anomaly is not None and anomaly.direction == "down" and anomaly.actual == 200.0
    assert 1000.0 <= anomaly.expected <= 1300.0  # the shop's level before the sale, not the sale's


def test_the_day_a_sale_ends_is_not_called_unusually_low() -> None:
    anomaly = detect(_sale_then(1160.0), day=LAST, label="Sessions", kind=MetricKind.COUNT, history_days=91)

    assert anomaly is None or anomaly.direction == "up"


# Real GA4 daily exports (the Google Merchandise Store, Nov 2020 - Jan 2021) live beside the repository, not in it:
# their licence is unconfirmed (../shared/data/google/SOURCES.md), so they are read where they exist.
MERCH_STORE = (
    Path(__file__).parents[3] / ".." / "shared" / "data" / "google" / "ga4_merch_store_daily_20201101_20210131.csv"
)
SPIKE = date(2020, 12, 8)  # sessions +51 % on one Tuesday, the only day the detector alerts on in sessions


def _merch_store(column: str) -> dict[date, float]:
    if not MERCH_STORE.exists():
        pytest.skip(f"{MERCH_STORE} is not here (real data kept outside the repository)")
    with MERCH_STORE.open(newline="") as rows:
        return {
            datetime.strptime(row["event_date"], "%Y%m%d").date(): float(row[column]) for row in csv.DictReader(rows)
        }


def _digests(series: dict[date, float]) -> dict[date, DigestAnomaly | None]:
    """Each day's digest verdict, over the history the export holds up to that day (no days before it as zeros)."""
    first = min(series)
    return {
        day: detect(series, day=day, label="Sessions", kind=MetricKind.COUNT, history_days=(day - first).days + 1)
        for day in sorted(series)
    }


@pytest.mark.parametrize("column", ["session_start", "users"])
def test_on_real_ga4_days_only_the_spike_and_its_tail_are_unusual(column: str) -> None:
    verdicts = _digests(_merch_store(column))

    spike = verdicts[SPIKE]
    assert spike is not None and spike.direction == "up"
    assert spike.actual > 1.4 * spike.expected
    flagged = {day for day, verdict in verdicts.items() if verdict is not None}
    # Black Friday, Cyber Monday, the holiday dip and January's return are ordinary for this shop's variation; the
    # days after the spike are flagged only while they are themselves outside it, never against the spike's baseline.
    assert flagged <= {SPIKE + timedelta(days=offset) for offset in range(3)}
    for day in flagged:
        verdict = verdicts[day]
        assert verdict is not None and verdict.actual > verdict.expected
