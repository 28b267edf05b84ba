"""Leave-one-category-out cross-validation of the alert level, so the benchmark reports what a new series would get.

The detector has one setting picked by looking at benchmark scores: the medium alert level. For each category, the
level is chosen on the other categories only (the one with the best pooled score), then that category is scored
with it. Summing the held-out raw scores and normalising over the whole corpus gives the cross-validated score; a
category without windows (artificialNoAnomaly) contributes its false alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tools.anomaly.nab import Profile, ScoredFile, normalise, score_detections


@dataclass(frozen=True, slots=True)
class HeldOut:
    """One category scored with the level chosen on all the others."""

    category: str
    level: float
    raw: float
    normalised: float | None  # None for a category without windows
    alerts: int


@dataclass(frozen=True, slots=True)
class CrossValidation:
    profile: Profile
    held_out: list[HeldOut]
    pooled: float


def category_of(name: str) -> str:
    return name.split("/", 1)[0]


def raw_scores(
    files: Sequence[ScoredFile], alerts_by_level: dict[float, list[np.ndarray]], profile: Profile
) -> dict[float, np.ndarray]:
    """Each file's raw NAB score at each level, as an array per level."""
    return {
        level: np.array([score_detections(f, a, profile) for f, a in zip(files, alerts, strict=True)])
        for level, alerts in alerts_by_level.items()
    }


def choose_level(raw: dict[float, np.ndarray], rows: np.ndarray) -> float:
    """The level with the best summed score over `rows`; ties go to the higher (quieter) level."""
    return max(raw, key=lambda level: (round(float(raw[level][rows].sum()), 9), level))


def cross_validate(
    *,
    names: Sequence[str],
    files: Sequence[ScoredFile],
    alerts_by_level: dict[float, list[np.ndarray]],
    profile: Profile,
) -> CrossValidation:
    raw = raw_scores(files, alerts_by_level, profile)
    categories = np.array([category_of(name) for name in names])
    held_out: list[HeldOut] = []
    total = 0.0
    for category in sorted(set(categories.tolist())):
        inside = categories == category
        level = choose_level(raw, ~inside)
        score = float(raw[level][inside].sum())
        total += score
        members = [f for f, keep in zip(files, inside, strict=True) if keep]
        windows = sum(f.windows for f in members)
        alerts = sum(int(a.sum()) for a, keep in zip(alerts_by_level[level], inside, strict=True) if keep)
        held_out.append(
            HeldOut(
                category=category,
                level=level,
                raw=score,
                normalised=normalise(score, members, profile) if windows else None,
                alerts=alerts,
            )
        )
    return CrossValidation(profile=profile, held_out=held_out, pooled=normalise(total, files, profile))
