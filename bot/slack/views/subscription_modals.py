"""The "Add a digest" / "Add alerts" modals, empty or filled in for Edit (submitted to
`bot.slack.views.subscription_submit`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.slack.views.block_kit import Block, plain, section
from bot.slack.views.digest_fields import cadence_inputs, rollup_inputs
from bot.slack.views.timezones import initial_timezone, timezone_option_groups
from bot.subscriptions import manage
from bot.subscriptions.manage import DEFAULT_TIME, DEFAULT_TIMEZONE
from bot.text import subscriptions as messages
from storage.tables.schedule import DigestCadence, Subscription, SubscriptionKind

if TYPE_CHECKING:
    from bot.platform.services import Services


def digest_modal(
    *,
    channel_id: str | None,
    time_of_day: str,
    timezone: str,
    from_property: bool,
    subscription_id: int | None,
    cadence: str = DigestCadence.DAILY.value,
    weekday: int = 0,
    kpis: str = "",
    rollup: bool = False,
    properties: str = "",
) -> Block:
    groups = timezone_option_groups(include=(timezone,))
    timezone_select: Block = {"type": "static_select", "action_id": messages.ELEMENT, "option_groups": groups}
    if (initial := initial_timezone(groups, timezone)) is not None:
        timezone_select["initial_option"] = initial
    timezone_input: Block = {
        "type": "input",
        "block_id": messages.BLOCK_TIMEZONE,
        "label": plain(messages.TIMEZONE_LABEL),
        "element": timezone_select,
    }
    if from_property:
        timezone_input["hint"] = plain(messages.TIMEZONE_HINT_FROM_PROPERTY)
    blocks = [
        section(messages.DIGEST_MODAL_INTRO),
        channel_input(channel_id),
        {
            "type": "input",
            "block_id": messages.BLOCK_TIME,
            "label": plain(messages.TIME_LABEL),
            "element": {"type": "timepicker", "action_id": messages.ELEMENT, "initial_time": time_of_day},
        },
        timezone_input,
        *cadence_inputs(cadence=cadence, weekday=weekday, kpis=kpis),
        *rollup_inputs(rollup=rollup, properties=properties),
    ]
    return _modal(
        callback_id=messages.VIEW_DIGEST,
        title=messages.DIGEST_MODAL_TITLE,
        blocks=blocks,
        subscription_id=subscription_id,
    )


def alerts_modal(*, channel_id: str | None, sensitivity: str, subscription_id: int | None) -> Block:
    options = [
        {"text": plain(label), "value": value, "description": plain(description)}
        for value, label, description in messages.SENSITIVITY_OPTIONS
    ]
    initial = next((option for option in options if option["value"] == sensitivity), options[1])
    blocks = [
        section(messages.ALERTS_MODAL_INTRO),
        channel_input(channel_id),
        {
            "type": "input",
            "block_id": messages.BLOCK_SENSITIVITY,
            "label": plain(messages.SENSITIVITY_LABEL),
            "element": {
                "type": "radio_buttons",
                "action_id": messages.ELEMENT,
                "options": options,
                "initial_option": initial,
            },
        },
    ]
    return _modal(
        callback_id=messages.VIEW_ALERTS,
        title=messages.ALERTS_MODAL_TITLE,
        blocks=blocks,
        subscription_id=subscription_id,
    )


async def new_digest_modal(*, services: Services, workspace_id: int) -> Block:
    """An empty digest modal at the default time, in the property's timezone when there is one."""
    timezone = await manage.property_timezone(services=services, workspace_id=workspace_id, channel_id="")
    return digest_modal(
        channel_id=None,
        time_of_day=DEFAULT_TIME,
        timezone=timezone or DEFAULT_TIMEZONE,
        from_property=timezone is not None,
        subscription_id=None,
    )


def edit_modal(subscription: Subscription) -> Block:
    """The digest or alerts modal showing what `subscription` has saved."""
    if subscription.kind == SubscriptionKind.DIGEST.value:
        return digest_modal(
            channel_id=subscription.channel_id,
            time_of_day=subscription.time_of_day,
            timezone=subscription.timezone,
            from_property=False,
            subscription_id=subscription.id,
            cadence=subscription.cadence,
            weekday=subscription.weekday,
            kpis=subscription.kpis,
            rollup=subscription.rollup,
            properties=subscription.properties,
        )
    return alerts_modal(
        channel_id=subscription.channel_id, sensitivity=subscription.sensitivity, subscription_id=subscription.id
    )


def channel_input(channel_id: str | None) -> Block:
    element: Block = {
        "type": "conversations_select",
        "action_id": messages.ELEMENT,
        "placeholder": plain(messages.CHANNEL_PLACEHOLDER),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if channel_id:
        element["initial_conversation"] = channel_id
    return {
        "type": "input",
        "block_id": messages.BLOCK_CHANNEL,
        "label": plain(messages.CHANNEL_LABEL),
        "hint": plain(messages.CHANNEL_HINT),
        "element": element,
    }


def _modal(*, callback_id: str, title: str, blocks: list[Block], subscription_id: int | None) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title),
        "submit": plain(messages.MODAL_SAVE),
        "close": plain(messages.MODAL_CANCEL),
        # Which subscription an Edit changes; the submission checks it still belongs to the workspace.
        "private_metadata": json.dumps({"subscription_id": subscription_id}),
        "blocks": blocks,
    }
