"""Realtime: active users over the last 30 minutes, in magnitude what today's hourly level says."""

from __future__ import annotations

import numpy as np

from tools.sample.dataset.config import PropertyConfig
from tools.sample.dataset.cubes import Ga4Cube


def realtime_minutes(config: PropertyConfig, *, cube: Ga4Cube) -> list[tuple[int, int, int, int, int]]:
    """Active users over the last 30 minutes as (minutesAgo, country index, device index, page index, users).

    Derived from today's hourly level so realtime agrees in magnitude with the day's report.
    """
    catalog = config.catalog
    rng = np.random.default_rng(config.seed + int(config.now.timestamp()) // 60)
    hour_share = cube.hour_weights[-1, config.now.hour] / max(sum(catalog.hour_profile), 1e-9)
    weekday = catalog.weekday_factors[config.today.weekday()]
    per_minute = config.daily_sessions * weekday * hour_share / 60.0 * 1.4
    if cube.hour_weights[-1, config.now.hour] == 0:
        per_minute = 0.0
    rows: list[tuple[int, int, int, int, int]] = []
    country_p = np.array(catalog.country_weights) / sum(catalog.country_weights)
    device_p = np.array(catalog.device_weights) / sum(catalog.device_weights)
    page_p = np.array([page[2] + page[3] for page in catalog.pages])
    page_p = page_p / page_p.sum()
    for minutes_ago in range(30):
        users = int(rng.poisson(per_minute))
        for _ in range(users):
            rows.append(
                (
                    minutes_ago,
                    int(rng.choice(len(catalog.countries), p=country_p)),
                    int(rng.choice(len(catalog.devices), p=device_p)),
                    int(rng.choice(len(catalog.pages), p=page_p)),
                    1,
                )
            )
    return rows
