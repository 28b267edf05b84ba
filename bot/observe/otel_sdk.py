"""The OpenTelemetry SDK and its exporters, imported only when telemetry is on (`bot.observe.tracing.start`).

Traces and metrics go over OTLP/HTTP (protobuf) to OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces` and `/v1/metrics` are
appended, as the specification says for the base endpoint), or to the console. The SDK itself still reads the
rest of the standard variables from the environment: OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG),
OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL, OTEL_EXPORTER_OTLP_TIMEOUT / _COMPRESSION / _CERTIFICATE and the
per-signal endpoints.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from opentelemetry import metrics as otel_metrics
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from bot.config.settings import Settings
from bot.observe.telemetry import INSTRUMENTATION, Telemetry


def otlp_headers(text: str) -> dict[str, str]:
    """OTEL_EXPORTER_OTLP_HEADERS (`key=value,key2=value2`, values URL-encoded) as a mapping."""
    headers: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            headers[key.strip().lower()] = unquote(value.strip())
    return headers


def _signal_endpoint(settings: Settings, path: str) -> str | None:
    base = settings.otel_exporter_otlp_endpoint
    return f"{base.rstrip('/')}/{path}" if base else None


def _otlp_options(settings: Settings, path: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    endpoint = _signal_endpoint(settings, path)
    if endpoint is not None:
        options["endpoint"] = endpoint
    if settings.otel_exporter_otlp_headers is not None:
        options["headers"] = otlp_headers(settings.otel_exporter_otlp_headers.get_secret_value())
    return options


def span_exporter(settings: Settings, name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter(service_name=settings.otel_service_name)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(**_otlp_options(settings, "v1/traces"))


def metric_reader(settings: Settings, name: str) -> MetricReader:
    if name == "console":
        return PeriodicExportingMetricReader(ConsoleMetricExporter())
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

    return PeriodicExportingMetricReader(OTLPMetricExporter(**_otlp_options(settings, "v1/metrics")))


def build_telemetry(settings: Settings, *, traces: str, metrics: str) -> Telemetry:
    """Providers for the exporters named ("none" leaves that signal off)."""
    resource = Resource.create({"service.name": settings.otel_service_name})
    tracer_provider = TracerProvider(resource=resource)
    if traces != "none":
        tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter(settings, traces)))
    readers = [metric_reader(settings, metrics)] if metrics != "none" else []
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    return Telemetry(
        tracer=tracer_provider.get_tracer(INSTRUMENTATION),
        meter=meter_provider.get_meter(INSTRUMENTATION),
        capture_content=settings.otel_instrumentation_genai_capture_message_content,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        _closers=[tracer_provider, meter_provider],
    )


def install_globally(telemetry: Telemetry) -> None:
    """Also the process's global providers, so libraries that speak the OpenTelemetry API join the same traces
    (once per process: the API refuses a second provider)."""
    if telemetry.tracer_provider is not None:
        trace.set_tracer_provider(telemetry.tracer_provider)
    if telemetry.meter_provider is not None:
        otel_metrics.set_meter_provider(telemetry.meter_provider)
