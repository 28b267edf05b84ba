"""A rule asked for in a mention: the model proposes it (checked against the property), the answer shows it with a
"Create rule" button, and only a manager's click creates it — the proposal alone changes nothing."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from bot.fakes.llm_script import LLMFakeServer, Reply, ScriptedToolCall
from bot.text import rules as messages
from storage.repos.rules import list_rules
from storage.tables import SettingsChange
from tests.bot.agent.test_slack_answers import ask
from tests.bot.google.test_slack_flow import _lookout, _workspace_id
from tests.bot.llm.conftest import fakes as fakes
from tests.bot.slack.commands.test_connect_demo import _start
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_USER

MEMBER = "U0BOB"
ORGANIC_DROP = {
    "metric": "sessions",
    "condition": "drops",
    "threshold": 20,
    "percent": True,
    "channel": "<#C0GROWTH|growth>",
    "dimension": "sessionDefaultChannelGroup",
    "value": "Organic Search",
}


async def _rules(app: RunningApp) -> list[Any]:
    async with app.services.database.session() as session:
        return await list_rules(session=session, workspace_id=await _workspace_id(app))


def _proposal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    [block] = [b for b in blocks if b.get("accessory", {}).get("action_id") == messages.ACTION_CREATE_RULE]
    return block


async def _proposed(start_app: StartApp, fakes: dict[str, LLMFakeServer], arguments: dict[str, Any]) -> Any:
    app = await _start(start_app, fakes)
    await _lookout(app, "connect demo")
    claude = fakes["anthropic"]
    claude.script(
        Reply(tool_calls=(ScriptedToolCall("propose_alert_rule", arguments),)),
        Reply(text="Here is the rule; press *Create rule* to set it."),
    )
    reply = await ask(app, "alert #growth when organic sessions drop 20 % week over week")
    return app, reply


async def test_the_proposal_alone_changes_nothing_and_a_managers_click_creates_the_rule(
    start_app: StartApp, fakes: dict[str, LLMFakeServer]
) -> None:
    app, reply = await _proposed(start_app, fakes, ORGANIC_DROP)

    # the answer shows the checked rule with a button, and nothing is stored
    block = _proposal(reply.blocks)
    assert "*Proposed alert rule* for <#C0GROWTH>" in block["text"]["text"]
    assert "`sessions` drops 20 % daily, where `sessionDefaultChannelGroup` = *Organic Search*" in block["text"]["text"]
    result = json.loads(fakes["anthropic"].requests[1].tool_results[0])
    assert result["status"].startswith("Not created")
    assert await _rules(app) == []

    # an ordinary member's click is refused and changes nothing
    value = block["accessory"]["value"]
    await app.sender.action(
        action_id=messages.ACTION_CREATE_RULE, value=value, block_id=block["block_id"], user_id=MEMBER
    )
    await app.settle()
    assert await _rules(app) == []

    # a manager's click creates it, once, and the proposal says who did
    await app.sender.action(
        action_id=messages.ACTION_CREATE_RULE,
        value=value,
        block_id=block["block_id"],
        message_ts=reply.ts,
        message_blocks=reply.blocks,
    )
    (update,) = await app.wait_for_calls("chat.update")
    [stored] = await _rules(app)
    assert (stored.subscription.channel_id, stored.rule.metric, stored.rule.dimension_value) == (
        "C0GROWTH",
        "sessions",
        "Organic Search",
    )
    shown = json.dumps(update.get("blocks"))
    assert f"<@{DEFAULT_USER}> created rule `{stored.id}`" in shown and messages.ACTION_CREATE_RULE not in shown
    async with app.services.database.session() as session:
        actions = [change.action for change in (await session.execute(select(SettingsChange))).scalars()]
    assert messages.ACTION_CREATE_RULE in actions


async def test_a_rule_the_property_cannot_read_is_not_proposed(
    start_app: StartApp, fakes: dict[str, LLMFakeServer]
) -> None:
    app, reply = await _proposed(start_app, fakes, {**ORGANIC_DROP, "metric": "organicSesions"})

    assert not [b for b in reply.blocks if b.get("accessory", {}).get("action_id") == messages.ACTION_CREATE_RULE]
    error = fakes["anthropic"].requests[1].tool_results[0]
    assert "organicSesions" in error
    assert await _rules(app) == []


async def test_a_tampered_button_is_checked_again(start_app: StartApp, fakes: dict[str, LLMFakeServer]) -> None:
    app, reply = await _proposed(start_app, fakes, ORGANIC_DROP)
    value = json.loads(_proposal(reply.blocks)["accessory"]["value"])
    value["metric"] = "notAMetric"

    await app.sender.action(action_id=messages.ACTION_CREATE_RULE, value=json.dumps(value))
    (said,) = await app.wait_for_calls("chat.postEphemeral")

    assert "`notAMetric` isn't a metric" in said.get("text")
    assert await _rules(app) == []
