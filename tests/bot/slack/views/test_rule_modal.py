"""App Home's alert rules, driven as a manager would: "Add a rule" opens the modal, Save stores the rule (checked
against the property like `/lookout rule`), Home lists it with Edit and Remove; errors show under their field."""

from __future__ import annotations

from typing import Any

from bot.text import rules as messages
from bot.text import subscriptions as subscription_messages
from storage.repos.rules import list_rules
from tests.helpers.app_harness import RunningApp
from tests.helpers.app_home import (
    MEMBER,
    click,
    home_buttons,
    home_text,
    lookout,
    modal_element,
    open_modal,
    published_after,
    submit_modal,
)
from tests.helpers.slack_requests import DEFAULT_CHANNEL, app_home_opened


def _typed(value: str) -> dict[str, Any]:
    return {"pick": {"type": "plain_text_input", "value": value or None}}


def _chosen(value: str, kind: str) -> dict[str, Any]:
    return {"pick": {"type": kind, "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value}}}


def rule_values(
    *, metric: str, condition: str, threshold: str, window: str = "daily", dimension: str = "", value: str = ""
) -> dict[str, Any]:
    """`view.state.values` as Slack sends them for the rule modal."""
    return {
        subscription_messages.BLOCK_CHANNEL: {
            "pick": {"type": "conversations_select", "selected_conversation": DEFAULT_CHANNEL}
        },
        messages.BLOCK_METRIC: _typed(metric),
        messages.BLOCK_CONDITION: _chosen(condition, "static_select"),
        messages.BLOCK_THRESHOLD: _typed(threshold),
        messages.BLOCK_WINDOW: _chosen(window, "radio_buttons"),
        messages.BLOCK_DIMENSION: _typed(dimension),
        messages.BLOCK_VALUE: _typed(value),
    }


async def _rules(app: RunningApp) -> list[tuple[int, str, str, float, bool, str, str]]:
    async with app.services.database.session() as session:
        stored = await list_rules(session=session, workspace_id=1)
    return [
        (s.id, s.rule.metric, s.rule.condition, s.rule.threshold, s.rule.percent, s.rule.window, s.rule.dimension_value)
        for s in stored
    ]


async def _on_sample_data(app: RunningApp) -> None:
    assert "sample" in await lookout(app, "connect demo")


async def test_add_a_rule_then_edit_and_remove_it_from_app_home(home_app: RunningApp) -> None:
    await _on_sample_data(home_app)

    # when a manager clicks "Add a rule"
    view = await open_modal(home_app, messages.ACTION_ADD_RULE)

    # then the rule modal opens with a suggestion to start from
    assert view["callback_id"] == messages.VIEW_RULE
    assert modal_element(view, messages.BLOCK_METRIC)["initial_value"] == "sessions"
    assert modal_element(view, messages.BLOCK_THRESHOLD)["initial_value"] == "30%"

    # when she asks for Organic Search sessions dropping 20 % and saves
    before = len(home_app.slack.calls_to("views.publish"))
    response = await submit_modal(
        home_app,
        view,
        rule_values(
            metric="sessions",
            condition="drops",
            threshold="20 %",
            dimension="sessionDefaultChannelGroup",
            value="Organic Search",
        ),
    )

    # then the rule is stored and Home lists it with Edit and Remove
    assert response.text == ""
    [(rule_id, *rule)] = await _rules(home_app)
    assert rule == ["sessions", "drops", 20.0, True, "daily", "Organic Search"]
    await published_after(home_app, before)
    home = home_text(home_app.slack)
    assert "rule `sessions` drops 20 % daily, where `sessionDefaultChannelGroup` = *Organic Search*" in home
    ids = [(button["action_id"], button.get("value")) for button in home_buttons(home_app.slack)]
    assert (subscription_messages.ACTION_EDIT_SUBSCRIPTION, str(rule_id)) in ids
    assert (messages.ACTION_ADD_RULE, None) in ids

    # Edit opens the same modal filled in; saving changes the same rule
    edit = await open_modal(home_app, subscription_messages.ACTION_EDIT_SUBSCRIPTION, value=str(rule_id))
    assert edit["callback_id"] == messages.VIEW_RULE
    assert modal_element(edit, messages.BLOCK_THRESHOLD)["initial_value"] == "20%"
    assert modal_element(edit, messages.BLOCK_VALUE)["initial_value"] == "Organic Search"
    await submit_modal(
        home_app, edit, rule_values(metric="keyEvents", condition="below", threshold="5", window="hourly")
    )
    assert await _rules(home_app) == [(rule_id, "keyEvents", "below", 5.0, False, "hourly", "")]

    # Remove takes it away
    await click(home_app, subscription_messages.ACTION_REMOVE_SUBSCRIPTION, value=str(rule_id))
    assert await _rules(home_app) == []


async def test_a_rule_that_cannot_be_read_shows_the_error_under_its_field(home_app: RunningApp) -> None:
    await _on_sample_data(home_app)
    view = await open_modal(home_app, messages.ACTION_ADD_RULE)

    typo = await submit_modal(home_app, view, rule_values(metric="sesions", condition="drops", threshold="30%"))
    half = await submit_modal(
        home_app, view, rule_values(metric="sessions", condition="drops", threshold="30%", dimension="country")
    )
    too_much = await submit_modal(home_app, view, rule_values(metric="sessions", condition="drops", threshold="130%"))

    assert typo.json()["errors"][messages.BLOCK_METRIC].endswith(
        "Did you mean sessions, sessionsPerUser, engagedSessions?"
    )
    assert half.json()["errors"] == {messages.BLOCK_DIMENSION: messages.MODAL_NEED_BOTH}
    assert "more than 100 %" in too_much.json()["errors"][messages.BLOCK_THRESHOLD]
    assert await _rules(home_app) == []


async def test_a_member_sees_rules_but_no_add_button(home_app: RunningApp) -> None:
    await _on_sample_data(home_app)
    await lookout(home_app, f"rule <#{DEFAULT_CHANNEL}|general> sessions drops 30%")

    await home_app.send_event(app_home_opened(user=MEMBER))
    await home_app.wait_for_calls("views.publish")

    assert "rule `sessions` drops 30 % daily" in home_text(home_app.slack, MEMBER)
    assert messages.ACTION_ADD_RULE not in [b["action_id"] for b in home_buttons(home_app.slack, MEMBER)]
