"""Probe the streaming detector on synthetic counts shaped like purchase and request rates (docs/anomaly.md,
session 11): `.venv/bin/python scripts/anomaly_count_probe.py --steps 60 --rates 2,10,50,400 --seeds 4`.

Each series is 42 days of negative binomial counts: Poisson counts of a daily profile (0.25 at night, 1.75 at
14:00) x a weekday factor x a gamma day factor of mean 1 and variance `--phi`, at `--steps` minutes and `--rates`
events an hour. One incident is planted at 70 % of the file (a 6-hour outage to zero, a 2-hour x4 spike, a day at
x0.5 or x1.5); the detector runs at medium with 15 % of the file as warm-up. Per rate and kind it prints how many
series alerted within the incident plus 12 hours, the mean delay of the first such alert, and the alerts elsewhere.
Nothing here is tuned on: it is a check of what the NAB files do not hold (sparse counts, outages of counts).
`--per N` reports every count as a rate, divided by N (a count per minute over an hour is N = 60): the detector
reads a rate of counts as the counts (`tools/anomaly/units.py`), so the table should not change.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime, timedelta

import numpy as np

from tools.anomaly import AnomalyDetector

FACTOR = {"outage": 0.0, "spike": 4.0, "drop50": 0.5, "rise50": 1.5}
HOURS = {"outage": 6, "spike": 2, "drop50": 24, "rise50": 24}
WEEKDAY = (1.0, 1.05, 1.04, 1.02, 0.95, 0.7, 0.65)


def profile(moment: datetime) -> float:
    hour = moment.hour + moment.minute / 60
    return (0.25 + 1.5 * math.exp(-((hour - 14) ** 2) / 18)) * WEEKDAY[moment.weekday()]


def series(
    *, rate: float, step: int, kind: str, seed: int, phi: float, per: float = 1.0
) -> tuple[list[datetime], list[float], int, int]:
    """Timestamps, counts, the incident's first index and its length in points."""
    rng = np.random.default_rng(seed)
    start_day = datetime(2026, 1, 5)
    n = 42 * 24 * 60 // step
    times = [start_day + timedelta(minutes=step * i) for i in range(n)]
    days = [rng.gamma(1 / phi, phi) for _ in range(43)]
    start, length = int(n * 0.7), HOURS[kind] * 60 // step
    values = []
    for i, moment in enumerate(times):
        mean = rate * profile(moment) * days[(moment - start_day).days] * step / 60
        if start <= i < start + length:
            mean *= FACTOR[kind]
        values.append(float(rng.poisson(mean)) / per)
    return times, values, start, length


def probe(*, rate: float, step: int, kind: str, seed: int, phi: float, per: float = 1.0) -> tuple[float | None, int]:
    """Hours from the incident's start to its first alert (None: missed), and alerts elsewhere after warm-up."""
    times, values, start, length = series(rate=rate, step=step, kind=kind, seed=seed, phi=phi, per=per)
    warmup = int(len(times) * 0.15)
    detector = AnomalyDetector("medium", warmup_points=warmup)
    window_end = start + length + 12 * 60 // step
    delay: float | None = None
    elsewhere = 0
    for i, (moment, value) in enumerate(zip(times, values, strict=True)):
        if not detector.update(moment, value).alert:
            continue
        if start <= i < window_end:
            delay = (i - start) * step / 60 if delay is None else delay
        elif i > warmup:
            elsewhere += 1
    return delay, elsewhere


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--steps", default="60", help="minutes between points, comma-separated")
    parser.add_argument("--rates", default="2,10,50,400", help="events an hour, comma-separated")
    parser.add_argument("--kinds", default="outage,spike,drop50,rise50", help=", ".join(FACTOR))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--phi", type=float, default=0.05, help="variance of the day's factor")
    parser.add_argument("--per", type=float, default=1.0, help="report the counts as a rate: each divided by this")
    args = parser.parse_args()
    for step in (int(each) for each in args.steps.split(",")):
        for rate in (float(each) for each in args.rates.split(",")):
            row = []
            for kind in args.kinds.split(","):
                runs = [
                    probe(rate=rate, step=step, kind=kind, seed=seed, phi=args.phi, per=args.per)
                    for seed in range(args.seeds)
                ]
                delays = [delay for delay, _ in runs if delay is not None]
                mean = f" {sum(delays) / len(delays):.1f} h" if delays else ""
                row.append(f"{kind} {len(delays)}/{args.seeds}{mean}, {sum(e for _, e in runs)} elsewhere")
            sys.stdout.write(f"every {step} min, {rate:g} an hour: " + "; ".join(row) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
