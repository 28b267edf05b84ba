"""App Home's alert rules: "Add a rule" opens the rule modal, Edit on a rule opens it filled in, and its submission
is checked and saved through `bot.subscriptions.rules` — the path `/lookout rule` uses — then Home is published
again. Errors show under the field they concern."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.views.block_kit import Block, option, plain, section
from bot.slack.views.subscription_form import posting_error
from bot.slack.views.subscription_modals import channel_input
from bot.subscriptions import manage, rules
from bot.text import google as google_messages
from bot.text import rules as messages
from bot.text import subscriptions as subscription_messages
from storage.repos.rules import StoredRule
from tools.base import ToolUserError
from tools.google.errors import GoogleApiError
from tools.rules.spec import Problem, RuleProblem, RuleSpec, parse_rule, spec_of

if TYPE_CHECKING:
    from bot.slack.views.click_context import ClickContext
    from storage.tables.core import Workspace

ELEMENT = subscription_messages.ELEMENT
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
# Which field shows which problem.
_FIELD: dict[Problem, str] = {
    Problem.NEED_METRIC: messages.BLOCK_METRIC,
    Problem.UNKNOWN_METRIC: messages.BLOCK_METRIC,
    Problem.HOURLY_SEARCH_CONSOLE: messages.BLOCK_WINDOW,
    Problem.NO_SITE: messages.BLOCK_METRIC,
    Problem.BAD_CONDITION: messages.BLOCK_CONDITION,
    Problem.BAD_THRESHOLD: messages.BLOCK_THRESHOLD,
    Problem.DROP_OVER_100: messages.BLOCK_THRESHOLD,
    Problem.BAD_WINDOW: messages.BLOCK_WINDOW,
    Problem.BAD_WHERE: messages.BLOCK_DIMENSION,
    Problem.UNKNOWN_DIMENSION: messages.BLOCK_DIMENSION,
    Problem.SEARCH_CONSOLE_DIMENSION: messages.BLOCK_DIMENSION,
}


def rule_modal(*, channel_id: str | None, spec: RuleSpec | None, rule_id: int | None) -> Block:
    """The rule modal, empty ("sessions drops 30 % daily" suggested) or showing a saved rule for Edit."""
    threshold = "30%" if spec is None else f"{spec.threshold:g}{'%' if spec.percent else ''}"
    blocks = [
        section(messages.RULE_MODAL_INTRO),
        channel_input(channel_id),
        _text_input(messages.BLOCK_METRIC, messages.METRIC_LABEL, "sessions" if spec is None else spec.metric,
                    hint=messages.METRIC_HINT),
        _choice(messages.BLOCK_CONDITION, messages.CONDITION_LABEL, messages.CONDITION_OPTIONS,
                "drops" if spec is None else spec.condition.value, kind="static_select"),
        _text_input(messages.BLOCK_THRESHOLD, messages.THRESHOLD_LABEL, threshold, hint=messages.THRESHOLD_HINT),
        _choice(messages.BLOCK_WINDOW, messages.WINDOW_LABEL, messages.WINDOW_OPTIONS,
                "daily" if spec is None else spec.window.value, kind="radio_buttons"),
        _text_input(messages.BLOCK_DIMENSION, messages.DIMENSION_LABEL, "" if spec is None else spec.dimension,
                    hint=messages.DIMENSION_HINT, optional=True),
        _text_input(messages.BLOCK_VALUE, messages.VALUE_LABEL, "" if spec is None else spec.dimension_value,
                    hint=messages.VALUE_HINT, optional=True),
    ]  # fmt: skip
    return {
        "type": "modal",
        "callback_id": messages.VIEW_RULE,
        "title": plain(messages.RULE_MODAL_TITLE),
        "submit": plain(subscription_messages.MODAL_SAVE),
        "close": plain(subscription_messages.MODAL_CANCEL),
        "private_metadata": json.dumps({"subscription_id": rule_id}),
        "blocks": blocks,
    }


def edit_rule_modal(stored: StoredRule) -> Block:
    return rule_modal(channel_id=stored.subscription.channel_id, spec=spec_of(stored.fields()), rule_id=stored.id)


def _text_input(block_id: str, label: str, initial: str, *, hint: str, optional: bool = False) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": ELEMENT, "max_length": 200}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": block_id, "label": plain(label), "hint": plain(hint[:150]),
            "optional": optional, "element": element}  # fmt: skip


def _choice(block_id: str, label: str, choices: tuple[tuple[str, str], ...], initial: str, *, kind: str) -> Block:
    options = [option(text, value) for value, text in choices]
    chosen = next((item for item in options if item["value"] == initial), options[0])
    element: Block = {"type": kind, "action_id": ELEMENT, "options": options, "initial_option": chosen}
    return {"type": "input", "block_id": block_id, "label": plain(label), "element": element}


def register(app: AsyncApp, *, clicks: ClickContext) -> None:
    services = clicks.services

    @app.action(messages.ACTION_ADD_RULE)
    async def add_rule(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            if await clicks.workspace_and_user(body=body, context=context) is None:
                return
            view = rule_modal(channel_id=None, spec=None, rule_id=None)
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(messages.VIEW_RULE)
    async def save_rule(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        async with services.background.track():
            found = await clicks.workspace_and_user(body=body, context=context)
            if found is None:
                await ack()
                return
            workspace, user_id = found
            errors = await _submit(clicks, body=body, client=client, workspace=workspace, user_id=user_id)
            if errors:
                await ack(response_action="errors", errors=errors)
                return
            await ack()
            await clicks.republish(client=client, workspace=workspace, user_id=user_id)


async def _submit(
    clicks: ClickContext, *, body: dict[str, Any], client: AsyncWebClient, workspace: Workspace, user_id: str
) -> dict[str, str]:
    """Check and save the submitted rule; the errors to show under its fields (none when it was saved)."""
    view = body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    channel_id = _picked_channel(values)
    if channel_id is None:
        errors[subscription_messages.BLOCK_CHANNEL] = subscription_messages.MODAL_NEED_CHANNEL
    dimension, value = _typed(values, messages.BLOCK_DIMENSION), _typed(values, messages.BLOCK_VALUE)
    words = [_typed(values, messages.BLOCK_METRIC), _picked(values, messages.BLOCK_CONDITION),
             _typed(values, messages.BLOCK_THRESHOLD).replace(" ", ""), _picked(values, messages.BLOCK_WINDOW)]  # fmt: skip
    if bool(dimension) != bool(value):
        errors[messages.BLOCK_DIMENSION] = messages.MODAL_NEED_BOTH
    if channel_id is None or errors:
        return errors
    assert workspace.id is not None
    if (posting := await manage.posting_problem(client, channel_id)) is not None:
        return {subscription_messages.BLOCK_CHANNEL: posting_error(posting)}
    try:
        spec = parse_rule([*words, *(["where", f"{dimension} = {value}"] if dimension else [])])
        checked = await rules.check_rule(
            services=clicks.services, workspace_id=workspace.id, channel_id=channel_id, spec=spec
        )
    except RuleProblem as problem:
        text = messages.modal_problem(problem.problem.value, value=problem.value, close=problem.close)
        return {_FIELD.get(problem.problem, messages.BLOCK_METRIC): text}
    except ToolUserError as problem:
        text = google_messages.problem_text(problem.message_key, workspace_name=workspace.name)
        return {messages.BLOCK_METRIC: text.replace("`", "").replace("*", "")}
    except GoogleApiError:
        return {messages.BLOCK_METRIC: messages.GOOGLE_UNAVAILABLE}
    stored = await rules.save_rule(
        services=clicks.services,
        workspace_id=workspace.id,
        channel_id=channel_id,
        checked=checked,
        user_id=user_id,
        replaces=_edited_id(view),
    )
    if stored is None:  # removed meanwhile (another manager, a slash command)
        return {messages.BLOCK_METRIC: messages.RULE_GONE}
    return {}


def _picked_channel(values: dict[str, Any]) -> str | None:
    element = (values.get(subscription_messages.BLOCK_CHANNEL) or {}).get(ELEMENT) or {}
    channel_id = str(element.get("selected_conversation") or element.get("selected_channel") or "")
    return channel_id if _CHANNEL_ID.match(channel_id) else None


def _edited_id(view: dict[str, Any]) -> int | None:
    try:
        value = json.loads(str(view.get("private_metadata") or "{}")).get("subscription_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def _typed(values: dict[str, Any], block_id: str) -> str:
    element = (values.get(block_id) or {}).get(ELEMENT) or {}
    return str(element.get("value") or "").strip()


def _picked(values: dict[str, Any], block_id: str) -> str:
    element = (values.get(block_id) or {}).get(ELEMENT) or {}
    return str((element.get("selected_option") or {}).get("value", ""))
