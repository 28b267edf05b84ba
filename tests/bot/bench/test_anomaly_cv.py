"""Leave-one-category-out: a category's level is chosen on the other categories only, then scored on it."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from bot.bench.anomaly_cv import cross_validate
from tools.anomaly.nab import PROFILES, prepare, score_detections

STANDARD = PROFILES[0]
N = 1000
TIMES = [datetime(2026, 1, 1) + timedelta(minutes=5 * i) for i in range(N)]
WINDOW = (TIMES[500], TIMES[599])


def _hits(*rows: int) -> np.ndarray:
    hits = np.zeros(N, dtype=bool)
    hits[list(rows)] = True
    return hits


def test_each_category_is_scored_with_the_level_the_others_prefer() -> None:
    names = ["a/one.csv", "a/two.csv", "b/one.csv", "quiet/flat.csv"]
    files = [prepare(TIMES, [WINDOW]), prepare(TIMES, [WINDOW]), prepare(TIMES, [WINDOW]), prepare(TIMES, [])]
    # Level 1 finds a's windows; level 2 finds b's; the quiet file alerts only at level 1.
    alerts = {
        1.0: [_hits(510), _hits(520), _hits(300), _hits(400)],
        2.0: [_hits(), _hits(), _hits(505), _hits()],
    }

    result = cross_validate(names=names, files=files, alerts_by_level=alerts, profile=STANDARD)

    chosen = {held.category: held.level for held in result.held_out}
    # a held out: b and quiet vote 2.0 (b's window, no quiet alert); b held out: a's two windows outweigh the
    # quiet alert at 1.0; quiet held out: a's windows win at 1.0, so it pays its false alert.
    assert chosen == {"a": 2.0, "b": 1.0, "quiet": 1.0}
    by_category = {held.category: held for held in result.held_out}
    assert by_category["a"].normalised == pytest.approx(0.0)
    assert by_category["b"].alerts == 1 and by_category["b"].normalised is not None
    assert by_category["quiet"].normalised is None and by_category["quiet"].alerts == 1
    raw = (
        score_detections(files[0], alerts[2.0][0], STANDARD)
        + score_detections(files[1], alerts[2.0][1], STANDARD)
        + score_detections(files[2], alerts[1.0][2], STANDARD)
        + score_detections(files[3], alerts[1.0][3], STANDARD)
    )
    assert result.pooled == pytest.approx(100 * (raw + 3) / 6)


def test_a_held_out_category_cannot_influence_its_own_level() -> None:
    names = ["a/one.csv", "b/one.csv"]
    files = [prepare(TIMES, [WINDOW]), prepare(TIMES, [WINDOW])]
    base = {1.0: [_hits(510), _hits()], 2.0: [_hits(), _hits()]}
    rigged = {1.0: [_hits(510), _hits()], 2.0: [_hits(), _hits(500)]}

    plain = cross_validate(names=names, files=files, alerts_by_level=base, profile=STANDARD)
    after = cross_validate(names=names, files=files, alerts_by_level=rigged, profile=STANDARD)

    assert [h.level for h in plain.held_out if h.category == "b"] == [1.0]
    assert [h.level for h in after.held_out if h.category == "b"] == [1.0]
