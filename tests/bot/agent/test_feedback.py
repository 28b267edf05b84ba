"""Native feedback under every answer: Slack's `feedback_buttons` in a `context_actions` block; each vote stored per
person and answer with the question, the tool calls and the model; an optional "what was wrong?" form after a 👎;
the ordinary buttons of older answers still work; and all of it is in `lookout export`."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.fakes.llm_script import LLMFakeServer, Reply, ScriptedToolCall
from bot.fakes.slack_api import FakeMessage, FakeSlack
from bot.text import agent as messages
from storage.repos.retention import workspace_rows
from storage.tables.agent import AgentFeedback
from tests.bot.agent.test_slack_answers import LAST_WEEK, AgentApp, answer_with_total, ask
from tests.helpers.app_harness import RunningApp
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_USER

QUESTION = "how many sessions did we have last week?"


async def answered(agent_app: AgentApp, fakes: dict[str, LLMFakeServer]) -> tuple[RunningApp, FakeMessage]:
    app = await agent_app(order=("anthropic",))
    fakes["anthropic"].script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))
    fakes["anthropic"].responder = answer_with_total
    return app, await ask(app, QUESTION)


async def votes(app: RunningApp) -> list[AgentFeedback]:
    async with app.services.database.session() as session:
        return list((await session.execute(select(AgentFeedback).order_by(AgentFeedback.id))).scalars())  # type: ignore[arg-type]


async def click_feedback(app: RunningApp, answer: FakeMessage, value: str, **fields: Any) -> None:
    await app.sender.action(
        action_id="agent_feedback",
        action_type="feedback_buttons",
        block_id="agent_feedback",
        value=value,
        message_ts=answer.ts,
        thread_ts=answer.thread_ts,
        **fields,
    )
    await app.settle()


async def test_every_answer_ends_with_slacks_native_feedback_buttons(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer]
) -> None:
    _app, answer = await answered(agent_app, fakes)

    blocks = answer.blocks or []
    assert blocks[-1] == {
        "type": "context_actions",
        "block_id": "agent_feedback",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": "agent_feedback",
                "positive_button": {
                    "text": {"type": "plain_text", "text": "👍"},
                    "accessibility_label": "This answer was helpful",
                    "value": "good",
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": "👎"},
                    "accessibility_label": "This answer was not helpful",
                    "value": "bad",
                },
            }
        ],
    }
    ids = [e.get("action_id") for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert "agent_feedback_up" not in ids and "agent_feedback_down" not in ids  # the ordinary thumbs are gone


async def test_a_thumbs_up_is_stored_with_the_question_the_tool_calls_and_the_model(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app, answer = await answered(agent_app, fakes)

    await click_feedback(app, answer, "good")

    [vote] = await votes(app)
    assert (vote.channel_id, vote.message_ts, vote.user_id, vote.rating) == (
        DEFAULT_CHANNEL,
        answer.ts,
        DEFAULT_USER,
        1,
    )
    assert vote.question == QUESTION
    assert vote.model == "anthropic:claude-haiku-4-5"
    assert json.loads(vote.tool_calls_json) == [{"name": "ga4_run_report", "arguments": LAST_WEEK, "ok": True}]
    assert vote.comment == ""
    [thanks] = fake_slack.calls_to("chat.postEphemeral")
    assert thanks.get("text") == messages.FEEDBACK_THANKS and thanks.get("user") == DEFAULT_USER
    assert not fake_slack.calls_to("views.open")


async def test_a_thumbs_down_opens_an_optional_form_and_stores_what_was_wrong(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app, answer = await answered(agent_app, fakes)

    await click_feedback(app, answer, "bad")

    [opened] = fake_slack.calls_to("views.open")
    view = opened.get("view")
    assert opened.ok and view["callback_id"] == "agent_feedback_reason"
    assert all(block.get("optional") for block in view["blocks"] if block["type"] == "input")
    [vote] = await votes(app)
    assert vote.rating == -1 and vote.question == QUESTION and vote.comment == ""  # stored before any answer
    assert not fake_slack.calls_to("chat.postEphemeral")  # the form is the acknowledgement

    await app.sender.view_submission(
        callback_id="agent_feedback_reason",
        private_metadata=view["private_metadata"],
        values={
            "reasons": {"reasons": {"type": "checkboxes", "selected_options": [{"value": "dates"}]}},
            "comment": {"comment": {"type": "plain_text_input", "value": "  I meant last calendar week  "}},
        },
    )
    await app.settle()

    [vote] = await votes(app)
    assert vote.comment == "Wrong dates or period · I meant last calendar week"
    assert vote.rating == -1 and vote.question == QUESTION


async def test_changing_ones_mind_replaces_the_vote(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app, answer = await answered(agent_app, fakes)

    await click_feedback(app, answer, "bad")
    await click_feedback(app, answer, "good")
    await click_feedback(app, answer, "good", user_id="U0BOB")

    assert [(v.user_id, v.rating) for v in await votes(app)] == [(DEFAULT_USER, 1), ("U0BOB", 1)]


async def test_the_thumbs_of_answers_posted_before_are_still_acked_and_stored(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app, _answer = await answered(agent_app, fakes)

    reply = await app.sender.action(action_id="agent_feedback_down", message_ts="1700000000.000100", value="gemini:x")
    await app.settle()

    assert reply.status == 200
    [vote] = await votes(app)
    # An old answer has no record: the vote keeps the model its button carried, and no question.
    assert (vote.message_ts, vote.rating, vote.model, vote.question) == ("1700000000.000100", -1, "gemini:x", "")


async def test_feedback_is_in_the_workspace_export(agent_app: AgentApp, fakes: dict[str, LLMFakeServer]) -> None:
    app, answer = await answered(agent_app, fakes)
    await click_feedback(app, answer, "bad")

    workspace_id = (await votes(app))[0].workspace_id
    async with app.services.database.session() as session:
        rows = await workspace_rows(session=session, workspace_id=workspace_id)

    [exported] = rows["agentfeedback"]
    assert exported["question"] == QUESTION and exported["rating"] == -1
    assert exported["tool_calls_json"] == [{"name": "ga4_run_report", "arguments": LAST_WEEK, "ok": True}]
    assert exported["model"] == "anthropic:claude-haiku-4-5"
    [record] = rows["agentanswer"]
    assert record["message_ts"] == answer.ts and record["question"] == QUESTION
