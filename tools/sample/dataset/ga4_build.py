"""Building the GA4 cube: expected sessions per cell, noise drawn in a fixed order, then the integer atoms.

Noise is drawn before any incident is applied, so injecting one changes only the cells it targets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from tools.sample.dataset.config import PropertyConfig
from tools.sample.dataset.cubes import DERIVED_ATOMS, GA4_METRIC_ATOMS, FloatArray, Ga4Cube, IntArray
from tools.sample.dataset.effects import base_level, channel_mask, effects, hour_weights, page_hour_factors
from tools.sample.dataset.incidents import BotSpike

_Noise = tuple[FloatArray, FloatArray, dict[str, FloatArray], FloatArray]


def build_ga4(config: PropertyConfig) -> Ga4Cube:
    catalog = config.catalog
    days = config.day_list()
    shape = (
        len(days),
        len(catalog.all_source_mediums),
        len(catalog.devices),
        len(catalog.countries),
        len(catalog.pages),
    )
    expected = _expected_sessions(config, days=days, shape=shape)
    cell_noise, day_noise, uniforms, order_value = _draw_noise(config, shape=shape)

    weights = hour_weights(config, days=days)
    page_hour_weights = weights[:, None, :] * page_hour_factors(config, days=days)
    # The share of a typical day each page's sessions were recorded for (partial today, tracking breaks).
    page_fraction = page_hour_weights.sum(axis=2) / sum(catalog.hour_profile)
    traffic, conversion = effects(config, days=days, shape=shape)
    intensity = expected * cell_noise * day_noise * page_fraction[:, None, None, None, :] * traffic
    del expected, cell_noise, traffic

    atoms = _atoms(config, intensity=intensity, uniforms=uniforms, order_value=order_value, conversion=conversion)
    for incident in config.incidents:
        if isinstance(incident, BotSpike):
            _add_bots(config, atoms=atoms, spike=incident, days=days, hours=weights)
    return Ga4Cube(
        days=days,
        atoms=atoms,
        hour_weights=weights,
        page_hour_weights=page_hour_weights,
        hour_noise=_hour_noise(config, days=days),
    )


def _hour_noise(config: PropertyConfig, *, days: Sequence[date]) -> FloatArray:
    """(days, 24): a Gamma multiplier per site hour, mean 1 and variance 1 / (the hour's expected sessions).

    Visits arrive one by one, so an hour's sessions vary at least like a Poisson count around the day's share: a
    fixed split of each day made hours far steadier than counts can be (variance / mean 0.03 at night). The
    multipliers move sessions between the hours of a day only (the split keeps each day's total), and come from
    their own generator, so every other number stays as it was.
    """
    catalog = config.catalog
    profile = np.array(catalog.hour_profile, dtype=np.float64)
    level = base_level(config, days=days, weekday_factors=catalog.weekday_factors) * config.daily_sessions
    # At least one session an hour: a Gamma of shape near 0 is all but always 0.
    expected = np.maximum(level[:, None] * profile[None, :] / profile.sum(), 1.0)
    rng = np.random.default_rng([config.seed, 24])
    noise: FloatArray = rng.gamma(shape=expected, scale=1.0 / expected)
    return noise


def _expected_sessions(config: PropertyConfig, *, days: Sequence[date], shape: tuple[int, ...]) -> FloatArray:
    """Sessions per (day, source/medium, device, country, page) before noise and incidents."""
    catalog = config.catalog
    level = base_level(config, days=days, weekday_factors=catalog.weekday_factors) * config.daily_sessions
    sm_weights = np.array(catalog.all_source_medium_weights)
    organic = channel_mask(config, channels=("Organic Search",))
    page_other = np.array([page[2] for page in catalog.pages])
    page_organic = np.array([page[3] for page in catalog.pages])
    page_weights = np.where(
        organic[:, None], page_organic / page_organic.sum(), page_other / page_other.sum()
    )  # (sm, page)
    expected: FloatArray = (
        level[:, None, None, None, None]
        * sm_weights[None, :, None, None, None]
        * np.array(catalog.device_weights)[None, None, :, None, None]
        * np.array(catalog.country_weights)[None, None, None, :, None]
        * page_weights[None, :, None, None, :]
    )
    return expected


def _draw_noise(config: PropertyConfig, *, shape: tuple[int, ...]) -> _Noise:
    """Cell noise, day noise, each atom's rounding uniforms and order values, always drawn in this order."""
    catalog = config.catalog
    rng = np.random.default_rng(config.seed)
    extra_rng = np.random.default_rng(config.seed + 5000)
    n_days, n_sm = shape[0], shape[1]
    n_base = len(catalog.source_mediums)

    def draw(sample: Callable[[np.random.Generator, tuple[int, ...]], FloatArray]) -> FloatArray:
        """Noise for the usual source/mediums from `rng` as before, the AI assistants' from their own."""
        base = sample(rng, (n_days, n_base, *shape[2:]))
        if n_sm == n_base:
            return base
        return np.concatenate([base, sample(extra_rng, (n_days, n_sm - n_base, *shape[2:]))], axis=1)

    cell_noise = draw(lambda g, size: g.lognormal(mean=0.0, sigma=0.18, size=size))
    day_noise = rng.lognormal(mean=0.0, sigma=0.05, size=(n_days, 1, 1, 1, 1))
    # Every atom's uniforms are drawn, in this order, so the numbers stay put; but the derived atoms' are dropped
    # at once and the others as soon as used: the build's peak memory is these full-cube float64 temporaries.
    uniforms: dict[str, FloatArray] = {}
    for name in GA4_METRIC_ATOMS:
        drawn = draw(lambda g, size: g.random(size=size))
        if name not in DERIVED_ATOMS:
            uniforms[name] = drawn
        del drawn
    order_value = draw(lambda g, size: g.lognormal(mean=np.log(catalog.order_value), sigma=0.25, size=size))
    return cell_noise, day_noise, uniforms, order_value


def _atoms(
    config: PropertyConfig,
    *,
    intensity: FloatArray,
    uniforms: dict[str, FloatArray],
    order_value: FloatArray,
    conversion: FloatArray,
) -> dict[str, IntArray]:
    """The integer atoms from the sessions' intensity: each rounded with its own uniforms (used up as it goes)."""
    catalog = config.catalog
    shape = intensity.shape

    # The atoms are int32: a cell holds one day of one page, channel, device and country (tens to thousands),
    # far inside int32; numpy sums int32 into int64, so reports never overflow, and the cube takes half the
    # memory of int64. Each is int32 from the start, so no int64 copy of the cube ever exists.
    def rounded(values: npt.NDArray[np.floating[Any]], name: str) -> IntArray:
        return np.floor(values + uniforms.pop(name)).astype(np.int32)

    organic = channel_mask(config, channels=("Organic Search",))
    engaged_share = np.clip(0.58 + 0.08 * organic[None, :, None, None, None] * np.ones(shape), 0.0, 1.0)
    mobile = np.where(np.array(catalog.devices) == "mobile", 0.92, 1.0)
    engaged_share = engaged_share * mobile[None, None, :, None, None]
    key_rate = np.array([page[4] for page in catalog.pages])[None, None, None, None, :] * conversion
    sessions = rounded(intensity, "sessions")
    atoms: dict[str, IntArray] = {
        "sessions": sessions,
        "totalUsers": rounded(sessions * 0.82, "totalUsers"),
        "newUsers": rounded(sessions * 0.61, "newUsers"),
        "engagedSessions": rounded(sessions * engaged_share, "engagedSessions"),
        "screenPageViews": rounded(sessions * 3.7, "screenPageViews"),
        "userEngagementDuration": rounded(sessions * 94.0, "userEngagementDuration"),
        "keyEvents": rounded(sessions * key_rate * 1.25, "keyEvents"),
        "keyEventSessions": rounded(sessions * key_rate, "keyEventSessions"),
        "ecommercePurchases": rounded(sessions * key_rate * catalog.purchase_share, "ecommercePurchases"),
    }
    atoms["purchaseRevenue"] = np.floor(atoms["ecommercePurchases"] * order_value).astype(np.int32)
    atoms["eventCount"] = atoms["screenPageViews"] * 2 + sessions * 3 + atoms["keyEvents"]
    return atoms


def _add_bots(
    config: PropertyConfig, *, atoms: dict[str, IntArray], spike: BotSpike, days: Sequence[date], hours: FloatArray
) -> None:
    """Bot sessions: Direct, desktop, landing on the home page, never engaged, no key events."""
    catalog = config.catalog
    country = next((i for i, (name, _, _) in enumerate(catalog.countries) if name == spike.country), None)
    if country is None:
        raise KeyError(f"unknown country {spike.country!r}")
    direct = next(i for i, sm in enumerate(catalog.all_source_mediums) if sm.channel == "Direct")
    home = config.pages.index("/")
    for index, day in enumerate(days):
        if spike.start <= day <= spike.end:
            bots = round(spike.sessions_per_day * hours[index].sum() / sum(catalog.hour_profile))
            cell = (index, direct, 0, country, home)
            atoms["sessions"][cell] += bots
            atoms["totalUsers"][cell] += bots
            atoms["newUsers"][cell] += bots
            atoms["screenPageViews"][cell] += bots
            atoms["eventCount"][cell] += bots * 3
