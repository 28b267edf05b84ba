"""The shape of a dataset's days before any noise: trend and weekly seasonality, hourly splits, and the multipliers
the injected incidents put on the cells they target."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from tools.sample.dataset.config import PropertyConfig
from tools.sample.dataset.cubes import FloatArray
from tools.sample.dataset.incidents import OrganicDrop, TrackingBroken, Uplift


def base_level(config: PropertyConfig, *, days: Sequence[date], weekday_factors: Sequence[float]) -> FloatArray:
    """Trend × weekly seasonality × a slow wobble, the same for GA4 and Search Console shapes."""
    offsets = np.arange(len(days), dtype=np.float64)
    trend = (1.0 + config.yearly_growth) ** ((offsets - len(days)) / 365.0)
    weekly = np.array([weekday_factors[day.weekday()] for day in days])
    wobble = 1.0 + 0.05 * np.sin(offsets / 9.0 + config.seed)
    return np.asarray(trend * weekly * wobble, dtype=np.float64)


def hour_weights(config: PropertyConfig, *, days: Sequence[date]) -> FloatArray:
    """(days, 24): each day's hourly profile, less site-wide tracking breaks, cut at `now` on today."""
    weights = np.tile(np.array(config.catalog.hour_profile, dtype=np.float64), (len(days), 1))
    for incident in config.incidents:
        if isinstance(incident, TrackingBroken) and incident.page_prefix is None:
            for index, day in enumerate(days):
                if incident.start <= day <= incident.end:
                    hours = incident.hours if incident.hours is not None else range(24)
                    for hour in hours:
                        weights[index, hour] *= incident.remaining
    if days and days[-1] == config.today:
        weights[-1, config.now.hour + 1 :] = 0.0
        weights[-1, config.now.hour] *= config.now.minute / 60.0
    return weights


def page_hour_factors(config: PropertyConfig, *, days: Sequence[date]) -> FloatArray:
    """(days, pages, 24) multipliers from page-level tracking breaks, 1 elsewhere."""
    factors = np.ones((len(days), len(config.catalog.pages), 24))
    for incident in config.incidents:
        if isinstance(incident, TrackingBroken) and incident.page_prefix is not None:
            hours = np.array(incident.hours if incident.hours is not None else range(24), dtype=np.int64)
            cells = np.ix_(np.flatnonzero(page_mask(config, prefix=incident.page_prefix)), hours)
            for index, day in enumerate(days):
                if incident.start <= day <= incident.end:
                    factors[index][cells] *= incident.remaining
    return factors


def in_window(days: Sequence[date], *, start: date, end: date | None) -> npt.NDArray[np.bool_]:
    return np.array([start <= day and (end is None or day <= end) for day in days])


def channel_mask(config: PropertyConfig, *, channels: Sequence[str]) -> npt.NDArray[np.bool_]:
    return np.array([not channels or sm.channel in channels for sm in config.catalog.all_source_mediums])


def page_mask(config: PropertyConfig, *, prefix: str) -> npt.NDArray[np.bool_]:
    return np.array([path.startswith(prefix) for path in config.pages])


def effects(config: PropertyConfig, *, days: Sequence[date], shape: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
    """Multipliers per cell for traffic and for the key-event rate, from uplifts and organic drops (tracking
    breaks act through the hour weights instead)."""
    traffic = np.ones(shape)
    conversion = np.ones(shape)
    organic = channel_mask(config, channels=("Organic Search",))
    for incident in config.incidents:
        if isinstance(incident, Uplift):
            select = in_window(days, start=incident.start, end=incident.end)[:, None, None, None, None]
            select = select & channel_mask(config, channels=incident.channels)[None, :, None, None, None]
            select = np.broadcast_to(select, shape)
            traffic[select] *= incident.traffic
            conversion[select] *= incident.conversion
        elif isinstance(incident, OrganicDrop):
            select = in_window(days, start=incident.start, end=incident.end)[:, None, None, None, None]
            select = select & organic[None, :, None, None, None]
            select = select & page_mask(config, prefix=incident.page_prefix)[None, None, None, None, :]
            traffic[np.broadcast_to(select, shape)] *= incident.remaining
    return traffic, conversion
