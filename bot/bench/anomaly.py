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

from bot.bench.anomaly_cv import category_of, choose_rule, cross_validate, quiet_alerts, raw_scores
from bot.bench.anomaly_transforms import ROBUSTNESS, TRANSFORMS, Transform, apply
from bot.config.settings import Settings
from tools.anomaly.alerting import MEDIUM, Rule, rule_for
from tools.anomaly.detector import AnomalyDetector
from tools.anomaly.models import Sensitivity
from tools.anomaly.nab import (
    PROFILES,
    ScoredFile,
    best_threshold,
    count_detections,
    normalise,
    prepare,
    probation_rows,
    score_detections,
)

QUIET_CATEGORY = "artificialNoAnomaly"


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
    """The detector's output on one series: an anomaly score and an alert flag per row, under each rule."""

    name: str
    scores: np.ndarray
    alerts: np.ndarray  # at the default (medium) sensitivity
    alerts_by_rule: dict[Rule, np.ndarray]
    seconds: float


@dataclass(frozen=True, slots=True)
class Scores:
    """The headline figures of one scored corpus: standard profile, alerts at medium."""

    in_sample: float
    quiet_alerts: int
    cross_validated: float | None
    cross_validated_quiet_alerts: int | None


# Alert rules scored in one pass: a grid of levels and precedent ranks (the medium rule is chosen from it by
# cross-validation), plus what each sensitivity uses today.
LEVEL_GRID = tuple(round(2 ** (i / 6), 4) for i in range(-2, 3))
RANKS = (2, 3)
DIGITS = (math.inf, 4.0, 6.0)
NOVELTY = (math.inf, 1.0)
RULE_GRID = tuple(
    Rule(level=level, rank=rank, digits=digits, novelty=novelty)
    for novelty in NOVELTY
    for digits in DIGITS
    for rank in RANKS
    for level in LEVEL_GRID
)
SENSITIVITIES: tuple[Sensitivity, ...] = ("low", "medium", "high")


def _rules() -> tuple[Rule, ...]:
    return tuple(sorted({*RULE_GRID, *(rule_for(s) for s in SENSITIVITIES)}))


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


def transformed(corpus: list[Series], transform: Transform) -> list[Series]:
    """A copy of the corpus under `transform`; each file keeps its windows (timestamps, so still valid)."""
    copies: list[Series] = []
    for series in corpus:
        kept, values = apply(transform, name=series.name, values=series.values)
        copies.append(
            Series(
                series.name,
                [series.timestamps[i] for i in kept],
                [series.raw_timestamps[i] for i in kept],
                values,
                series.windows,
            )
        )
    return copies


def detect(series: Series) -> Run:
    """Runs the default-sensitivity detector point by point, as the bot would, seeing only the past; the same
    readings also go through an incident tracker per rule of `_rules()`."""
    started = time.perf_counter()
    rules = _rules()
    # NAB tells every detector how long the probation is (15 % of the file, at most 750 rows) and scores nothing in
    # it: the detector learns for exactly that long, as the bot learns for a set number of points before alerting.
    detector = AnomalyDetector(warmup_points=probation_rows(len(series.values)), also_rules=rules)
    scores = np.zeros(len(series.values))
    alerts = np.zeros(len(series.values), dtype=bool)
    by_rule = np.zeros((len(rules), len(series.values)), dtype=bool)
    for i, (timestamp, value) in enumerate(zip(series.timestamps, series.values, strict=True)):
        result = detector.update(timestamp, value)
        scores[i] = result.anomaly_score if result.scored else 0.0
        alerts[i] = result.alert
        by_rule[:, i] = detector.also_alerts
    return Run(
        series.name,
        scores,
        alerts,
        {rule: by_rule[j] for j, rule in enumerate(rules)},
        time.perf_counter() - started,
    )


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
    parser.add_argument("--cv", action="store_true", help="also score the medium rule chosen leaving each category out")
    parser.add_argument("--details", action="store_true", help="also print per-file alert counts and scores")
    parser.add_argument("--workers", type=int, default=None, help="processes to use (default: one per core)")
    parser.add_argument(
        "--transform",
        action="append",
        choices=tuple(TRANSFORMS),
        default=[],
        metavar="NAME",
        help=f"score a transformed copy of every series instead (repeatable): {', '.join(TRANSFORMS)}",
    )
    parser.add_argument(
        "--robustness", action="store_true", help=f"score every transform in turn ({', '.join(ROBUSTNESS)})"
    )
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
    workers = max(1, min(args.workers or os.cpu_count() or 1, len(corpus)))
    names = list(dict.fromkeys([*args.transform, *(ROBUSTNESS if args.robustness else ())]))
    if not names:
        _bench(corpus, out=args.out, cv=args.cv, details=args.details, workers=workers)
    else:
        summary: list[tuple[str, Scores]] = []
        for name in names:
            transform = TRANSFORMS[name]
            print(f"transformed copy: {name} ({transform.description}); the same labels")
            out = None if args.out is None else args.out / name
            scores = _bench(transformed(corpus, transform), out=out, cv=args.cv, details=args.details, workers=workers)
            summary.append((name, scores))
        if len(summary) > 1:
            _report_summary(summary)
    print(f"wall time: {time.perf_counter() - started:.1f} s ({workers} processes)")
    return 0


