"""Prometheus metrics of one app instance, on its own registry so tests and benches can build many apps."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, Metric

from bot.observe.genai import GenAiMetrics
from bot.observe.request_counts import RequestCounts, RequestCountsCollector

# Milliseconds matter for acks; agent answers take seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class Metrics:
    """Counters and histograms the front door and the handlers update; `render()` is `/metrics`."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        """Every metric, defined once on this instance's registry.

        Kept whole because it is a catalogue, not logic: one definition after another, read as the table of what
        `/metrics` exposes. Split by area, the names and labels could no longer be checked against each other at a
        glance."""
        self.registry = CollectorRegistry(auto_describe=True)
        # Received, acked and ack latency by kind: bumped on every request, so plain numbers (`request_counts`).
        self._requests = RequestCountsCollector(registry=self.registry, bounds=_LATENCY_BUCKETS)
        self.events_rejected = Counter(
            "lookout_slack_requests_rejected",
            "Requests refused (bad or stale signature, unknown installation), by HTTP status.",
            ["status"],
            registry=self.registry,
        )
        self.events_deduplicated = Counter(
            "lookout_slack_events_deduplicated",
            "Deliveries dropped because the event or message was already claimed, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.handler_latency = Histogram(
            "lookout_handler_seconds",
            "Time a background handler took, by handler.",
            ["handler"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.handler_errors = Counter(
            "lookout_handler_errors",
            "Background handlers that ended with an unexpected exception, by handler.",
            ["handler"],
            registry=self.registry,
        )
        self.slack_api_errors = Counter(
            "lookout_slack_api_errors",
            "Slack Web API calls that answered ok=false or an HTTP error, by method and error.",
            ["method", "error"],
            registry=self.registry,
        )
        self.access_refused = Counter(
            "lookout_access_refused",
            "Requests refused by the role check, by what they needed and why (bot.access.gate).",
            ["capability", "reason"],
            registry=self.registry,
        )
        self.retention_purges = Counter(
            "lookout_retention_purges",
            "Retention purges this replica ran (at most one per day across replicas).",
            registry=self.registry,
        )
        self.retention_deleted = Counter(
            "lookout_retention_deleted_rows",
            "Rows the retention purge deleted, by table.",
            ["table"],
            registry=self.registry,
        )

        # Every model request's tokens and duration, by the OpenTelemetry GenAI conventions (bot.observe.genai).
        self.gen_ai = GenAiMetrics(self.registry)
        # The answer queue's own plain numbers (`bot.platform.background`), read when `/metrics` is.
        self._answer_waits = _AnswerWaits(self.registry)

    def request_metrics(self, kind: str) -> RequestCounts:
        """The numbers the front door updates for requests of `kind` ("event", "form" or "socket")."""
        return self._requests.for_kind(kind)

    def read_answer_waits(self, source: Callable[[], tuple[int, float]]) -> None:
        """Show the answer queue's waits: `source()` is (answers that waited, seconds they waited in all)."""
        self._answer_waits.source = source

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _AnswerWaits:
    """How many answers waited to start, and for how long in all: kept by the queue as plain numbers (it counts in
    the event loop, where a prometheus_client counter's lock is a cost for nothing) and turned into counters here."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.source: Callable[[], tuple[int, float]] = lambda: (0, 0.0)
        registry.register(self)

    def collect(self) -> Iterable[Metric]:
        waited, seconds = self.source()
        count = CounterMetricFamily(
            "lookout_answers_waited",
            "Answers that did not start when queued: they waited behind acks in flight or for a free slot.",
            value=waited,
        )
        total = CounterMetricFamily(
            "lookout_answer_wait_seconds",
            "Time queued answers spent waiting to start, added up.",
            value=seconds,
        )
        return [count, total]
