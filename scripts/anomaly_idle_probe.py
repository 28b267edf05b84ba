"""Probe the streaming detector on bursty whole numbers that idle now and then (docs/anomaly.md, session 12):
`.venv/bin/python scripts/anomaly_idle_probe.py --seeds 6`.

Each series is 21 days of five-minute values like bytes written: about 100,000 times a lognormal factor of spread
`--sigmas`, and 0 (idle) with probability `--idle`. Whole numbers, so the model reads them as counts, and every idle
0 is far beyond a count's tail; nothing is planted, so every alert (at medium, 15 % warm-up) is a false one. Per
idle share and spread it prints the alerts and how many fell on an idle point.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta

import numpy as np

from tools.anomaly import AnomalyDetector


def alerts(*, seed: int, idle: float, sigma: float, days: int) -> tuple[int, int]:
    """Alerts after warm-up, and those on an idle point."""
    rng = np.random.default_rng(seed)
    n = days * 288
    detector = AnomalyDetector("medium", warmup_points=int(n * 0.15))
    total = on_idle = 0
    for i in range(n):
        value = 0.0 if rng.random() < idle else float(round(100_000 * rng.lognormal(0, sigma)))
        if detector.update(datetime(2026, 1, 5) + timedelta(minutes=5 * i), value).alert:
            total += 1
            on_idle += value == 0
    return total, on_idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--idle", default="30,300,3000", help="one point in N idle, comma-separated")
    parser.add_argument("--sigmas", default="0.3,0.8", help="lognormal spreads, comma-separated")
    args = parser.parse_args()
    for every in (int(each) for each in args.idle.split(",")):
        for sigma in (float(each) for each in args.sigmas.split(",")):
            runs = [alerts(seed=seed, idle=1 / every, sigma=sigma, days=args.days) for seed in range(args.seeds)]
            sys.stdout.write(
                f"idle 1/{every}, lognormal {sigma}: {sum(a for a, _ in runs)} alerts, "
                f"{sum(b for _, b in runs)} on an idle point ({args.seeds} series of {args.days} days)\n"
            )


if __name__ == "__main__":
    main()
