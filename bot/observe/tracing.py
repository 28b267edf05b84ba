"""OpenTelemetry for one process: off by default, on with the standard `OTEL_*` settings.

Nothing of OpenTelemetry is imported while it is off: `start()` imports the SDK and the OTLP exporter only when the
settings ask for traces or metrics, and every helper here is a no-op (`nullcontext`) until then. Code below this
layer (`storage/`, `tools/`) does not import this module: the composition root hands it `current().tracer`.

What is recorded (docs/deployment.md): one trace per mention, digest and alert check; under it a span per model
call (`chat {model}`, GenAI semantic conventions), per tool call (`execute_tool {tool}`), per Google request, per
Slack Web API request and per database transaction. Prompts, answers, tool arguments and tool results are attached
only with `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`; tokens and secrets never are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.config.settings import Settings
from bot.observe.telemetry import Telemetry

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

log = logging.getLogger(__name__)

# Exporters this process ships: OTLP over HTTP/protobuf (the collector's port 4318), or the console for a look.
EXPORTERS = frozenset({"otlp", "console", "none"})
Attributes = Mapping[str, str | int | float | bool | list[str]]


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What the settings ask for: which exporter for traces and for metrics ("none" for off)."""

    traces: str
    metrics: str

    @property
    def enabled(self) -> bool:
        return self.traces != "none" or self.metrics != "none"


def plan(settings: Settings) -> Plan:
    """Off unless asked: an exporter named in OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER, or an OTLP endpoint
    (which then carries both). OTEL_SDK_DISABLED=true wins over everything."""
    if settings.otel_sdk_disabled:
        return Plan(traces="none", metrics="none")
    default = "otlp" if settings.otel_exporter_otlp_endpoint else "none"
    return Plan(
        traces=_exporter_name(settings.otel_traces_exporter, default=default, variable="OTEL_TRACES_EXPORTER"),
        metrics=_exporter_name(settings.otel_metrics_exporter, default=default, variable="OTEL_METRICS_EXPORTER"),
    )


def _exporter_name(value: str | None, *, default: str, variable: str) -> str:
    # The variable may list several; this process ships one exporter per signal, so the first known one wins.
    names = [name.strip().lower() for name in (value or default).split(",") if name.strip()]
    for name in names:
        if name in EXPORTERS:
            return name
        log.warning("%s=%s is not supported here (use otlp, console or none); ignoring it", variable, name)
    return "none"


_current: Telemetry | None = None


def current() -> Telemetry | None:
    """The process's telemetry, or None while it is off (the default)."""
    return _current


def use(telemetry: Telemetry | None) -> Telemetry | None:
    """Make `telemetry` the process's (None turns it off again); returns the one it replaces. Tests use this with
    an in-memory exporter; `start()` uses it with the configured exporters."""
    global _current
    previous, _current = _current, telemetry
    return previous


def start(settings: Settings) -> Telemetry | None:
    """Build the SDK from the settings and make it the process's; None (and nothing imported) when it is off."""
    wanted = plan(settings)
    if not wanted.enabled:
        return None
    from bot.observe.otel_sdk import build_telemetry, install_globally

    telemetry = build_telemetry(settings, traces=wanted.traces, metrics=wanted.metrics)
    install_globally(telemetry)
    use(telemetry)
    log.info("OpenTelemetry on: traces to %s, metrics to %s", wanted.traces, wanted.metrics)
    return telemetry


def capture_content() -> bool:
    """Whether prompts, answers and tool payloads may go on spans (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT)."""
    return _current is not None and _current.capture_content


@contextmanager
def new_trace(name: str, attributes: Attributes | None = None) -> Iterator[Span | None]:
    """A root span: the work inside starts its own trace (a mention, a digest, an alert check)."""
    if _current is None:
        yield None
        return
    from opentelemetry.context import Context

    with _spanning(_current.tracer, name, attributes, context=Context()) as span:
        yield span


@contextmanager
def child_span(name: str, attributes: Attributes | None = None) -> Iterator[Span | None]:
    """A span under the current one; the body's exception is recorded by its type and re-raised."""
    if _current is None:
        yield None
        return
    with _spanning(_current.tracer, name, attributes) as span:
        yield span


@contextmanager
def _spanning(tracer: Tracer, name: str, attributes: Attributes | None, **options: Any) -> Iterator[Span]:
    # Exceptions by their type only: their text may quote a person's words, a statement's parameters or a reply.
    with tracer.start_as_current_span(
        name, attributes=attributes, record_exception=False, set_status_on_exception=False, **options
    ) as span:
        try:
            yield span
        except BaseException as error:
            mark_error(span, type(error).__qualname__)
            raise


def mark_error(span: Span | None, error_type: str) -> None:
    """Record a failure the code handled (an error outcome rather than an exception) on `span`."""
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", error_type)
    span.set_status(Status(StatusCode.ERROR))
