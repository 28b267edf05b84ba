"""The OpenTelemetry GenAI client metrics, on the Prometheus registry and (when telemetry is on) through OTLP.

`gen_ai.client.token.usage` (unit `{token}`) and `gen_ai.client.operation.duration` (unit `s`) from the GenAI
semantic conventions. Prometheus sees them under the names the OpenTelemetry-to-Prometheus rules give
(`gen_ai_client_token_usage`, `gen_ai_client_operation_duration_seconds`), labelled like the attributes.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Histogram

from bot.observe import tracing

# The bucket boundaries the GenAI semantic conventions recommend for each histogram.
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)

TOKEN_USAGE = "gen_ai.client.token.usage"
OPERATION_DURATION = "gen_ai.client.operation.duration"
_LABELS = ("gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model")


class GenAiMetrics:
    """Token usage per request and type (input, output), and the duration of every model request."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.token_usage = Histogram(
            "gen_ai_client_token_usage",
            "Number of input and output tokens used per model request (gen_ai.client.token.usage).",
            [*_LABELS, "gen_ai_token_type"],
            buckets=TOKEN_BUCKETS,
            registry=registry,
        )
        self.operation_duration = Histogram(
            "gen_ai_client_operation_duration_seconds",
            "Duration of model requests, failed ones included (gen_ai.client.operation.duration).",
            [*_LABELS, "error_type"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self._otel: tuple[Any, Any, Any] | None = None  # (meter, token histogram, duration histogram)

    def record(
        self,
        *,
        operation: str,
        provider: str,
        model: str,
        seconds: float,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        error_type: str | None = None,
    ) -> None:
        """One model request: its duration, and its tokens when it answered (a failed request has no usage)."""
        labels = {"gen_ai_operation_name": operation, "gen_ai_provider_name": provider, "gen_ai_request_model": model}
        self.operation_duration.labels(**labels, error_type=error_type or "").observe(seconds)
        tokens = {"input": input_tokens, "output": output_tokens}
        for kind, count in tokens.items():
            if count is not None:
                self.token_usage.labels(**labels, gen_ai_token_type=kind).observe(count)
        instruments = self._instruments()
        if instruments is None:
            return
        _, token_histogram, duration_histogram = instruments
        attributes = {
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model,
        }
        duration_histogram.record(seconds, {**attributes, **({"error.type": error_type} if error_type else {})})
        for kind, count in tokens.items():
            if count is not None:
                token_histogram.record(count, {**attributes, "gen_ai.token.type": kind})

    def _instruments(self) -> tuple[Any, Any, Any] | None:
        telemetry = tracing.current()
        if telemetry is None:
            return None
        if self._otel is None or self._otel[0] is not telemetry.meter:
            meter = telemetry.meter
            tokens = meter.create_histogram(
                TOKEN_USAGE,
                unit="{token}",
                description="Number of input and output tokens used.",
                explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
            )
            duration = meter.create_histogram(
                OPERATION_DURATION,
                unit="s",
                description="GenAI operation duration.",
                explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
            )
            self._otel = (meter, tokens, duration)
        return self._otel
