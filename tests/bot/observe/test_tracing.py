"""OpenTelemetry is off unless the standard variables ask for it, and then exports over OTLP/HTTP to the collector."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from prometheus_client import CollectorRegistry

from bot.config.settings import Settings
from bot.observe import tracing
from bot.observe.genai import GenAiMetrics
from bot.observe.otel_sdk import build_telemetry, otlp_headers
from tests.helpers.spans import recording


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_tracing_is_off_by_default() -> None:
    assert tracing.plan(settings()) == tracing.Plan(traces="none", metrics="none")
    assert not tracing.plan(settings()).enabled
    assert tracing.start(settings()) is None
    assert tracing.current() is None


def test_an_otlp_endpoint_turns_on_traces_and_metrics() -> None:
    wanted = tracing.plan(settings(otel_exporter_otlp_endpoint="http://collector:4318"))
    assert wanted == tracing.Plan(traces="otlp", metrics="otlp")


def test_each_signal_follows_its_own_exporter_variable() -> None:
    assert tracing.plan(settings(otel_traces_exporter="console")) == tracing.Plan(traces="console", metrics="none")
    both = settings(otel_exporter_otlp_endpoint="http://collector:4318", otel_metrics_exporter="none")
    assert tracing.plan(both) == tracing.Plan(traces="otlp", metrics="none")
    # A list takes the first exporter this process ships; one it does not ship is skipped with a warning.
    assert tracing.plan(settings(otel_traces_exporter="zipkin, console")).traces == "console"
    assert tracing.plan(settings(otel_traces_exporter="zipkin")).traces == "none"


def test_sdk_disabled_wins_over_everything() -> None:
    disabled = settings(
        otel_sdk_disabled=True, otel_exporter_otlp_endpoint="http://collector:4318", otel_traces_exporter="console"
    )
    assert not tracing.plan(disabled).enabled
    assert tracing.start(disabled) is None


def test_the_standard_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "lookout-eu")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    read = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (read.otel_exporter_otlp_endpoint, read.otel_service_name) == ("http://collector:4318", "lookout-eu")
    assert read.otel_instrumentation_genai_capture_message_content is True


def test_otlp_headers_are_read_like_the_specification_says() -> None:
    assert otlp_headers("Authorization=Bearer%20abc, x-tenant = acme,broken") == {
        "authorization": "Bearer abc",
        "x-tenant": "acme",
    }


def test_a_process_with_tracing_off_imports_nothing_of_opentelemetry() -> None:
    code = (
        "import sys\n"
        "from bot.config.settings import Settings\n"
        "from bot.observe import tracing\n"
        "import bot.main.serve, bot.main.build, bot.main.jobs, bot.llm.registry, tools.base, storage.db\n"
        "assert tracing.start(Settings(_env_file=None)) is None\n"
        "print(sorted(name for name in sys.modules if name.startswith('opentelemetry')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    # At most the bare namespace package: google-api-core probes for `opentelemetry.instrumentation` (not installed).
    assert set(ast.literal_eval(result.stdout.strip())) <= {"opentelemetry"}


def test_spans_and_metrics_are_no_ops_while_tracing_is_off() -> None:
    with tracing.new_trace("lookout mention") as root, tracing.child_span("inner") as inner:
        assert (root, inner) == (None, None)
    assert not tracing.capture_content()


def test_an_error_in_a_traced_block_is_recorded_by_type_only() -> None:
    with recording() as recorded, pytest.raises(KeyError), tracing.new_trace("lookout digest"):
        raise KeyError("xoxb-secret-looking-text")
    [span] = recorded.spans
    assert span.attributes is not None and span.attributes["error.type"] == "KeyError"
    assert span.events == () or list(span.events) == []
    assert span.status.description is None


@dataclass
class Collector:
    """A loopback OTLP/HTTP collector: what arrived on /v1/traces and /v1/metrics, with its headers."""

    url: str = ""
    traces: list[ExportTraceServiceRequest] = field(default_factory=list)
    metrics: list[ExportMetricsServiceRequest] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def collector() -> AsyncIterator[Collector]:
    found = Collector()

    async def traces(request: web.Request) -> web.Response:
        found.headers.append({key.lower(): value for key, value in request.headers.items()})
        found.traces.append(ExportTraceServiceRequest.FromString(await request.read()))
        return web.Response(body=b"", content_type="application/x-protobuf")

    async def metrics(request: web.Request) -> web.Response:
        found.metrics.append(ExportMetricsServiceRequest.FromString(await request.read()))
        return web.Response(body=b"", content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    app.router.add_post("/v1/metrics", metrics)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield found
    await runner.cleanup()


async def test_spans_and_genai_metrics_reach_the_collector_over_otlp_http(collector: Collector) -> None:
    configured = settings(
        otel_exporter_otlp_endpoint=collector.url + "/",
        otel_exporter_otlp_headers="authorization=Bearer%20collector-token",
        otel_service_name="lookout-test",
    )
    telemetry = build_telemetry(configured, traces="otlp", metrics="otlp")
    previous = tracing.use(telemetry)
    try:
        with tracing.new_trace("lookout alert", {"lookout.subscription_id": 7}), tracing.child_span("inner"):
            pass
        GenAiMetrics(CollectorRegistry()).record(
            operation="chat", provider="anthropic", model="claude-haiku-5-5", seconds=0.4, input_tokens=900
        )
    finally:
        tracing.use(previous)
        # The exporters post synchronously: from a thread, while this loop serves the collector.
        await asyncio.to_thread(telemetry.shutdown)

    [export] = collector.traces
    [resource_spans] = export.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}["service.name"]
    assert service == "lookout-test"
    names = [span.name for scope in resource_spans.scope_spans for span in scope.spans]
    assert sorted(names) == ["inner", "lookout alert"]
    assert collector.headers[0]["authorization"] == "Bearer collector-token"
    metric_names = {
        metric.name
        for request in collector.metrics
        for resource in request.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    assert {"gen_ai.client.token.usage", "gen_ai.client.operation.duration"} <= metric_names
