"""Leave-one-category-out cross-validation of the alert rule, so the benchmark reports what a new series would get.

The detector's settings picked by looking at benchmark scores make up its medium alert rule: the level, and which
past deviation sets the precedent (the largest, the second largest...). For each category, the rule is chosen on
the other categories only (the one with the best pooled score among those that raise no alert on the anomaly-free
files there: a quiet series must stay silent, whatever that costs elsewhere), then that category is scored with it. Summing the held-out raw scores and normalising over the whole corpus gives the cross-validated score; a
category without windows (artificialNoAnomaly) contributes its false alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tools.anomaly.alerting import Rule
from tools.anomaly.nab import Profile, ScoredFile, normalise, score_detections


@dataclass(frozen=True, slots=True)
class HeldOut:
    """One category scored with the rule chosen on all the others."""

    category: str
    rule: Rule
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
    files: Sequence[ScoredFile], alerts_by_rule: dict[Rule, list[np.ndarray]], profile: Profile
) -> dict[Rule, np.ndarray]:
    """Each file's raw NAB score under each rule, as an array per rule."""
    return {
        rule: np.array([score_detections(f, a, profile) for f, a in zip(files, alerts, strict=True)])
        for rule, alerts in alerts_by_rule.items()
    }


def quiet_alerts(files: Sequence[ScoredFile], alerts_by_rule: dict[Rule, list[np.ndarray]]) -> dict[Rule, np.ndarray]:
    """Per rule, each file's alert count if the file is labelled anomaly-free (no window at all), else 0."""
    return {
        rule: np.array([int(a.sum()) if f.windows == 0 else 0 for f, a in zip(files, alerts, strict=True)])
        for rule, alerts in alerts_by_rule.items()
    }


def choose_rule(raw: dict[Rule, np.ndarray], rows: np.ndarray, quiet: dict[Rule, np.ndarray]) -> Rule:
    """The rule with the best summed score over `rows` among those silent on the anomaly-free files there (all
    rules when none is); ties go to the higher (quieter) level."""
    silent = [rule for rule in raw if not quiet[rule][rows].any()] or list(raw)
    return max(silent, key=lambda rule: (round(float(raw[rule][rows].sum()), 9), rule))


def cross_validate(
    *,
    names: Sequence[str],
    files: Sequence[ScoredFile],
    alerts_by_rule: dict[Rule, list[np.ndarray]],
    profile: Profile,
) -> CrossValidation:
    raw = raw_scores(files, alerts_by_rule, profile)
    quiet = quiet_alerts(files, alerts_by_rule)
    categories = np.array([category_of(name) for name in names])
    held_out: list[HeldOut] = []
    total = 0.0
    for category in sorted(set(categories.tolist())):
        inside = categories == category
        rule = choose_rule(raw, ~inside, quiet)
        score = float(raw[rule][inside].sum())
        total += score
        members = [f for f, keep in zip(files, inside, strict=True) if keep]
        windows = sum(f.windows for f in members)
        alerts = sum(int(a.sum()) for a, keep in zip(alerts_by_rule[rule], inside, strict=True) if keep)
        held_out.append(
            HeldOut(
                category=category,
                rule=rule,
                raw=score,
                normalised=normalise(score, members, profile) if windows else None,
                alerts=alerts,
            )
        )
    return CrossValidation(profile=profile, held_out=held_out, pooled=normalise(total, files, profile))
