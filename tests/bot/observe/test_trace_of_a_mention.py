"""One mention driven through the fakes with an in-memory span exporter: the trace an operator would read.

A signed event reaches the real app; the agent calls the fake Claude over the wire, runs `ga4_run_report` against
the fake GA4 and streams its answer to the fake Slack. The spans must form one trace under `lookout mention`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from bot.fakes.llm_script import LLMFakeServer, Reply, ScriptedToolCall
from bot.fakes.slack_api import FakeSlack
from bot.main.agent import build_agent_handler
from bot.platform.services import Services
from bot.platform.slack.clients import new_slack_http_session
from tests.bot.agent.test_slack_answers import LAST_WEEK, NOW, FakeGoogleContexts, answer_with_total, ask
from tests.bot.agent.test_slack_answers import dataset as dataset
from tests.bot.agent.test_slack_answers import google as google
from tests.bot.llm.conftest import fakes as fakes
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.spans import Recorded, recording
from tools.fakes.google import FakeGoogle

QUESTION = "how many sessions did we have last week?"
API_KEY = "test-anthropic-key-0123456789"


@pytest.fixture
def recorded(request: pytest.FixtureRequest) -> Iterator[Recorded]:
    with recording(capture_content=getattr(request, "param", False)) as telemetry:
        yield telemetry


@pytest.fixture
async def mention_app(
    recorded: Recorded, start_app: StartApp, google: FakeGoogle, fakes: dict[str, LLMFakeServer]
) -> AsyncIterator[RunningApp]:
    """The app as `lookout serve` wires it with tracing on (so the Slack session and GA4 runtime carry spans)."""
    contexts = FakeGoogleContexts(google)
    contexts.runtime.tracer = recorded.telemetry.tracer
    built: list[Services] = []

    def configure(services: Services) -> Any:
        services.clock = lambda: NOW.replace(tzinfo=UTC)
        services.slack_http = new_slack_http_session()
        built.append(services)
        return build_agent_handler(services, contexts=contexts)

    app = await start_app(
        configure=configure,
        anthropic_api_key=API_KEY,
        anthropic_base_url=fakes["anthropic"].url,
        lookout_models_fast="anthropic:claude-haiku-4-5",
        lookout_models_deep="anthropic:claude-haiku-4-5",
    )
    fake = fakes["anthropic"]
    fake.script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),), input_tokens=2400, cached_tokens=0))
    fake.responder = lambda recorded_request: Reply(
        text=answer_with_total(recorded_request).text, input_tokens=2600, output_tokens=31, cached_tokens=2300
    )
    yield app
    handler = app.message_handler
    await handler.agent.models.aclose()  # type: ignore[attr-defined]
    for services in built:
        assert services.slack_http is not None
        await services.slack_http.close()
    contexts.runtime.close()


def parent_of(span: ReadableSpan, spans: list[ReadableSpan]) -> ReadableSpan | None:
    if span.parent is None:
        return None
    return next((other for other in spans if other.context.span_id == span.parent.span_id), None)


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[str]:
    names = []
    parent = parent_of(span, spans)
    while parent is not None:
        names.append(parent.name)
        parent = parent_of(parent, spans)
    return names


async def test_one_mention_is_one_trace_of_model_tool_google_slack_and_database_spans(
    mention_app: RunningApp, recorded: Recorded, fake_slack: FakeSlack
) -> None:
    await ask(mention_app, QUESTION)

    roots = [span for span in recorded.spans if span.parent is None]
    [root] = [span for span in roots if span.name == "lookout mention"]
    # Outside the answer only what the front door did while acking (bolt's authorize: `auth.test`).
    assert {span.name for span in roots if span is not root} <= {"slack auth.test"}
    spans = [span for span in recorded.spans if span.context.trace_id == root.context.trace_id]
    assert len(spans) == len(recorded.spans) - len(roots) + 1

    [agent] = recorded.named("invoke_agent")
    assert agent.name == "invoke_agent lookout" and parent_of(agent, spans) is root
    assert agent.attributes is not None and agent.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert (agent.attributes["gen_ai.usage.input_tokens"], agent.attributes["lookout.agent.stop"]) == (5000, "answered")
    chats = recorded.named("chat ")
    assert [span.name for span in chats] == ["chat claude-haiku-4-5"] * 2
    for chat in chats:
        assert chat.kind is SpanKind.CLIENT
        assert parent_of(chat, spans) is agent
        assert chat.attributes is not None
        assert chat.attributes["gen_ai.operation.name"] == "chat"
        assert chat.attributes["gen_ai.provider.name"] == "anthropic"
        assert chat.attributes["gen_ai.request.model"] == "claude-haiku-4-5"
    first, second = (dict(chat.attributes or {}) for chat in chats)
    assert (first["gen_ai.usage.input_tokens"], first["gen_ai.usage.cache_read.input_tokens"]) == (2400, 0)
    assert first["gen_ai.response.finish_reasons"] == ("tool_use",)
    # Claude's input_tokens leaves cache reads out; the convention's counts them in.
    assert (second["gen_ai.usage.input_tokens"], second["gen_ai.usage.cache_read.input_tokens"]) == (2600, 2300)
    assert (second["gen_ai.usage.output_tokens"], second["gen_ai.usage.cache_creation.input_tokens"]) == (31, 0)

    [tool] = recorded.named("execute_tool")
    assert tool.name == "execute_tool ga4_run_report"
    assert parent_of(tool, spans) is agent
    assert tool.attributes is not None
    assert tool.attributes["gen_ai.operation.name"] == "execute_tool"
    assert tool.attributes["gen_ai.tool.name"] == "ga4_run_report"
    assert str(tool.attributes["gen_ai.tool.call.id"]).startswith("toolu_")
    assert tool.status.status_code is StatusCode.UNSET
    # The tool ran between the two model calls, and read GA4 inside it.
    assert chats[0].end_time <= tool.start_time <= tool.end_time <= chats[1].start_time  # type: ignore[operator]
    google_spans = recorded.named("google ")
    assert google_spans and all(ancestors(span, spans)[0] == tool.name for span in google_spans)
    assert google_spans[0].attributes == {
        "lookout.google.api": "ga4",
        "lookout.google.resource": "properties/123456",
        "lookout.google.attempts": 1,
    }

    slack_spans = [span for span in spans if span.name.startswith("slack ")]
    assert {"slack chat.startStream", "slack chat.stopStream"} <= {span.name for span in slack_spans}
    assert all(ancestors(span, spans)[-1] == root.name for span in slack_spans)
    system = "sqlite" if mention_app.services.database.is_sqlite else "postgresql"
    transactions = [span for span in spans if span.name == f"{system} transaction"]
    assert transactions and all(root.name in ancestors(span, spans) for span in transactions)
    expected = {"db.system.name": system, "db.operation.name": "transaction"}
    assert all(span.attributes == expected and span.kind is SpanKind.CLIENT for span in transactions)


async def test_without_content_capture_no_words_of_the_conversation_and_no_secret_reach_a_span(
    mention_app: RunningApp, recorded: Recorded, fake_slack: FakeSlack
) -> None:
    await ask(mention_app, QUESTION)

    text = json.dumps([dict(span.attributes or {}) for span in recorded.spans], default=str)
    events = [event for span in recorded.spans for event in span.events]
    assert QUESTION not in text and "Sessions last week" not in text and "7daysAgo" not in text
    secrets = (API_KEY, fake_slack.workspace.bot_token, mention_app.settings.slack_signing_secret, "test-access-token")
    for secret in secrets:
        value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
        assert value and value not in text
    assert events == []
    assert not any(key.startswith(("gen_ai.input", "gen_ai.output", "gen_ai.system")) for key in text.split('"'))


@pytest.mark.parametrize("recorded", [True], indirect=True)
async def test_with_content_capture_the_prompt_the_answer_and_the_tool_payloads_are_on_the_spans(
    mention_app: RunningApp, recorded: Recorded
) -> None:
    answer = await ask(mention_app, QUESTION)

    first, second = (dict(span.attributes or {}) for span in recorded.named("chat "))
    [asked] = json.loads(str(first["gen_ai.input.messages"]))
    assert asked["role"] == "user" and QUESTION in asked["parts"][0]["content"]
    assert "ga4_run_report" in str(first["gen_ai.tool.definitions"])
    [said] = json.loads(str(second["gen_ai.output.messages"]))
    assert said["parts"][0]["content"] in answer.text
    [tool] = recorded.named("execute_tool")
    assert tool.attributes is not None
    assert json.loads(str(tool.attributes["gen_ai.tool.call.arguments"])) == LAST_WEEK
    assert '"totals"' in str(tool.attributes["gen_ai.tool.call.result"])


async def test_the_genai_histograms_count_each_model_request_in_prometheus_and_opentelemetry(
    mention_app: RunningApp, recorded: Recorded
) -> None:
    await ask(mention_app, QUESTION)

    registry = mention_app.services.metrics.registry
    labels = {
        "gen_ai_operation_name": "chat",
        "gen_ai_provider_name": "anthropic",
        "gen_ai_request_model": "claude-haiku-4-5",
    }
    input_sum = registry.get_sample_value("gen_ai_client_token_usage_sum", {**labels, "gen_ai_token_type": "input"})
    output_count = registry.get_sample_value(
        "gen_ai_client_token_usage_count", {**labels, "gen_ai_token_type": "output"}
    )
    assert (input_sum, output_count) == (2400 + 2600, 2)
    duration = registry.get_sample_value("gen_ai_client_operation_duration_seconds_count", {**labels, "error_type": ""})
    assert duration == 2

    data = recorded.metrics.get_metrics_data()
    assert data is not None
    points = {
        metric.name: list(metric.data.data_points)
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    by_type = {point.attributes["gen_ai.token.type"]: point for point in points["gen_ai.client.token.usage"]}
    assert (by_type["input"].sum, by_type["input"].count, by_type["output"].sum) == (5000, 2, 20 + 31)
    assert [point.count for point in points["gen_ai.client.operation.duration"]] == [2]
