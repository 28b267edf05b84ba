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