def _bench(corpus: list[Series], *, out: Path | None, cv: bool, details: bool, workers: int) -> Scores:
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            runs = list(pool.map(detect, sorted(corpus, key=lambda s: -len(s.values))))
        by_name = {run.name: run for run in runs}
        runs = [by_name[series.name] for series in corpus]
    else:
        runs = [detect(series) for series in corpus]
    files: list[ScoredFile] = [prepare(series.timestamps, series.windows) for series in corpus]
    if out is not None:
        for series, run in zip(corpus, runs, strict=True):
            _write(out, series, run)
    in_sample, quiet = _report(corpus, runs, files, details=details)
    pooled, pooled_quiet = _report_cv(runs, files) if cv else (None, None)
    return Scores(in_sample, quiet, pooled, pooled_quiet)


def _report_summary(summary: list[tuple[str, Scores]]) -> None:
    print(f"robustness (standard profile, alerts at medium; quiet: alerts on {QUIET_CATEGORY}):")
    print(f"  {'transform':<20}{'in-sample':>10}{'quiet':>7}{'cross-validated':>17}{'quiet':>7}")
    for name, scores in summary:
        cv = "-" if scores.cross_validated is None else f"{scores.cross_validated:.1f}"
        cv_quiet = "-" if scores.cross_validated_quiet_alerts is None else str(scores.cross_validated_quiet_alerts)
        print(f"  {name:<20}{scores.in_sample:>10.1f}{scores.quiet_alerts:>7}{cv:>17}{cv_quiet:>7}")


def _report(corpus: list[Series], runs: list[Run], files: list[ScoredFile], *, details: bool) -> tuple[float, int]:
    """Prints the in-sample tables; returns the standard profile's score at medium and the alerts on quiet files."""
    windows = sum(f.windows for f in files)
    print(f"NAB benchmark: {len(corpus)} files, {windows} windows, {sum(len(s.values) for s in corpus)} rows")
    print(f"{'profile':<16}{'alerts (medium)':>18}{'best threshold':>18}{'threshold':>12}")
    for profile in PROFILES:
        raw = sum(score_detections(f, run.alerts, profile) for f, run in zip(files, runs, strict=True))
        best = best_threshold(files, [run.scores for run in runs], profile)
        print(
            f"{profile.name:<16}{normalise(raw, files, profile):>18.1f}{best.normalised:>18.1f}{best.threshold:>12.3f}"
        )
    standard = PROFILES[0]
    in_sample = normalise(
        sum(score_detections(f, run.alerts, standard) for f, run in zip(files, runs, strict=True)), files, standard
    )
    print("in-sample standard by category (alerts at medium):")
    for category in sorted({category_of(run.name) for run in runs}):
        members = [(f, run) for f, run in zip(files, runs, strict=True) if category_of(run.name) == category]
        raw = sum(score_detections(f, run.alerts, standard) for f, run in members)
        alerts = sum(int(run.alerts.sum()) for _, run in members)
        score = (
            f"{normalise(raw, [f for f, _ in members], standard):.1f}" if any(f.windows for f, _ in members) else "-"
        )
        print(f"  {category:<24}{score:>8}   alerts {alerts}")
    print(
        f"{'sensitivity':<16}{'level':>8}{'rank':>6}{'digits':>8}{'novelty':>9}{'alerts':>9}{'in windows':>12}"
        f"{'outside':>9}{'windows found':>16}"
    )
    for sensitivity in SENSITIVITIES:
        rule = rule_for(sensitivity)
        counts = [count_detections(f, run.alerts_by_rule[rule]) for f, run in zip(files, runs, strict=True)]
        inside = sum(c.inside for c in counts)
        outside = sum(c.outside for c in counts)
        found = sum(c.windows_found for c in counts)
        total = sum(int(run.alerts_by_rule[rule].sum()) for run in runs)
        print(
            f"{sensitivity:<16}{rule.level:>8.3f}{rule.rank:>6}{_digits(rule):>8}{_novelty(rule):>9}{total:>9}"
            f"{inside:>12}{outside:>9}{f'{found}/{windows}':>16}"
        )
    alerts = int(sum(int(run.alerts.sum()) for run in runs))
    quiet_alerts = sum(int(run.alerts.sum()) for run in runs if category_of(run.name) == QUIET_CATEGORY)
    print(f"alerts: {alerts} in total, {quiet_alerts} on {QUIET_CATEGORY}")
    if details:
        for f, run in zip(files, runs, strict=True):
            raw = score_detections(f, run.alerts, standard)
            print(f"  {run.name:<50} windows {f.windows}  alerts {int(run.alerts.sum()):>3}  raw {raw:+7.3f}")
    return in_sample, quiet_alerts


