"""Building the Search Console cube (by query) and its by-ranking view (query, page), where a second page ranking
for a query takes its part of the query's cells."""

from __future__ import annotations

import numpy as np

from tools.sample.dataset.config import PropertyConfig
from tools.sample.dataset.cubes import GscCube, GscRankings
from tools.sample.dataset.effects import base_level, in_window
from tools.sample.dataset.incidents import OrganicDrop, Uplift


def build_gsc(config: PropertyConfig) -> GscCube:
    catalog = config.catalog
    rng = np.random.default_rng(config.seed + 1000)
    days = [day for day in config.day_list() if day <= config.gsc_last_day]
    n_days, n_q = len(days), len(catalog.queries)
    shape = (n_days, n_q, len(catalog.countries), len(catalog.gsc_devices))
    level = base_level(config, days=days, weekday_factors=catalog.gsc_weekday_factors)
    volume = np.array([query[2] for query in catalog.queries])
    expected = (
        level[:, None, None, None]
        * volume[None, :, None, None]
        * np.array(catalog.gsc_country_weights)[None, None, :, None]
        * np.array(catalog.gsc_device_weights)[None, None, None, :]
    )
    noise = rng.lognormal(mean=0.0, sigma=0.22, size=shape)
    position_noise = rng.normal(0.0, 0.35, size=shape)
    impressions_uniform = rng.random(size=shape)
    click_uniform = rng.random(size=shape)

    # The last days are still being processed, as in Search Console: their numbers are partial.
    completeness = np.array(
        [
            0.55 if day == config.gsc_last_day else 0.85 if day >= config.gsc_first_incomplete_date else 1.0
            for day in days
        ]
    )
    demand = np.ones(n_days)
    for incident in config.incidents:
        if isinstance(incident, Uplift) and (not incident.channels or "Organic Search" in incident.channels):
            demand[in_window(days, start=incident.start, end=incident.end)] *= incident.traffic
    impressions_expected = expected * noise * (completeness * demand)[:, None, None, None]
    position = np.maximum(1.0, np.array([query[3] for query in catalog.queries])[None, :, None, None] + position_noise)
    # Expected clicks come from the pre-incident ranking, then scale with the incident, so GSC clicks on the
    # affected pages fall by the same factor as GA4's organic sessions there.
    clicks_expected = impressions_expected * (0.42 / position**1.15)  # a typical organic CTR-by-position curve
    for incident in config.incidents:
        if isinstance(incident, OrganicDrop):
            pages = np.array([path.startswith(incident.page_prefix) for _, path, _, _ in catalog.queries])
            window = in_window(days, start=incident.start, end=incident.end)
            select = np.broadcast_to(window[:, None, None, None] & pages[None, :, None, None], shape)
            clicks_expected = np.where(select, clicks_expected * incident.remaining, clicks_expected)
            impressions_expected = np.where(
                select, impressions_expected * (1.0 + incident.remaining) / 2.0, impressions_expected
            )
            position = np.where(select, position + incident.position_loss, position)
    impressions = np.floor(impressions_expected + impressions_uniform).astype(np.int64)
    clicks = np.floor(clicks_expected + click_uniform).astype(np.int64)
    clicks = np.minimum(clicks, impressions)
    position_sum = np.round(position * impressions * 100).astype(np.int64)  # hundredths, to stay integral
    return GscCube(days=days, atoms={"clicks": clicks, "impressions": impressions, "positionSum": position_sum})


def build_rankings(config: PropertyConfig, *, cube: GscCube) -> GscRankings:
    """Split each shared ranking's part off its query's cells; every total stays what `cube` says."""
    texts = [query for query, _, _, _ in config.catalog.queries]
    queries, pages = list(config.queries), [path for _, path, _, _ in config.catalog.queries]
    # Copied: `gsc()` is shared and keeps its numbers.
    parts = {name: [values.copy()] for name, values in cube.atoms.items()}
    for ranking in config.shared_rankings:
        index = texts.index(ranking.query)
        primary = {name: values[0][:, index] for name, values in parts.items()}
        impressions = np.floor(primary["impressions"] * ranking.share).astype(np.int64)
        # Lower down the page, a smaller share of the clicks: half the impression share.
        clicks = np.minimum(np.floor(primary["clicks"] * ranking.share / 2).astype(np.int64), impressions)
        mean = primary["positionSum"] / np.maximum(primary["impressions"], 1)
        position_sum = np.round(impressions * (mean + 100 * ranking.position_offset)).astype(np.int64)
        taken = {"impressions": impressions, "clicks": clicks, "positionSum": position_sum}
        for name, values in parts.items():
            values[0][:, index] -= taken[name]
            values.append(taken[name][:, None])
        queries.append(config.query_texts.get(ranking.query, ranking.query))
        pages.append(ranking.page)
    atoms = {name: np.concatenate(values, axis=1) for name, values in parts.items()}
    return GscRankings(queries=queries, pages=pages, cube=GscCube(days=cube.days, atoms=atoms))
