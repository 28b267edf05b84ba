"""Next questions in one click: follow-up buttons drawn from the answer's tool calls, each asking its question in
the thread through the normal agent path (the model gets the thread's history), once per button."""

from __future__ import annotations

from bot.fakes.llm_script import LLMFakeServer, Reply, ScriptedToolCall
from bot.fakes.slack_api import FakeMessage, FakeSlack
from tests.bot.agent.test_slack_answers import LAST_WEEK, AgentApp, answer_with_total, ask
from tests.helpers.app_harness import RunningApp
from tests.helpers.slack_requests import DEFAULT_CHANNEL

BY_CHANNEL = "Break down sessions for Nov 13–19, 2026 by channel."
LAST_YEAR = "Compare sessions for Nov 13–19, 2026 with the same dates last year (Nov 13–19, 2025)."
CHART = "Chart daily sessions for Nov 13–19, 2026."


def buttons(message: FakeMessage) -> list[tuple[str, str, str]]:
    return [
        (element["action_id"], element["text"]["text"], element["value"])
        for block in message.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def answered(agent_app: AgentApp, fakes: dict[str, LLMFakeServer]) -> tuple[RunningApp, FakeMessage]:
    app = await agent_app(order=("anthropic",))
    fakes["anthropic"].script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))
    fakes["anthropic"].responder = answer_with_total
    return app, await ask(app, "how many sessions did we have last week?")


async def test_an_answer_offers_follow_ups_drawn_from_its_tool_calls(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer]
) -> None:
    _app, answer = await answered(agent_app, fakes)

    assert buttons(answer) == [
        ("agent_follow_up_0", "By channel", BY_CHANNEL),
        ("agent_follow_up_1", "Same period last year", LAST_YEAR),
        ("agent_follow_up_2", "Chart it", CHART),
    ]


async def test_an_answer_without_data_offers_no_follow_ups(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer]
) -> None:
    app = await agent_app(order=("anthropic",))
    fakes["anthropic"].script(Reply(text="Hello! Ask me about your traffic."))

    answer = await ask(app, "hi")

    assert buttons(answer) == []


async def test_a_follow_up_click_asks_the_question_in_the_thread_and_answers_it_there(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app, answer = await answered(agent_app, fakes)
    fake = fakes["anthropic"]
    fake.responder = None
    by_channel = {**LAST_WEEK, "dimensions": ["sessionDefaultChannelGroup"]}
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", by_channel),)),
        Reply(text="Organic Search brought the most sessions."),
    )

    await app.sender.action(
        action_id="agent_follow_up_0", value=BY_CHANNEL, message_ts=answer.ts, thread_ts=answer.thread_ts
    )
    await app.settle(timeout=15)

    thread = sorted(fake_slack.thread_replies(DEFAULT_CHANNEL, str(answer.thread_ts)), key=lambda m: float(m.ts))
    asked, followed = thread[-2], thread[-1]
    assert asked.text == f"↪️ *{BY_CHANNEL}*"
    assert followed.text == "Organic Search brought the most sessions."
    assert followed.tasks["task-1"]["title"] == "GA4: sessions by channel, Nov 13–19"
    # the normal agent path: the follow-up is the thread's next turn, with the first one as history
    sent = fake.requests[-2].body["messages"]
    assert sent[0]["content"][0]["text"] == "how many sessions did we have last week?"
    assert sent[-1]["content"][0]["text"] == BY_CHANNEL


async def test_a_follow_up_is_answered_once_however_often_it_is_clicked(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app, answer = await answered(agent_app, fakes)
    fake = fakes["anthropic"]
    fake.responder = None
    fake.script(Reply(text="Last year was quieter."))
    requests_before = len(fake.requests)

    for user in ("U0ALICE", "U0BOB"):
        await app.sender.action(
            action_id="agent_follow_up_1",
            value=LAST_YEAR,
            message_ts=answer.ts,
            thread_ts=answer.thread_ts,
            user_id=user,
        )
    await app.settle(timeout=15)

    asked = [m for m in fake_slack.thread_replies(DEFAULT_CHANNEL, str(answer.thread_ts)) if m.text.startswith("↪️")]
    assert len(asked) == 1
    assert len(fake.requests) == requests_before + 1


async def test_a_hostile_follow_up_value_is_shown_inert(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app, answer = await answered(agent_app, fakes)
    fake = fakes["anthropic"]
    fake.responder = None
    fake.script(Reply(text="I can't post links."))

    await app.sender.action(
        action_id="agent_follow_up_2",
        value="<!channel> see https://evil.example/x",
        message_ts=answer.ts,
        thread_ts=answer.thread_ts,
    )
    await app.settle(timeout=15)

    asked = next(m for m in fake_slack.thread_replies(DEFAULT_CHANNEL, str(answer.thread_ts)) if m.text.startswith("↪️"))
    assert asked.text == "↪️ *&lt;!channel&gt; see https[:]//evil[.]example/x*"
