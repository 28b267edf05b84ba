"""The front door's per-request metrics: requests received and acked, and ack latency, by kind.

These are updated on every request Slack sends (`bot.slack.web`, `bot.slack.socket_mode`), so they are plain numbers,
turned into Prometheus metric families only when `/metrics` is read. A prometheus_client child checks its state and
takes a lock on every update: two counters and a histogram cost ~5 µs per ack, about 3% of an ack's CPU under
`lookout bench ack`; here an update is an attribute increment and a bisect. `/metrics` shows the same families as
before (`lookout_slack_requests_received_total`, `lookout_slack_requests_acked_total`, `lookout_slack_ack_seconds`,
each with its `_created` sample).

Updated from the event loop's thread only (the HTTP route and the Socket Mode handler both run there); a scrape reads
the numbers as they are at that moment.
"""

from __future__ import annotations

import itertools
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import cast

from prometheus_client import CollectorRegistry, utils
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.samples import Sample

# How prometheus_client writes a bucket's `le` (untyped in the library).
_le = cast(Callable[[float], str], utils.floatToGoString)

RECEIVED = "lookout_slack_requests_received"
ACKED = "lookout_slack_requests_acked"
ACK_SECONDS = "lookout_slack_ack_seconds"
_HELP = {
    RECEIVED: "Requests received on /slack/events (or Socket Mode), by kind.",
    ACKED: "Requests answered with HTTP 200, by kind.",
    ACK_SECONDS: "Time from receiving a request to answering it.",
}


class RequestCounts:
    """One kind's numbers: bump `received` and `acked` directly, and `observe(seconds)` each ack's latency."""

    __slots__ = ("_bounds", "_buckets", "_labels", "acked", "created", "latency_sum", "received")

    def __init__(self, *, bounds: Sequence[float]) -> None:
        self._bounds = tuple(bounds)
        self._labels = [*(_le(bound) for bound in self._bounds), "+Inf"]
        self._buckets = [0] * (len(self._bounds) + 1)  # the last one is +Inf
        self.received = 0
        self.acked = 0
        self.latency_sum = 0.0
        self.created = time.time()

    def observe(self, seconds: float) -> None:
        # Prometheus buckets are "less than or equal": the first bound >= seconds (bisect_left) is the one to count.
        self._buckets[bisect_left(self._bounds, seconds)] += 1
        self.latency_sum += seconds

    def cumulative_buckets(self) -> list[tuple[str, float]]:
        """(le, count) per bucket, cumulative, +Inf last: the histogram as Prometheus shows it."""
        cumulative = itertools.accumulate(self._buckets)
        return [(label, float(count)) for label, count in zip(self._labels, cumulative, strict=True)]


class RequestCountsCollector:
    """Every kind's `RequestCounts`, registered on a registry as the three families `/metrics` shows."""

    def __init__(self, *, registry: CollectorRegistry, bounds: Sequence[float]) -> None:
        self._bounds = tuple(bounds)
        self._per_kind: dict[str, RequestCounts] = {}
        registry.register(self)

    def for_kind(self, kind: str) -> RequestCounts:
        counts = self._per_kind.get(kind)
        if counts is None:
            counts = self._per_kind[kind] = RequestCounts(bounds=self._bounds)
        return counts

    def describe(self) -> Iterable[Metric]:
        return self._families(())

    def collect(self) -> Iterable[Metric]:
        return self._families(tuple(self._per_kind.items()))

    def _families(self, kinds: tuple[tuple[str, RequestCounts], ...]) -> list[Metric]:
        received = CounterMetricFamily(RECEIVED, _HELP[RECEIVED], labels=["kind"])
        acked = CounterMetricFamily(ACKED, _HELP[ACKED], labels=["kind"])
        latency = HistogramMetricFamily(ACK_SECONDS, _HELP[ACK_SECONDS], labels=["kind"])
        for kind, counts in kinds:
            received.add_metric([kind], float(counts.received), created=counts.created)
            acked.add_metric([kind], float(counts.acked), created=counts.created)
            latency.add_metric([kind], counts.cumulative_buckets(), counts.latency_sum)
            latency.samples.append(Sample(ACK_SECONDS + "_created", {"kind": kind}, counts.created))
        return [received, acked, latency]
