"""Workflow tools answered through Slack: a signed mention → the agent → the model asks for a workflow → the fake
Google serves it → the answer streams into the thread with the right status and footer."""

from __future__ import annotations

import json

from bot.fakes.llm_script import LLMFakeServer, RecordedRequest, Reply, ScriptedToolCall
from bot.fakes.slack_api import FakeSlack
from tests.bot.agent.test_slack_answers import SITE, AgentApp, ask, footer
from tests.bot.agent.test_slack_answers import agent_app as agent_app
from tests.bot.agent.test_slack_answers import dataset as dataset
from tests.bot.agent.test_slack_answers import google as google
from tools.fakes.google import FakeGoogle


def answer_with_top_query(recorded: RecordedRequest) -> Reply:
    result = json.loads(recorded.tool_results[0])
    top = result["rows"][0]
    return Reply(
        text=(
            f"Your best striking-distance query is **{top['query']}**: position {top['position']} with "
            f"{top['impressions']:,} impressions and {top['clicks']:,} clicks."
        )
    )


async def test_a_striking_distance_question_is_answered_with_the_search_console_workflow(
    agent_app: AgentApp,
    fakes: dict[str, LLMFakeServer],
    google: FakeGoogle,
    fake_slack: FakeSlack,
) -> None:
    app = await agent_app(order=("anthropic",))
    claude = fakes["anthropic"]
    claude.script(Reply(tool_calls=(ScriptedToolCall("gsc_workflow", {"workflow": "striking_distance"}),)))
    claude.responder = answer_with_top_query

    answer = await ask(app, "which queries are almost on page one?")

    offered = {tool["name"] for tool in claude.requests[0].body["tools"]}
    assert {"gsc_workflow", "ga4_run_report", "gsc_search_analytics"} <= offered
    sent = google.calls("searchAnalytics.query")[0].body
    assert sent["dimensions"] == ["query", "page"]
    top = json.loads(claude.requests[1].tool_results[0])["rows"][0]
    assert f"**{top['query']}**" in answer.text and f"{top['impressions']:,} impressions" in answer.text
    statuses = [call.get("status") for call in fake_slack.calls_to("assistant.threads.setStatus")]
    assert "is reading Search Console…" in statuses
    assert answer.tasks["task-1"]["title"] == "Search Console: queries close to page one, Oct 21–Nov 17"
    assert footer(answer).startswith("_<https://search.google.com/search-console/performance/search-analytics?")
    assert f"|Search Console {SITE}> · Oct 21–Nov 17" in footer(answer)


def answer_with_ai_sessions(recorded: RecordedRequest) -> Reply:
    result = json.loads(recorded.tool_results[0])
    top = result["sources"][0]
    return Reply(
        text=(
            f"AI assistants sent **{round(result['sessions']['current']):,}** sessions in the last 28 days, "
            f"most from {top['source']} ({round(top['sessions']['current']):,})."
        )
    )


async def test_an_ai_traffic_question_is_answered_with_the_ga4_workflow(
    agent_app: AgentApp,
    fakes: dict[str, LLMFakeServer],
    google: FakeGoogle,
    fake_slack: FakeSlack,
) -> None:
    app = await agent_app(order=("anthropic",))
    claude = fakes["anthropic"]
    claude.script(Reply(tool_calls=(ScriptedToolCall("ga4_workflow", {"workflow": "ai_assistant_traffic"}),)))
    claude.responder = answer_with_ai_sessions

    answer = await ask(app, "how much traffic do we get from ChatGPT and other AI assistants?")

    result = json.loads(claude.requests[1].tool_results[0])
    assert f"**{round(result['sessions']['current']):,}** sessions" in answer.text
    assert "chatgpt.com" in answer.text
    assert google.calls("batchRunReports")
    statuses = [call.get("status") for call in fake_slack.calls_to("assistant.threads.setStatus")]
    assert "is reading GA4…" in statuses
    assert answer.tasks["task-1"]["title"] == "GA4: traffic from AI assistants, Oct 23–Nov 19 vs Sep 25–Oct 22"
    assert "GA4 · Acme (properties/123456)" in footer(answer)
