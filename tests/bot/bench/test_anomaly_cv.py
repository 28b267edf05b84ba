"""Leave-one-category-out: a category's level is chosen on the other categories only, then scored on it."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from bot.bench.anomaly_cv import cross_validate
from tools.anomaly.alerting import Rule
from tools.anomaly.nab import PROFILES, prepare, score_detections

STANDARD = PROFILES[0]
N = 1000
TIMES = [datetime(2026, 1, 1) + timedelta(minutes=5 * i) for i in range(N)]
WINDOW = (TIMES[500], TIMES[599])
LOUD, QUIET = Rule(level=1.0, rank=1), Rule(level=2.0, rank=1)


def _hits(*rows: int) -> np.ndarray:
    hits = np.zeros(N, dtype=bool)
    hits[list(rows)] = True
    return hits


def test_each_category_is_scored_with_the_rule_the_others_prefer() -> None:
    names = ["a/one.csv", "a/two.csv", "b/one.csv", "b/two.csv"]
    files = [prepare(TIMES, [WINDOW]) for _ in names]
    # LOUD finds a's two windows; QUIET finds b's two windows (each with a false alert) and nothing in a.
    alerts = {
        LOUD: [_hits(510), _hits(520), _hits(), _hits()],
        QUIET: [_hits(), _hits(), _hits(505, 300), _hits(530, 300)],
    }

    result = cross_validate(names=names, files=files, alerts_by_rule=alerts, profile=STANDARD)

    by_category = {held.category: held for held in result.held_out}
    assert (by_category["a"].rule, by_category["b"].rule) == (QUIET, LOUD)
    assert by_category["a"].normalised == pytest.approx(0.0)  # the others' rule misses a's windows
    assert by_category["b"].normalised == pytest.approx(0.0) and by_category["b"].alerts == 0
    assert result.pooled == pytest.approx(0.0)


def test_a_rule_that_alerts_on_an_anomaly_free_series_is_never_chosen() -> None:
    names = ["a/one.csv", "a/two.csv", "quiet/flat.csv", "b/one.csv"]
    files = [prepare(TIMES, [WINDOW]), prepare(TIMES, [WINDOW]), prepare(TIMES, []), prepare(TIMES, [WINDOW])]
    # LOUD finds every window but alerts once on the flat series; QUIET finds one window of a, and b's.
    alerts = {
        LOUD: [_hits(510), _hits(520), _hits(400), _hits(505)],
        QUIET: [_hits(510), _hits(), _hits(), _hits(505)],
    }

    result = cross_validate(names=names, files=files, alerts_by_rule=alerts, profile=STANDARD)

    chosen = {held.category: held.rule for held in result.held_out}
    # b held out: LOUD scores more on a + quiet (2 windows - 0.11 > 1 window - 1 miss) but breaks the silence.
    assert chosen["b"] == QUIET
    # quiet held out: nothing anomaly-free remains to forbid LOUD, which wins on a and b: the flat series pays.
    assert chosen["quiet"] == LOUD
    held = {h.category: h for h in result.held_out}
    assert held["quiet"].normalised is None and held["quiet"].alerts == 1
    raw = sum(
        score_detections(files[i], alerts[chosen[names[i].split("/")[0]]][i], STANDARD) for i in range(len(names))
    )
    assert result.pooled == pytest.approx(100 * (raw + 3) / 6)


def test_a_held_out_category_cannot_influence_its_own_level() -> None:
    names = ["a/one.csv", "b/one.csv"]
    files = [prepare(TIMES, [WINDOW]), prepare(TIMES, [WINDOW])]
    base = {LOUD: [_hits(510), _hits()], QUIET: [_hits(), _hits()]}
    rigged = {LOUD: [_hits(510), _hits()], QUIET: [_hits(), _hits(500)]}

    plain = cross_validate(names=names, files=files, alerts_by_rule=base, profile=STANDARD)
    after = cross_validate(names=names, files=files, alerts_by_rule=rigged, profile=STANDARD)

    assert [h.rule for h in plain.held_out if h.category == "b"] == [LOUD]
    assert [h.rule for h in after.held_out if h.category == "b"] == [LOUD]
