"""What `lookout bench ack` measures per run, and how the results are printed (INTERFACE.md quotes the throughput
ratio line: keep its phrase)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from bot.bench._common import percentile_ms


@dataclass(frozen=True)
class RunResult:
    events: int
    seconds: float
    latencies: list[float]
    errors: int
    server_cpu_seconds: float | None = None  # CPU the server process used during the run, where /proc says

    @property
    def cpu_ms_per_event(self) -> float | None:
        if self.server_cpu_seconds is None or not self.events:
            return None
        return self.server_cpu_seconds * 1000 / self.events

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        return percentile_ms(self.latencies, fraction)


def report(
    throughputs: dict[str, list[RunResult]],
    paced: dict[str, RunResult],
    args: argparse.Namespace,
    *,
    cores: tuple[set[int] | None, set[int] | None],
    event_loop: str,
    replies: int,
    replies_done: list[float],
) -> None:
    """Print what `lookout bench ack` measured: the setup, one line per app, and the targets."""
    _print_setup(throughputs, args, cores=cores, event_loop=event_loop)
    medians = _print_table(throughputs, paced)
    if "lookout" in medians and "bare" in medians:
        _print_targets(medians, throughputs, paced, args, replies=replies, replies_done=replies_done)


def _print_setup(
    throughputs: dict[str, list[RunResult]],
    args: argparse.Namespace,
    *,
    cores: tuple[set[int] | None, set[int] | None],
    event_loop: str,
) -> None:
    """What was measured, and on which cores."""
    print(
        f"lookout bench ack: {args.events} signed app_mention deliveries, {args.concurrency} connections, "
        f"{len(throughputs['lookout'])} rounds per app (alternating which goes first; median reported); "
        f"then {args.rate:.0f} events/s for {args.paced_seconds:.0f} s in the first round (cores: {os.cpu_count()})"
    )
    load_core, server_core = cores
    if server_core is not None and load_core is not None:
        print(
            f"pinned: server under test on CPU {_cpus(server_core)}, load generator and fake Slack on CPU "
            f"{_cpus(load_core)} (same for both apps; --no-pin to share all cores)"
        )
    else:
        print("not pinned: servers, load generator and fake Slack share all cores")
    print(f"event loop of both servers: {event_loop} (LOOKOUT_EVENT_LOOP)")
    print()


def _print_table(throughputs: dict[str, list[RunResult]], paced: dict[str, RunResult]) -> dict[str, RunResult]:
    """One line per app (its median round, the paced run, errors, CPU); the median rounds."""
    header = (
        f"{'app':<22}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'paced p50':>11}{'paced p99':>11}{'errors':>8}"
        f"{'CPU ms/ev':>11}  events/s per round"
    )
    print(header)
    print("-" * len(header))
    labels = {"lookout": "lookout (full stack)", "bare": "bare bolt AsyncApp"}
    medians: dict[str, RunResult] = {}
    for name, runs in throughputs.items():
        if not runs:
            continue
        median = medians[name] = sorted(runs, key=lambda run: run.rate)[len(runs) // 2]
        paced_run = paced[name]
        errors = sum(run.errors for run in runs) + paced_run.errors
        cpu = sorted(value for run in runs if (value := run.cpu_ms_per_event) is not None)
        cpu_text = f"{cpu[len(cpu) // 2]:.3f}" if cpu else "n/a"
        print(
            f"{labels[name]:<22}{median.rate:>10.0f}{median.percentile(0.5):>9.1f}{median.percentile(0.99):>9.1f}"
            f"{paced_run.percentile(0.5):>11.1f}{paced_run.percentile(0.99):>11.1f}{errors:>8}{cpu_text:>11}"
            f"  {' '.join(f'{run.rate:.0f}' for run in runs)}"
        )
    return medians


def _print_targets(
    medians: dict[str, RunResult],
    throughputs: dict[str, list[RunResult]],
    paced: dict[str, RunResult],
    args: argparse.Namespace,
    *,
    replies: int,
    replies_done: list[float],
) -> None:
    """Lookout against bare bolt and the ack target, then the replies posted after the acks."""
    lookout, bare = medians["lookout"], medians["bare"]
    ratio = lookout.rate / bare.rate if bare.rate else float("nan")
    p99 = paced["lookout"].percentile(0.99)
    print()
    print(
        f"throughput ratio lookout/bare (medians): {ratio:.2f}  (target >= 0.90: {'met' if ratio >= 0.9 else 'NOT met'})"
    )
    print(
        f"lookout p99 ack at {args.rate:.0f} events/s: {p99:.1f} ms  "
        f"(target < 50 ms: {'met' if p99 < 50 else 'NOT met'})"
    )
    sent = sum(run.events for run in throughputs["lookout"]) + paced["lookout"].events
    print(f"threaded replies posted by lookout (one per mention, after the ack): {replies}/{sent}")
    if replies_done:
        done = sorted(replies_done)[len(replies_done) // 2]
        print(
            f"throughput run (median round): last of the {lookout.events} acks after {lookout.seconds:.2f} s, "
            f"last of the {lookout.events} replies posted after {done:.2f} s "
            f"({lookout.events / done:.0f} answered mentions/s end to end)"
        )


def _cpus(cpus: set[int]) -> str:
    return ",".join(str(cpu) for cpu in sorted(cpus))