def _report_cv(runs: list[Run], files: list[ScoredFile]) -> tuple[float, int]:
    """Prints the leave-one-category-out table; returns the pooled standard score and its alerts on quiet files."""
    names = [run.name for run in runs]
    by_rule = {rule: [run.alerts_by_rule[rule] for run in runs] for rule in RULE_GRID}
    every = np.ones(len(runs), dtype=bool)
    print("leave one category out (medium rule chosen on the other categories, scored on this one):")
    print(f"  {'held-out category':<24}{'level':>8}{'rank':>6}{'digits':>8}{'novelty':>9}{'standard':>10}{'alerts':>8}")
    results = {
        profile.name: cross_validate(names=names, files=files, alerts_by_rule=by_rule, profile=profile)
        for profile in PROFILES
    }
    for held in results[PROFILES[0].name].held_out:
        score = f"{held.normalised:.1f}" if held.normalised is not None else "-"
        rule = held.rule
        print(
            f"  {held.category:<24}{rule.level:>8.3f}{rule.rank:>6}{_digits(rule):>8}{_novelty(rule):>9}"
            f"{score:>10}{held.alerts:>8}"
        )
    for profile in PROFILES:
        print(f"cross-validated {profile.name}: {results[profile.name].pooled:.1f}")
    quiet = sum(h.alerts for h in results[PROFILES[0].name].held_out if h.category == QUIET_CATEGORY)
    print(f"cross-validated alerts on {QUIET_CATEGORY}: {quiet}")
    raw = raw_scores(files, by_rule, PROFILES[0])
    silent = quiet_alerts(files, by_rule)
    chosen = choose_rule(raw, every, silent)
    # Rules that score the same on every category and stay as silent cannot be told apart by this data: the order
    # of the grid breaks the tie, so the bench says so rather than hide which rules tied.
    tied = (
        chosen != MEDIUM
        and MEDIUM in raw
        and round(float(raw[MEDIUM].sum()), 9) == round(float(raw[chosen].sum()), 9)
        and not silent[MEDIUM].any()
    )
    print(
        f"medium rule chosen on every category: {_describe(chosen)} "
        f"(shipped: {_describe(MEDIUM)}{', the same score' if tied else ''})"
    )
    return results[PROFILES[0].name].pooled, quiet


def _digits(rule: Rule) -> str:
    return "off" if math.isinf(rule.digits) else f"{rule.digits:g}"


def _novelty(rule: Rule) -> str:
    return "off" if math.isinf(rule.novelty) else f"{rule.novelty:g}"


def _describe(rule: Rule) -> str:
    return f"level {rule.level:.3f}, rank {rule.rank}, likelihood digits {_digits(rule)}, novelty {_novelty(rule)}"
