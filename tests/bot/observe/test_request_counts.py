"""The front door's plain-number metrics read on `/metrics` exactly as prometheus_client's own would."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bot.observe.metrics import Metrics
from bot.observe.request_counts import ACK_SECONDS, ACKED, RECEIVED, RequestCounts

BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
# On a bound, between bounds, above every bound, and zero.
LATENCIES = (0.005, 0.0049, 0.0051, 0.3, 1.0, 119.0, 120.0, 121.0, 0.0)
# What the metrics said when they were prometheus_client's Counter and Histogram.
HELP = {
    RECEIVED: "Requests received on /slack/events (or Socket Mode), by kind.",
    ACKED: "Requests answered with HTTP 200, by kind.",
    ACK_SECONDS: "Time from receiving a request to answering it.",
}


def _without_created(text: str) -> str:
    # `_created` is when the series was made: the only value the two registries cannot share.
    return re.sub(r"^(\w+_created\{[^}]*\}) .*$", r"\1", text, flags=re.MULTILINE)


def _reference(*, received: dict[str, int], acked: dict[str, int], latencies: dict[str, tuple[float, ...]]) -> str:
    registry = CollectorRegistry()
    received_counter = Counter(RECEIVED, HELP[RECEIVED], ["kind"], registry=registry)
    acked_counter = Counter(ACKED, HELP[ACKED], ["kind"], registry=registry)
    histogram = Histogram(ACK_SECONDS, HELP[ACK_SECONDS], ["kind"], buckets=BOUNDS, registry=registry)
    for kind in received:
        received_counter.labels(kind=kind).inc(received[kind])
        acked_counter.labels(kind=kind).inc(acked[kind])
        for seconds in latencies[kind]:
            histogram.labels(kind=kind).observe(seconds)
    return generate_latest(registry).decode()


def test_the_families_read_as_prometheus_clients_counters_and_histogram_would() -> None:
    metrics = Metrics()
    received = {"event": 7, "form": 2}
    acked = {"event": 5, "form": 2}
    latencies = {"event": LATENCIES, "form": (0.02, 3.0)}
    for kind in received:
        counts = metrics.request_metrics(kind)
        counts.received += received[kind]
        counts.acked += acked[kind]
        for seconds in latencies[kind]:
            counts.observe(seconds)

    ours = metrics.render().decode()
    families = {name: block for name, block in _blocks(ours).items() if name in (RECEIVED, ACKED, ACK_SECONDS)}
    expected = _blocks(_reference(received=received, acked=acked, latencies=latencies))
    assert _without_created("".join(families.values())) == _without_created("".join(expected.values()))


def test_a_latency_on_a_bound_counts_in_that_bucket() -> None:
    counts = RequestCounts(bounds=(0.005, 0.01))
    for seconds in (0.005, 0.0051, 0.01, 0.02):
        counts.observe(seconds)
    assert counts.cumulative_buckets() == [("0.005", 1.0), ("0.01", 3.0), ("+Inf", 4.0)]
    assert counts.latency_sum == 0.005 + 0.0051 + 0.01 + 0.02


def test_a_kind_appears_once_it_is_used() -> None:
    metrics = Metrics()
    assert 'kind="socket"' not in metrics.render().decode()
    metrics.request_metrics("socket").received += 1
    text = metrics.render().decode()
    assert 'lookout_slack_requests_received_total{kind="socket"} 1.0' in text
    assert 'lookout_slack_requests_acked_total{kind="socket"} 0.0' in text
    assert 'lookout_slack_ack_seconds_count{kind="socket"} 0.0' in text


def _blocks(text: str) -> dict[str, str]:
    """The exposition text by family, keyed by the family's name (without `_total` / `_created`)."""
    blocks: dict[str, str] = {}
    name = ""
    for line in text.splitlines(keepends=True):
        if line.startswith("# HELP "):
            name = re.sub(r"_(total|created)$", "", line.split()[2])
        blocks[name] = blocks.get(name, "") + line
    return blocks
