"""Transformed copies of a NAB corpus for `lookout bench anomaly --transform`: the same labels over other shapes,
rates and units, to see how the detector generalises beyond the series it was developed on.

Every transform is deterministic (the noise is seeded from the file's name, so a file gets the same noise whatever
else is in the folder) and works on one file at a time, as a stream would see it: the file's minimum, maximum and
median step are a property of the file, not of the corpus. Timestamps are kept as they are (every other row keeps
the even rows with their own times), so NAB's windows, which are timestamps, still mark the same moments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Transform:
    """One named copy of a series: which rows it keeps (every `step`-th, from the first) and its new values."""

    name: str
    description: str
    step: int
    values: Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _finite(values: np.ndarray) -> np.ndarray:
    finite: np.ndarray = values[np.isfinite(values)]
    return finite


def _mirror(values: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
    finite = _finite(values)
    if not finite.size:
        return values.copy()
    return float(finite.max()) + float(finite.min()) - values


def _log1p(values: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
    finite = _finite(values)
    if not finite.size:
        return values.copy()
    return np.log1p(values - float(finite.min()))


def median_step(values: np.ndarray) -> float:
    """The median absolute difference between consecutive finite values (0 for fewer than two)."""
    finite = _finite(values)
    return float(np.median(np.abs(np.diff(finite)))) if finite.size > 1 else 0.0


def _noise(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return values + rng.normal(0.0, median_step(values), size=values.size)


def _scale(factor: float) -> Callable[[np.ndarray, np.random.Generator], np.ndarray]:
    def scaled(values: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
        return values * factor

    return scaled


def _same(values: np.ndarray, _rng: np.random.Generator) -> np.ndarray:
    return values.copy()


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in (
        Transform("none", "the series as they are", 1, _same),
        Transform("mirrored", "each value v -> max + min - v of its file (rises become falls)", 1, _mirror),
        Transform("every-other-row", "every second row dropped (half the sampling rate)", 2, _same),
        Transform("log1p", "each value v -> log(1 + v - min of its file) (multiplicative becomes additive)", 1, _log1p),
        Transform("noise", "Gaussian noise added, its spread the file's median step (seeded by file name)", 1, _noise),
        Transform("x1000", "each value times 1000", 1, _scale(1000.0)),
        Transform("x0.001", "each value times 0.001", 1, _scale(0.001)),
    )
}
# What `--robustness` runs: the untouched corpus first, as the reference for the others.
ROBUSTNESS = tuple(TRANSFORMS)


def _seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def apply(transform: Transform, *, name: str, values: list[float]) -> tuple[list[int], list[float]]:
    """The rows a file keeps under `transform` (indices into the original) and their new values."""
    array = np.asarray(values, dtype=np.float64)
    changed = transform.values(array, np.random.default_rng(_seed(name)))
    kept = list(range(0, array.size, transform.step))
    return kept, [float(changed[i]) for i in kept]
