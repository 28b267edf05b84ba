"""What is news: a crash that cut a sale short is, although it moves against a serious incident that began shortly
before (which is otherwise the baseline settling back)."""

from datetime import datetime, timedelta

from bot.alerts.draft import AlertPolicy, _detect
from tools.anomaly import Point
from tools.anomaly.watch import Series, SeriesSpec

SESSIONS = SeriesSpec(key="ga4:sessions:daily", label="Sessions", source="ga4", metric="sessions", granularity="daily")


def _shop(days: list[float]) -> Series:
    """Ten weeks of a steady shop (1,000-1,240 a day), then `days`."""
    steady = [1000.0 + 40 * (offset % 7) for offset in range(70)]
    values = [*steady, *days]
    start = datetime(2026, 9, 1)
    return Series(spec=SESSIONS, points=[Point(start + timedelta(days=i), v) for i, v in enumerate(values)])


def test_a_crash_that_cut_a_sale_short_is_news() -> None:
    # A one-day sale triples the shop; the next day it falls to 150. The sale's thread says a new incident began,
    # so the fall must be alerted, not taken for the baseline settling back after the sale.
    found, news = _detect([_shop([3000.0, 150.0])], sensitivity="medium", policy=AlertPolicy())

    sale, crash = found[-2:]
    assert sale.incident.direction == "up" and sale.incident.superseded_by == crash.incident.kind
    assert crash.incident.direction == "down" and crash in news and sale in news


def test_the_day_a_sale_ends_is_not_news() -> None:
    _, news = _detect([_shop([3000.0, 1160.0])], sensitivity="medium", policy=AlertPolicy())

    assert all(item.incident.direction == "up" for item in news)
