"""The running OpenTelemetry SDK of one process, as `bot.observe.tracing` holds it (built by `otel_sdk`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.metrics import Meter, MeterProvider
    from opentelemetry.trace import Tracer, TracerProvider

log = logging.getLogger(__name__)

# The instrumentation scope of every span and instrument Lookout records.
INSTRUMENTATION = "lookout"


@dataclass(kw_only=True)
class Telemetry:
    """The running SDK: a tracer, a meter, whether content may be recorded, and how to flush on exit."""

    tracer: Tracer
    meter: Meter
    capture_content: bool = False
    tracer_provider: TracerProvider | None = None
    meter_provider: MeterProvider | None = None
    _closers: list[Any] = field(default_factory=list)

    def shutdown(self) -> None:
        """Flush what is buffered and stop the exporters (called once, when the process stops)."""
        for provider in self._closers:
            try:
                provider.shutdown()
            except Exception:
                log.exception("telemetry did not shut down cleanly")
