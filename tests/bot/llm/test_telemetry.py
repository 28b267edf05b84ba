"""Each model request is a `chat {model}` span with the GenAI attributes and a point on the GenAI histograms, on
every provider's real wire format; a fallback shows the failed request as its own span."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry

from bot.fakes.llm_script import Fail, LLMFakeServer, Reply
from bot.llm.base import ModelRequest, complete
from bot.llm.fallback import FallbackModel
from bot.llm.messages import user_text
from bot.llm.telemetry import InstrumentedModel, provider_name
from bot.observe.genai import GenAiMetrics
from tests.bot.llm.conftest import fakes as fakes
from tests.bot.llm.conftest import make_model
from tests.helpers.spans import Recorded, recording

REQUEST = ModelRequest(system="You answer briefly.", messages=[user_text("How many sessions yesterday?")])
SEMCONV_PROVIDER = {"anthropic": "anthropic", "gemini": "gcp.gemini", "xai": "x_ai"}
MODEL = {"anthropic": "claude-haiku-4-5", "gemini": "gemini-2.5-flash", "xai": "grok-4-fast"}


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    with recording() as telemetry:
        yield telemetry


@pytest.mark.parametrize("provider", ["anthropic", "gemini", "xai"])
async def test_a_request_is_a_chat_span_with_its_usage_and_cache_tokens(
    provider: str, fakes: dict[str, LLMFakeServer], recorded: Recorded
) -> None:
    fakes[provider].script(Reply(text="About 4,200.", input_tokens=3000, output_tokens=12, cached_tokens=2048))
    registry = CollectorRegistry()
    model = InstrumentedModel(make_model(provider, fakes[provider]), metrics=GenAiMetrics(registry))
    try:
        response = await complete(model, REQUEST)
    finally:
        await model.aclose()

    [span] = recorded.spans
    assert span.name == f"chat {MODEL[provider]}"
    assert span.kind is SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == SEMCONV_PROVIDER[provider]
    assert attributes["gen_ai.request.model"] == MODEL[provider]
    # Every provider's wire format reports cached input its own way; the span counts it the convention's way.
    assert attributes["gen_ai.usage.input_tokens"] == response.usage.input_tokens == 3000
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 2048
    assert attributes["gen_ai.usage.output_tokens"] == 12
    assert not any(key.startswith(("gen_ai.input", "gen_ai.output", "gen_ai.system")) for key in attributes)
    labels = {
        "gen_ai_operation_name": "chat",
        "gen_ai_provider_name": SEMCONV_PROVIDER[provider],
        "gen_ai_request_model": MODEL[provider],
    }
    assert registry.get_sample_value("gen_ai_client_token_usage_sum", {**labels, "gen_ai_token_type": "input"}) == 3000
    assert (
        registry.get_sample_value("gen_ai_client_operation_duration_seconds_count", {**labels, "error_type": ""}) == 1
    )


async def test_a_fallback_shows_the_failed_request_as_an_error_span(
    fakes: dict[str, LLMFakeServer], recorded: Recorded
) -> None:
    fakes["anthropic"].script(Fail(529, "Overloaded"))
    fakes["gemini"].script(Reply(text="About 4,200."))
    registry = CollectorRegistry()
    metrics = GenAiMetrics(registry)
    chain = [
        InstrumentedModel(make_model("anthropic", fakes["anthropic"]), metrics=metrics),
        InstrumentedModel(make_model("gemini", fakes["gemini"]), metrics=metrics),
    ]
    try:
        await complete(FallbackModel(chain), REQUEST)
    finally:
        for model in chain:
            await model.aclose()

    failed, answered = recorded.spans
    assert (failed.name, answered.name) == ("chat claude-haiku-4-5", "chat gemini-2.5-flash")
    assert failed.status.status_code is StatusCode.ERROR
    assert (failed.attributes or {})["error.type"] == "overloaded"
    assert "gen_ai.usage.input_tokens" not in (failed.attributes or {})
    assert answered.status.status_code is StatusCode.UNSET
    failures = {
        "gen_ai_operation_name": "chat",
        "gen_ai_provider_name": "anthropic",
        "gen_ai_request_model": "claude-haiku-4-5",
        "error_type": "overloaded",
    }
    assert registry.get_sample_value("gen_ai_client_operation_duration_seconds_count", failures) == 1


async def test_without_telemetry_the_metrics_are_still_recorded(fakes: dict[str, LLMFakeServer]) -> None:
    fakes["xai"].script(Reply(text="About 4,200.", input_tokens=500))
    registry = CollectorRegistry()
    model = InstrumentedModel(make_model("xai", fakes["xai"]), metrics=GenAiMetrics(registry))
    try:
        await complete(model, REQUEST)
    finally:
        await model.aclose()
    labels = {"gen_ai_operation_name": "chat", "gen_ai_provider_name": "x_ai", "gen_ai_request_model": "grok-4-fast"}
    assert registry.get_sample_value("gen_ai_client_token_usage_sum", {**labels, "gen_ai_token_type": "input"}) == 500


def test_provider_names_follow_the_semantic_conventions() -> None:
    assert [provider_name(f"{p}:m") for p in ("anthropic", "gemini", "xai", "openai")] == [
        "anthropic",
        "gcp.gemini",
        "x_ai",
        "openai",
    ]
