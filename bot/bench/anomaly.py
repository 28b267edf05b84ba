"""`lookout bench anomaly`: the alerting detector on a NAB-layout folder, scored the way NAB scores detectors."""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from bot.settings import Settings
from tools.anomaly.detector import AnomalyDetector
from tools.anomaly.nab import PROFILES, ScoredFile, best_threshold, normalise, prepare, score_detections


@dataclass(frozen=True, slots=True)
class Series:
    """One NAB data file and its labelled windows."""

    name: str
    timestamps: list[datetime]
    raw_timestamps: list[str]
    values: list[float]
    windows: list[tuple[datetime, datetime]]


@dataclass(frozen=True, slots=True)
class Run:
    """The detector's output on one series: an anomaly score and an alert flag per row."""

    name: str
    scores: np.ndarray
    alerts: np.ndarray
    seconds: float


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.strip())


def load(data_dir: Path) -> list[Series]:
    """Every `data/<category>/<file>.csv` of the folder with its windows from `labels/combined_windows.json`."""
    with (data_dir / "labels" / "combined_windows.json").open() as handle:
        labels: dict[str, list[list[str]]] = json.load(handle)
    series: list[Series] = []
    for path in sorted((data_dir / "data").glob("*/*.csv")):
        name = f"{path.parent.name}/{path.name}"
        raw: list[str] = []
        values: list[float] = []
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                raw.append(row["timestamp"])
                values.append(float(row["value"]) if row["value"].strip() else math.nan)
        windows = [(_parse_time(start), _parse_time(end)) for start, end in labels.get(name, [])]
        series.append(Series(name, [_parse_time(t) for t in raw], raw, values, windows))
    return series


def detect(series: Series) -> Run:
    """Runs the default-sensitivity detector point by point, as the bot would, seeing only the past."""
    started = time.perf_counter()
    detector = AnomalyDetector()
    scores = np.zeros(len(series.values))
    alerts = np.zeros(len(series.values), dtype=bool)
    for i, (timestamp, value) in enumerate(zip(series.timestamps, series.values, strict=True)):
        result = detector.update(timestamp, value)
        scores[i] = result.anomaly_score if result.scored else 0.0
        alerts[i] = result.alert
    return Run(series.name, scores, alerts, time.perf_counter() - started)


def _write(out_dir: Path, series: Series, run: Run) -> None:
    target = out_dir / series.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value", "anomaly_score", "alert"])
        for raw, value, score, alert in zip(series.raw_timestamps, series.values, run.scores, run.alerts, strict=True):
            writer.writerow([raw, f"{value:g}", f"{score:.6f}", int(alert)])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lookout bench anomaly", description=__doc__)
    parser.add_argument("--data", required=True, type=Path, help="NAB-layout folder (data/ and labels/)")
    parser.add_argument("--out", type=Path, default=None, help="write OUT/<category>/<file>.csv with the scores")
    parser.add_argument("--details", action="store_true", help="also print per-file alert counts and scores")
    return parser


def main(argv: Sequence[str], *, settings: Settings) -> int:
    del settings  # the detector needs no configuration
    args = _parser().parse_args(list(argv))
    started = time.perf_counter()
    if not (args.data / "labels" / "combined_windows.json").is_file():
        print(f"{args.data} is not a NAB-layout folder: labels/combined_windows.json is missing")
        return 2
    corpus = load(args.data)
    if not corpus:
        print(f"no series under {args.data / 'data'}")
        return 1
    workers = max(1, min(os.cpu_count() or 1, len(corpus)))
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            runs = list(pool.map(detect, corpus))
    else:
        runs = [detect(series) for series in corpus]
    files: list[ScoredFile] = [prepare(series.timestamps, series.windows) for series in corpus]
    if args.out is not None:
        for series, run in zip(corpus, runs, strict=True):
            _write(args.out, series, run)

    windows = sum(f.windows for f in files)
    alerts = int(sum(int(run.alerts.sum()) for run in runs))
    quiet_files = [run for run in runs if run.name.startswith("artificialNoAnomaly/")]
    quiet_alerts = int(sum(int(run.alerts.sum()) for run in quiet_files))
    print(f"NAB benchmark: {len(corpus)} files, {windows} windows, {sum(len(s.values) for s in corpus)} rows")
    print(f"{'profile':<16}{'alerts (medium)':>18}{'best threshold':>18}{'threshold':>12}")
    for profile in PROFILES:
        raw = sum(score_detections(f, run.alerts, profile) for f, run in zip(files, runs, strict=True))
        best = best_threshold(files, [run.scores for run in runs], profile)
        print(
            f"{profile.name:<16}{normalise(raw, files, profile):>18.1f}{best.normalised:>18.1f}{best.threshold:>12.3f}"
        )
    print(f"alerts: {alerts} in total, {quiet_alerts} on artificialNoAnomaly")
    if args.details:
        standard = PROFILES[0]
        for f, run in zip(files, runs, strict=True):
            raw = score_detections(f, run.alerts, standard)
            print(f"  {run.name:<50} windows {f.windows}  alerts {int(run.alerts.sum()):>3}  raw {raw:+7.3f}")
    print(f"wall time: {time.perf_counter() - started:.1f} s ({workers} processes)")
    return 0
