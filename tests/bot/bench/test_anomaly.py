"""`lookout bench anomaly` on a small NAB-layout folder made here: the table, the output files, the scorer totals."""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from bot.bench import anomaly
from bot.config.settings import Settings
from tools.anomaly.alerting import rule_for
from tools.anomaly.detector import AnomalyDetector
from tools.anomaly.nab import PROFILES, normalise, prepare, probation_rows, scaled_sigmoid, score_detections

START = datetime(2014, 4, 1)
ROWS = 2016  # one week of 5-minute points


def _write_series(root: Path, name: str, values: list[float]) -> list[str]:
    path = root / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    stamps = [(START + timedelta(minutes=5 * i)).strftime("%Y-%m-%d %H:%M:%S") for i in range(len(values))]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        writer.writerows([stamp, f"{value:.3f}"] for stamp, value in zip(stamps, values, strict=True))
    return stamps


@pytest.fixture
def nab_folder(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    minutes = np.arange(ROWS) * 5
    cycle = 50 + 20 * np.sin(2 * np.pi * minutes / 1440)
    quiet = list(cycle + rng.normal(0, 1, ROWS))
    spiky = list(cycle + rng.normal(0, 1, ROWS))
    spiky[1500] += 200
    windows: dict[str, list[list[str]]] = {}
    _write_series(tmp_path, "artificialNoAnomaly/quiet.csv", quiet)
    windows["artificialNoAnomaly/quiet.csv"] = []
    stamps = _write_series(tmp_path, "artificialWithAnomaly/spiky.csv", spiky)
    windows["artificialWithAnomaly/spiky.csv"] = [[f"{stamps[1400]}.000000", f"{stamps[1600]}.000000"]]
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    return tmp_path


def test_the_scorer_gives_the_null_and_perfect_totals(nab_folder: Path) -> None:
    corpus = anomaly.load(nab_folder)
    files = [prepare(series.timestamps, series.windows) for series in corpus]
    standard, _, low_fn = PROFILES

    null = sum(
        score_detections(f, np.zeros(len(s.values), dtype=bool), standard) for f, s in zip(files, corpus, strict=True)
    )
    perfect_hits = []
    for series in corpus:
        hits = np.zeros(len(series.values), dtype=bool)
        for start, _end in series.windows:
            hits[series.timestamps.index(start)] = True
        perfect_hits.append(hits)
    perfect = sum(score_detections(f, hits, standard) for f, hits in zip(files, perfect_hits, strict=True))

    assert (null, perfect) == (-1.0, pytest.approx(1.0))
    assert (
        sum(
            score_detections(f, np.zeros(len(s.values), dtype=bool), low_fn) for f, s in zip(files, corpus, strict=True)
        )
        == -2
    )
    assert normalise(null, files, standard) == 0.0


def test_bench_prints_the_three_profiles_and_writes_scores(
    nab_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"

    code = anomaly.main(["--data", str(nab_folder), "--out", str(out)], settings=Settings(_env_file=None))  # type: ignore[call-arg]

    printed = capsys.readouterr().out
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in printed.splitlines() if line.split()}
    # The one alert lands on the spike, at row 1500 of the window 1400..1600: NAB's sigmoid of that position.
    detection = scaled_sigmoid(-(1600 - 1500 + 1) / 201) / scaled_sigmoid(-1.0)
    for profile in PROFILES:
        alerts_score, best_score, _threshold = (float(value) for value in rows[profile.name])
        expected = 100 * (detection + profile.fn) / (1 + profile.fn)
        assert alerts_score == pytest.approx(expected, abs=0.05)
        assert best_score >= alerts_score
    assert "0 on artificialNoAnomaly" in printed

    with (out / "artificialWithAnomaly" / "spiky.csv").open() as handle:
        written = list(csv.DictReader(handle))
    assert list(written[0]) == ["timestamp", "value", "anomaly_score", "alert"]
    assert len(written) == ROWS
    assert written[0]["timestamp"] == "2014-04-01 00:00:00"
    assert [i for i, row in enumerate(written) if row["alert"] == "1"] == [1500]
    assert all(0.0 <= float(row["anomaly_score"]) <= 1.0 for row in written)
    with (out / "artificialNoAnomaly" / "quiet.csv").open() as handle:
        assert not any(row["alert"] == "1" for row in csv.DictReader(handle))
    assert not math.isnan(float(written[-1]["anomaly_score"]))


def test_bench_refuses_a_folder_without_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = anomaly.main(["--data", str(tmp_path)], settings=Settings(_env_file=None))  # type: ignore[call-arg]

    assert code == 2
    assert "combined_windows.json is missing" in capsys.readouterr().out


def test_cv_prints_each_held_out_category_and_the_pooled_line(
    nab_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = anomaly.main(["--data", str(nab_folder), "--cv"], settings=Settings(_env_file=None))  # type: ignore[call-arg]

    printed = capsys.readouterr().out
    assert code == 0
    held = {line.split()[0]: line.split()[1:] for line in printed.splitlines() if line.startswith("  artificial")}
    assert set(held) == {"artificialNoAnomaly", "artificialWithAnomaly"}
    assert held["artificialNoAnomaly"][4] == "-"  # level, rank, digits, novelty, then no score: only its alerts count
    pooled = [line for line in printed.splitlines() if line.startswith("cross-validated standard: ")]
    assert len(pooled) == 1
    assert 0.0 <= float(pooled[0].split(": ")[1]) <= 100.0
    assert "cross-validated alerts on artificialNoAnomaly: 0" in printed
    for sensitivity in ("low", "medium", "high"):
        assert any(line.startswith(sensitivity) for line in printed.splitlines())


@pytest.mark.parametrize("sensitivity", ["low", "medium", "high"])
def test_each_level_alerts_exactly_as_the_detector_at_that_sensitivity(nab_folder: Path, sensitivity: str) -> None:
    series = next(s for s in anomaly.load(nab_folder) if s.name.startswith("artificialWithAnomaly"))
    values = list(series.values)
    values[900] += 60  # a second, smaller incident so the levels disagree somewhere
    series = anomaly.Series(series.name, series.timestamps, series.raw_timestamps, values, series.windows)

    run = anomaly.detect(series)
    # The bench's detector learns for NAB's probation, as NAB tells every detector to.
    detector = AnomalyDetector(sensitivity, warmup_points=probation_rows(len(values)))  # type: ignore[arg-type]
    alone = np.array([detector.update(t, v).alert for t, v in zip(series.timestamps, values, strict=True)])

    assert np.array_equal(run.alerts_by_rule[rule_for(sensitivity)], alone)  # type: ignore[arg-type]
    if sensitivity == "medium":
        assert np.array_equal(run.alerts, alone)


def test_a_transform_scores_the_copy_and_says_which(
    nab_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"

    code = anomaly.main(
        ["--data", str(nab_folder), "--transform", "mirrored", "--out", str(out)],
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
    )

    printed = capsys.readouterr().out
    assert code == 0
    assert printed.splitlines()[0].startswith("transformed copy: mirrored (")
    assert "robustness" not in printed  # one copy, no summary
    with (out / "mirrored" / "artificialWithAnomaly" / "spiky.csv").open() as handle:
        written = list(csv.DictReader(handle))
    original = anomaly.load(nab_folder)[1].values
    top, bottom = max(original), min(original)
    assert float(written[0]["value"]) == pytest.approx(top + bottom - original[0], abs=1e-3)
    # The planted spike is now a dip in the same window, and still found there.
    assert [i for i, row in enumerate(written) if row["alert"] == "1"] == [1500]


def test_without_a_transform_the_output_is_the_plain_bench(
    nab_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    anomaly.main(["--data", str(nab_folder), "--cv"], settings=settings)
    plain = capsys.readouterr().out
    anomaly.main(["--data", str(nab_folder), "--cv", "--transform", "none"], settings=settings)
    identity = capsys.readouterr().out

    assert "transformed copy" not in plain
    assert "robustness" not in plain
    assert plain.splitlines()[0].startswith("NAB benchmark: 2 files")
    without_times = [line for line in plain.splitlines() if not line.startswith("wall time")]
    assert identity.splitlines()[1:-1] == without_times


def test_several_transforms_end_with_one_summary_row_each(nab_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = anomaly.main(
        ["--data", str(nab_folder), "--cv", "--transform", "none", "--transform", "every-other-row"],
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
    )

    printed = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split(":")[1].split()[0] for line in printed if line.startswith("transformed copy:")] == [
        "none",
        "every-other-row",
    ]
    # Every other row halves the files: the copy's own table says so.
    assert [line.split(",")[0] for line in printed if line.startswith("NAB benchmark")] == [
        "NAB benchmark: 2 files",
        "NAB benchmark: 2 files",
    ]
    assert [line.split(", ")[-1] for line in printed if line.startswith("NAB benchmark")] == [
        f"{2 * ROWS} rows",
        f"{ROWS} rows",
    ]
    start = printed.index(next(line for line in printed if line.startswith("robustness")))
    summary = {line.split()[0]: line.split()[1:] for line in printed[start + 2 : start + 4]}
    assert set(summary) == {"none", "every-other-row"}
    pooled = next(line for line in printed if line.startswith("cross-validated standard: "))
    assert summary["none"][2] == pooled.split(": ")[1]
    assert summary["none"][1] == summary["none"][3] == "0"


def test_robustness_runs_every_transform_once_and_unknown_names_are_refused(
    nab_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    code = anomaly.main(["--data", str(nab_folder), "--robustness", "--transform", "log1p"], settings=settings)
    printed = capsys.readouterr().out.splitlines()
    with pytest.raises(SystemExit) as refused:
        anomaly.main(["--data", str(nab_folder), "--transform", "upside-down"], settings=settings)

    assert code == 0
    start = printed.index(next(line for line in printed if line.startswith("robustness")))
    assert [line.split()[0] for line in printed[start + 2 : -1]] == [
        "log1p",
        "none",
        "mirrored",
        "every-other-row",
        "noise",
        "x1000",
        "x0.001",
    ]
    assert refused.value.code == 2
