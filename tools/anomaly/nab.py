"""NAB (Numenta Anomaly Benchmark) scoring, written from its published definition, to measure the detector honestly.

Per file: the first 15% of rows (at most 750) are probationary and not scored. Inside a labelled window only the
first detection counts, worth the scaled sigmoid of its relative position (1.0 at the window's left edge, falling
to 0 at its right edge); a window without detection costs the false-negative weight. A detection outside every
window costs the false-positive weight times a sigmoid of its distance past the preceding window (a full weight
when no window precedes it). Totals are normalised so that detecting nothing scores 0 and detecting every window at
its left edge scores 100.

Checked line by line against numenta/NAB's `nab/sweeper.py` (`calcSweepScore`, `calcScoreByThreshold`) and
`nab/runner.py` (`normalize`: the null detector's total and `windows × tpWeight`) at commit ea702d7; the tests
compare this vectorised form with a row-by-row transcription of those rules.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np


@dataclass(frozen=True, slots=True)
class Profile:
    """Weights of one NAB application profile."""

    name: str
    tp: float
    fp: float
    tn: float
    fn: float


PROFILES: tuple[Profile, ...] = (
    Profile("standard", tp=1.0, fp=0.11, tn=1.0, fn=1.0),
    Profile("reward_low_FP", tp=1.0, fp=0.22, tn=1.0, fn=1.0),
    Profile("reward_low_FN", tp=1.0, fp=0.11, tn=1.0, fn=2.0),
)

PROBATION_SHARE = 0.15
PROBATION_MAX_ROWS = 750


def scaled_sigmoid(position: float) -> float:
    """2·sigmoid(−5·position) − 1, and −1 beyond three window-lengths past a window (NAB's `scaledSigmoid`)."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


_MAX_TP = scaled_sigmoid(-1.0)


def probation_rows(rows: int) -> int:
    return int(min(math.floor(PROBATION_SHARE * rows), PROBATION_MAX_ROWS))


@dataclass(frozen=True, slots=True)
class ScoredFile:
    """One file's rows reduced to what scoring needs, independent of the detector.

    For each scorable row (past the probation): `window` is the index of the window it lies in or -1, and `weight`
    the unweighted value of a detection there (a true-positive share in (0, 1] inside a window, a negative
    false-positive share outside). `windows` counts the windows that have at least one scorable row.
    """

    rows: np.ndarray
    window: np.ndarray
    weight: np.ndarray
    windows: int


def prepare(timestamps: Sequence[datetime], windows: Sequence[tuple[datetime, datetime]]) -> ScoredFile:
    """Locate the windows in the rows and precompute what a detection on each scorable row is worth."""
    n = len(timestamps)
    bounds: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        left = bisect_left(timestamps, start)
        # NAB finds a window's right edge with list.index: the first row at that time when a timestamp repeats.
        right = bisect_left(timestamps, end)
        if right >= n or timestamps[right] != end:
            right = bisect_right(timestamps, end) - 1
        if left <= right:
            bounds.append((left, right))
    window_of = np.full(n, -1, dtype=np.int64)
    weight = np.zeros(n, dtype=np.float64)
    previous: tuple[int, int] | None = None
    next_window = 0
    for i in range(n):
        while next_window < len(bounds) and bounds[next_window][1] < i:
            previous = bounds[next_window]
            next_window += 1
        if next_window < len(bounds) and bounds[next_window][0] <= i:
            left, right = bounds[next_window]
            width = right - left + 1
            window_of[i] = next_window
            weight[i] = scaled_sigmoid(-(right - i + 1) / width) / _MAX_TP
        elif previous is None:
            weight[i] = -1.0
        else:
            left, right = previous
            span = max(right - left, 1)
            weight[i] = scaled_sigmoid(abs(i - right) / span)
    first = probation_rows(n)
    rows = np.arange(first, n)
    scorable_windows = {int(w) for w in window_of[first:] if w >= 0}
    remap = {old: new for new, old in enumerate(sorted(scorable_windows))}
    window = np.array([remap.get(int(w), -1) for w in window_of[first:]], dtype=np.int64)
    return ScoredFile(rows=rows, window=window, weight=weight[first:], windows=len(remap))


def score_detections(scored: ScoredFile, detections: np.ndarray, profile: Profile) -> float:
    """Raw NAB score of one file for a boolean detection per row (all rows, probation included)."""
    hits = detections[scored.rows].astype(bool)
    outside = hits & (scored.window < 0)
    total = profile.fp * float(scored.weight[outside].sum())
    for w in range(scored.windows):
        inside = hits & (scored.window == w)
        if inside.any():
            total += profile.tp * float(scored.weight[inside].max())
        else:
            total -= profile.fn
    return total


@dataclass(frozen=True, slots=True)
class Counts:
    """Detections after the probation: windows found, detections inside windows, detections outside them."""

    windows_found: int
    inside: int
    outside: int


def count_detections(scored: ScoredFile, detections: np.ndarray) -> Counts:
    hits = detections[scored.rows].astype(bool)
    found = {int(w) for w in scored.window[hits] if w >= 0}
    inside = int((hits & (scored.window >= 0)).sum())
    return Counts(windows_found=len(found), inside=inside, outside=int(hits.sum()) - inside)


def null_score(files: Sequence[ScoredFile], profile: Profile) -> float:
    return -profile.fn * sum(f.windows for f in files)


def perfect_score(files: Sequence[ScoredFile], profile: Profile) -> float:
    return profile.tp * sum(f.windows for f in files)


def normalise(raw: float, files: Sequence[ScoredFile], profile: Profile) -> float:
    null, perfect = null_score(files, profile), perfect_score(files, profile)
    if perfect == null:
        return 0.0
    return 100.0 * (raw - null) / (perfect - null)


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    threshold: float
    raw: float
    normalised: float


def best_threshold(files: Sequence[ScoredFile], scores: Sequence[np.ndarray], profile: Profile) -> ThresholdResult:
    """The single anomaly-score threshold (detection = score >= threshold) that maximises the corpus total."""
    values: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    offset = 0
    for scored, score in zip(files, scores, strict=True):
        values.append(np.asarray(score, dtype=np.float64)[scored.rows])
        keys.append(np.where(scored.window >= 0, scored.window + offset, -1))
        weights.append(np.where(scored.window >= 0, profile.tp * scored.weight, profile.fp * scored.weight))
        offset += scored.windows
    value = np.concatenate(values)
    key = np.concatenate(keys)
    weight = np.concatenate(weights)
    order = np.argsort(-value, kind="stable")
    value, key, weight = value[order], key[order], weight[order]
    best_in_window = np.full(offset, -profile.fn)
    total = -profile.fn * offset
    best = ThresholdResult(threshold=math.inf, raw=total, normalised=normalise(total, files, profile))
    n = len(value)
    i = 0
    value_list = value.tolist()
    key_list = key.tolist()
    weight_list = weight.tolist()
    while i < n:
        level = value_list[i]
        while i < n and value_list[i] == level:
            k = key_list[i]
            if k < 0:
                total += weight_list[i]
            elif weight_list[i] > best_in_window[k]:
                total += weight_list[i] - best_in_window[k]
                best_in_window[k] = weight_list[i]
            i += 1
        if total > best.raw:
            best = ThresholdResult(threshold=level, raw=total, normalised=normalise(total, files, profile))
    return best
