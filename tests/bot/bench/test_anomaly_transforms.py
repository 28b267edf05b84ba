"""The transformed copies behind `lookout bench anomaly --transform`: each keeps the labels' moments, is the same
on every run, and changes the values as its name says."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest

from bot.bench import anomaly
from bot.bench.anomaly_transforms import ROBUSTNESS, TRANSFORMS, apply, median_step
from tools.anomaly.nab import prepare

START = datetime(2015, 3, 1)


def _series(values: list[float]) -> anomaly.Series:
    stamps = [START + timedelta(minutes=5 * i) for i in range(len(values))]
    window = (stamps[60], stamps[80])
    return anomaly.Series(
        "realTweets/counts.csv", stamps, [t.strftime("%Y-%m-%d %H:%M:%S") for t in stamps], values, [window]
    )


def _values(rows: int = 200) -> list[float]:
    rng = np.random.default_rng(3)
    values = [float(v) for v in rng.poisson(20, rows)]
    values[70] = 90.0
    return values


def test_mirrored_turns_a_spike_into_a_dip_within_the_same_range() -> None:
    values = _values()

    _, mirrored = apply(TRANSFORMS["mirrored"], name="a.csv", values=values)

    assert (min(mirrored), max(mirrored)) == (min(values), max(values))
    assert mirrored[70] == min(values)
    assert mirrored[0] == max(values) + min(values) - values[0]


def test_log1p_starts_at_zero_and_keeps_the_order() -> None:
    values = _values()

    _, logged = apply(TRANSFORMS["log1p"], name="a.csv", values=values)

    assert min(logged) == 0.0
    assert logged[70] == pytest.approx(math.log1p(90.0 - min(values)))
    assert np.array_equal(np.argsort(values, kind="stable"), np.argsort(logged, kind="stable"))


def test_noise_is_seeded_by_the_file_name_and_sized_by_its_median_step() -> None:
    values = _values(5000)
    step = median_step(np.asarray(values))

    _, once = apply(TRANSFORMS["noise"], name="a.csv", values=values)
    _, again = apply(TRANSFORMS["noise"], name="a.csv", values=values)
    _, other = apply(TRANSFORMS["noise"], name="b.csv", values=values)

    assert once == again
    assert once != other
    added = np.asarray(once) - np.asarray(values)
    assert step > 0
    assert float(np.std(added)) == pytest.approx(step, rel=0.05)


def test_every_other_row_keeps_the_even_rows_and_their_values() -> None:
    values = _values()[:11]

    kept, halved = apply(TRANSFORMS["every-other-row"], name="a.csv", values=values)

    assert kept == [0, 2, 4, 6, 8, 10]
    assert halved == values[::2]


@pytest.mark.parametrize(("name", "factor"), [("x1000", 1000.0), ("x0.001", 0.001)])
def test_scales_multiply_every_value(name: str, factor: float) -> None:
    values = _values()

    _, scaled = apply(TRANSFORMS[name], name="a.csv", values=values)

    assert scaled == pytest.approx([v * factor for v in values])


@pytest.mark.parametrize("name", ROBUSTNESS)
def test_every_copy_keeps_missing_values_missing_and_the_windows_on_their_moments(name: str) -> None:
    values = _values()
    values[5] = math.nan
    series = _series(values)

    (copy,) = anomaly.transformed([series], TRANSFORMS[name])

    assert copy.windows == series.windows
    assert len(copy.timestamps) == len(copy.raw_timestamps) == len(copy.values)
    assert all(t in series.timestamps for t in copy.timestamps)
    step = TRANSFORMS[name].step
    assert math.isnan(copy.values[5 // step]) == (5 % step == 0)
    assert sum(math.isnan(v) for v in copy.values) == (1 if 5 % step == 0 else 0)
    # The labelled window still covers the rows between its two timestamps, whatever the rate.
    scored = prepare(copy.timestamps, copy.windows)
    inside = [copy.timestamps[r] for r, w in zip(scored.rows, scored.window, strict=True) if w == 0]
    assert scored.windows == 1
    assert (inside[0], inside[-1]) == series.windows[0]


def test_none_is_the_corpus_unchanged() -> None:
    series = _series(_values())

    (copy,) = anomaly.transformed([series], TRANSFORMS["none"])

    assert copy == series
