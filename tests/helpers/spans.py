"""Telemetry for a test: the real OpenTelemetry SDK recording into memory instead of exporting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bot.observe import tracing
from bot.observe.telemetry import INSTRUMENTATION, Telemetry


@dataclass
class Recorded:
    telemetry: Telemetry
    exporter: InMemorySpanExporter
    metrics: InMemoryMetricReader

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, prefix: str) -> list[ReadableSpan]:
        return [span for span in self.spans if span.name.startswith(prefix)]


@contextmanager
def recording(*, capture_content: bool = False) -> Iterator[Recorded]:
    """Make the process's telemetry record every span and metric in memory while the block runs."""
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    telemetry = Telemetry(
        tracer=tracer_provider.get_tracer(INSTRUMENTATION),
        meter=meter_provider.get_meter(INSTRUMENTATION),
        capture_content=capture_content,
    )
    previous = tracing.use(telemetry)
    try:
        yield Recorded(telemetry=telemetry, exporter=exporter, metrics=reader)
    finally:
        tracing.use(previous)
        tracer_provider.shutdown()
        meter_provider.shutdown()
