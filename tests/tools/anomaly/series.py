"""Synthetic metric series for the anomaly tests: weekly-seasonal Poisson-like traffic with noise."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np

from tools.anomaly import Point

START = datetime(2026, 1, 5)  # a Monday
WEEKDAY_SHAPE = (1.0, 1.05, 1.04, 1.02, 0.95, 0.6, 0.55)


def daily(days: int = 90, *, seed: int = 1, level: float = 1000.0) -> list[Point]:
    """Sessions per day: a weekday/weekend pattern, a little day-to-day drift, Poisson noise."""
    rng = np.random.default_rng(seed)
    points = []
    for i in range(days):
        day = START + timedelta(days=i)
        mean = level * WEEKDAY_SHAPE[day.weekday()] * rng.normal(1.0, 0.05)
        points.append(Point(day, float(rng.poisson(max(mean, 0.0)))))
    return points


def hourly(days: int = 28, *, seed: int = 1, level: float = 100.0) -> list[Point]:
    """Sessions per hour: the weekly pattern times a daytime bump."""
    rng = np.random.default_rng(seed)
    points = []
    for i in range(days * 24):
        hour = START + timedelta(hours=i)
        daytime = 0.3 + math.sin(math.pi * hour.hour / 24)
        mean = level * WEEKDAY_SHAPE[hour.weekday()] * daytime * rng.normal(1.0, 0.05)
        points.append(Point(hour, float(rng.poisson(max(mean, 0.0)))))
    return points


def scaled(points: list[Point], start: int, end: int, factor: float) -> list[Point]:
    """A copy with points[start:end] multiplied by factor."""
    return [Point(p.timestamp, p.value * factor) if start <= i < end else p for i, p in enumerate(points)]


def varying_days(days: int, *, seed: int) -> list[Point]:
    """Hourly counts whose days vary as web traffic's do: Poisson counts of a daily and weekly profile times a
    day's factor drawn from a gamma of mean 1 and variance 0.06 (a day is typically 25 % off its profile)."""
    rng = np.random.default_rng(seed)
    points = []
    for day in range(days):
        factor = rng.gamma(1 / 0.06, 0.06)
        for hour in range(24):
            moment = START + timedelta(days=day, hours=hour)
            profile = 0.25 + 1.5 * math.exp(-((hour - 14) ** 2) / 18)
            mean = 400 * profile * (1.0, 1.05, 1.04, 1.02, 0.95, 0.7, 0.65)[moment.weekday()] * factor
            points.append(Point(moment, float(rng.poisson(mean))))
    return points


def strong_day_then_outage(*, seed: int, factor: float = 3.0, outage: bool = True) -> tuple[list[Point], int]:
    """Six weeks of `varying_days` with a strong day (Monday Feb 2 from 08:00 to midnight, `factor` times the
    counts) and, with `outage`, six hours of zeros the next morning; and the index of Tuesday 09:00."""
    strong, at = 28 * 24 + 8, 29 * 24 + 9
    points = [
        Point(point.timestamp, float(round(point.value * factor))) if strong <= i < 29 * 24 else point
        for i, point in enumerate(varying_days(42, seed=seed))
    ]
    if outage:
        points = scaled(points, at, at + 6, 0.0)
    return points, at


def drop_then_spike(*, seed: int) -> tuple[list[Point], int]:
    """Six weeks of `varying_days` where the counts fall to 30 % for eight hours (Monday Feb 9 from 08:00) and then
    rise to three times the usual for two; and the index of the rise (16:00)."""
    start = 35 * 24 + 8
    points = scaled(scaled(varying_days(42, seed=seed), start, start + 8, 0.3), start + 8, start + 10, 3.0)
    return points, start + 8
