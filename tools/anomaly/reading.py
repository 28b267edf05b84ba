"""What the model makes of one point, as the alert rule reads it (its own module so `surprise.py` stays readable)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reading:
    """What the model makes of one point.

    `ratios[r - 1][i]` is how far the deviation at time scale `SCALES[i]` went past this series' own precedent
    (1.0 = just as far as the r-th largest one of the past four weeks, or as the absolute minimum) for the
    predictor in use;
    `other_ratios` the same for the most alarmed other trusted predictor (empty when none is trusted yet);
    `stats[i]` is the deviation, signed, in robust spreads. `best[r - 1]` is the combined ratio and the signed
    deviation behind it when every scale counts. `spread` is the residual spread of the predictor in use; `step` the sampling
    interval (seconds) inferred so far. `tail` is -log10 of the likelihood of the last ten points' deviations
    (`tools.anomaly.likelihood`; 0 until it is known). `novelty[r - 1]`: the same as `ratios` for the last eight
    points' distance to the closest earlier stretch (`tools.anomaly.novelty`). `collapse[r - 1]`: how far a count at
    a tenth of its expected value went past the series' r-th largest past collapse, in one-in-a-million units
    (`tools.anomaly.count_tail`; empty when it is not one), and `typical` the series' typical size (the median
    size of its last week of values) and `usual` the largest seasonal profile's value at this time (None without
    one), which a near-zero incident ends beside. A point not scored has no reading.
    """

    expected: float | None
    ratios: tuple[tuple[float, ...], ...]
    other_ratios: tuple[tuple[float, ...], ...]
    stats: tuple[float, ...]
    spread: float
    step: float
    best: tuple[tuple[float, float], ...] = ()
    tail: float = 0.0
    novelty: tuple[float, ...] = ()
    collapse: tuple[float, ...] = ()
    typical: float = 0.0
    usual: float | None = None
