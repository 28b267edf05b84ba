"""Reading a submitted digest or alerts modal: the channel, time, timezone or sensitivity picked, or the error to
show under each field that is wrong."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.slack.views.digest_fields import CadenceChoice, read_cadence
from bot.subscriptions import manage
from bot.subscriptions.manage import DEFAULT_TIME, DEFAULT_TIMEZONE, PostingProblem
from bot.text import subscriptions as messages
from storage.tables.schedule import Sensitivity, SubscriptionKind

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


@dataclass(frozen=True, kw_only=True)
class SubscriptionForm:
    """What a valid submission asks for; `replaces` is the subscription an Edit changes."""

    channel_id: str
    time_of_day: str
    timezone: str
    sensitivity: str
    replaces: int | None
    cadence: CadenceChoice | None = None  # digests only: how often, the weekday, the KPIs


def read_form(*, kind: SubscriptionKind, view: dict[str, Any]) -> tuple[SubscriptionForm | None, dict[str, str]]:
    """The form `view` holds, or None with the error under each field that is missing or wrong (block id -> text)."""
    values = (view.get("state") or {}).get("values") or {}
    errors: dict[str, str] = {}
    channel_id = _picked_channel(values)
    if channel_id is None:
        errors[messages.BLOCK_CHANNEL] = messages.MODAL_NEED_CHANNEL
    time_of_day, timezone, sensitivity = DEFAULT_TIME, DEFAULT_TIMEZONE, Sensitivity.MEDIUM.value
    cadence: CadenceChoice | None = None
    if kind is SubscriptionKind.DIGEST:
        cadence, cadence_errors = read_cadence(values)
        errors.update(cadence_errors)
        time_of_day = manage.valid_time(str(_value(values, messages.BLOCK_TIME).get("selected_time") or "")) or ""
        timezone = manage.valid_timezone(_picked_option(values, messages.BLOCK_TIMEZONE)) or ""
        if not time_of_day:
            errors[messages.BLOCK_TIME] = messages.MODAL_BAD_TIME
        if not timezone:
            errors[messages.BLOCK_TIMEZONE] = messages.MODAL_BAD_TIMEZONE
    else:
        sensitivity = _picked_option(values, messages.BLOCK_SENSITIVITY)
        if sensitivity not in {level.value for level in Sensitivity}:
            errors[messages.BLOCK_SENSITIVITY] = messages.MODAL_BAD_SENSITIVITY
    if errors or channel_id is None:
        return None, errors
    form = SubscriptionForm(
        cadence=cadence,
        channel_id=channel_id,
        time_of_day=time_of_day,
        timezone=timezone,
        sensitivity=sensitivity,
        replaces=_edited_id(view),
    )
    return form, errors


def posting_error(problem: PostingProblem) -> str:
    """The error shown under the channel field when Lookout could not post there."""
    return {
        PostingProblem.NOT_A_MEMBER: messages.MODAL_NOT_A_MEMBER,
        PostingProblem.CANNOT_SEE: messages.MODAL_CANNOT_SEE,
        PostingProblem.ARCHIVED: messages.MODAL_ARCHIVED,
    }[problem]


def _value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    element = (values.get(block_id) or {}).get(messages.ELEMENT)
    return element if isinstance(element, dict) else {}


def _picked_channel(values: dict[str, Any]) -> str | None:
    element = _value(values, messages.BLOCK_CHANNEL)
    channel_id = str(element.get("selected_conversation") or element.get("selected_channel") or "")
    return channel_id if _CHANNEL_ID.match(channel_id) else None


def _picked_option(values: dict[str, Any], block_id: str) -> str:
    return str((_value(values, block_id).get("selected_option") or {}).get("value", ""))


def _edited_id(view: dict[str, Any]) -> int | None:
    try:
        value = json.loads(str(view.get("private_metadata") or "{}")).get("subscription_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None
