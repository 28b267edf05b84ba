"""What the model sizes from the sampling interval."""

from __future__ import annotations

import numpy as np

from tools.anomaly.surprise import SurpriseModel


def _novelty_at(times: list[float], values: np.ndarray) -> list[float]:
    model = SurpriseModel()
    readings = [model.update(t, float(v)) for t, v in zip(times, values, strict=True)]
    return [reading.novelty[0] if reading.novelty else 0.0 for reading in readings]


def test_a_slow_start_does_not_shorten_what_the_model_remembers() -> None:
    # Five-minute points whose first gap is an hour: the pattern the series made four days earlier is still within
    # four weeks, so its return is familiar. Sized once from that first gap, four weeks were 672 points (2.3 days
    # of five-minute points) and the return looked new.
    day = 288
    values = np.random.default_rng(2).normal(100.0, 1.0, 8 * day)
    shape = np.array([0.0, 3.0, 6.0, 9.0, 9.0, 6.0, 3.0, 0.0])
    first, again = 2 * day + 100, 6 * day + 100
    values[first : first + shape.size] += shape
    values[again : again + shape.size] += shape
    regular = [300.0 * i for i in range(values.size)]
    slow_start = [t + (3_300.0 if i else 0.0) for i, t in enumerate(regular)]

    for times in (regular, slow_start):
        novelty = _novelty_at(times, values)
        assert max(novelty[again : again + shape.size]) < 0.5
