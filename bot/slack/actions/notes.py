"""The message shortcut "Add as note": a modal with the message's day (in the property's time zone) and its words,
saved as a Lookout note on submission.

The shortcut checks that the person may ask Lookout (the access middleware sees only buttons and modals); the
modal's submission is checked by the middleware; both are in `bot.access.policy`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import gate
from bot.access.policy import SHORTCUT_NEEDS
from bot.google.connection import google_connections
from bot.google.problems import GoogleProblem
from bot.notes import manage
from bot.notes.manage import NoteProblem
from bot.platform.services import Services
from bot.platform.slack.workspaces import resolve_owner
from bot.text import notes as messages

log = logging.getLogger(__name__)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def note_form(*, day: date, text: str, channel_id: str, message_ts: str) -> dict[str, Any]:
    """The modal: the day (prefilled with the message's), the words (the message's), and "expected"."""
    words = " ".join(text.split())[: manage.MAX_TEXT]
    text_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": messages.ACTION_TEXT,
        "multiline": True,
        "max_length": manage.MAX_TEXT,
    }
    if words:
        text_element["initial_value"] = words
    expected_option = {
        "text": _plain(messages.FORM_EXPECTED),
        "description": _plain(messages.FORM_EXPECTED_HINT),
        "value": messages.EXPECTED_WORD,
    }
    return {
        "type": "modal",
        "callback_id": messages.VIEW_ADD_NOTE,
        "title": _plain(messages.FORM_TITLE),
        "submit": _plain(messages.FORM_SUBMIT),
        "close": _plain(messages.FORM_CLOSE),
        "private_metadata": json.dumps({"channel": channel_id, "ts": message_ts}),
        "blocks": [
            {
                "type": "input",
                "block_id": messages.BLOCK_DAY,
                "label": _plain(messages.FORM_DAY),
                "element": {"type": "datepicker", "action_id": messages.ACTION_DAY, "initial_date": day.isoformat()},
            },
            {
                "type": "input",
                "block_id": messages.BLOCK_TEXT,
                "label": _plain(messages.FORM_TEXT),
                "hint": _plain(messages.FORM_TEXT_HINT),
                "element": text_element,
            },
            {
                "type": "input",
                "block_id": messages.BLOCK_EXPECTED,
                "optional": True,
                "label": _plain(messages.FORM_EXPECTED_LABEL),
                "element": {"type": "checkboxes", "action_id": messages.ACTION_EXPECTED, "options": [expected_option]},
            },
        ],
    }


def message_day(ts: str, *, timezone: str | None) -> date:
    """The day a message was posted, in `timezone` (UTC when unknown or unreadable)."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    try:
        moment = datetime.fromtimestamp(float(ts), tz=UTC)
    except (ValueError, OverflowError, OSError):
        moment = datetime.now(UTC)
    return moment.astimezone(zone).date()


async def _timezone(services: Services, *, workspace_id: int, channel_id: str) -> str | None:
    """The timezone of the property this channel reads: a note's day is a day of that property's reports."""
    try:
        target = await google_connections(services).resolve_target(workspace_id=workspace_id, channel_id=channel_id)
    except GoogleProblem:
        return None
    return target.timezone


def read_form(values: dict[str, Any], *, today: date) -> manage.NoteDraft:
    """The submitted form as a note; `NoteProblem` (with the block it concerns in `args[1]`) when it cannot be one."""
    day_value = str((values.get(messages.BLOCK_DAY) or {}).get(messages.ACTION_DAY, {}).get("selected_date") or "")
    text = str((values.get(messages.BLOCK_TEXT) or {}).get(messages.ACTION_TEXT, {}).get("value") or "")
    chosen = (values.get(messages.BLOCK_EXPECTED) or {}).get(messages.ACTION_EXPECTED, {}).get("selected_options")
    expected = any(option.get("value") == messages.EXPECTED_WORD for option in chosen or [])
    try:
        day = manage.parse_day(day_value, today=today)
    except NoteProblem as problem:
        raise NoteProblem(str(problem), messages.BLOCK_DAY) from None
    try:
        return manage.draft(day=day, text=text, expected=expected)
    except NoteProblem as problem:
        raise NoteProblem(str(problem), messages.BLOCK_TEXT) from None


async def open_form(
    services: Services,
    *,
    body: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    respond: AsyncRespond,
) -> None:
    """The shortcut: check who asks, then open the form prefilled from the message (within the trigger's 3 s)."""
    workspace = await resolve_owner(services=services, context=context)
    user_id = str((body.get("user") or {}).get("id") or "")
    if workspace is None or workspace.id is None or not user_id:
        return
    needs = SHORTCUT_NEEDS[messages.SHORTCUT_ADD_NOTE]
    refusal = await gate.check(services=services, workspace=workspace, user_id=user_id, capability=needs, client=client)
    if refusal is not None:
        await respond(text=refusal.text, response_type="ephemeral", replace_original=False)
        return
    message = body.get("message") or {}
    channel_id = str((body.get("channel") or {}).get("id") or "")
    ts = str(message.get("ts") or "")
    timezone = await _timezone(services, workspace_id=workspace.id, channel_id=channel_id)
    form = note_form(
        day=message_day(ts, timezone=timezone),
        text=str(message.get("text") or ""),
        channel_id=channel_id,
        message_ts=ts,
    )
    try:
        await client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=form)
    except SlackApiError as error:
        log.info("could not open the note form: %s", error.response.get("error"))


async def save_form(services: Services, *, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The form's submission: errors shown beside the field to fix, else the note stored and the modal says so."""
    view = body.get("view") or {}
    user_id = str((body.get("user") or {}).get("id") or "")
    workspace = await resolve_owner(services=services, context=context)
    if workspace is None or workspace.id is None or not user_id:
        await ack()
        return
    try:
        note = read_form((view.get("state") or {}).get("values") or {}, today=services.clock().date())
    except NoteProblem as problem:
        message, block = problem.args
        await ack(response_action="errors", errors={block: message})
        return
    try:
        where = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        where = {}
    where = where if isinstance(where, dict) else {}
    stored = await manage.add(
        database=services.database,
        workspace_id=workspace.id,
        note=note,
        user_id=user_id,
        now=services.clock(),
        source_channel_id=str(where.get("channel") or "")[:32],
        source_ts=str(where.get("ts") or "")[:32],
    )
    assert stored.id is not None
    saved = messages.saved_view(day=note.day, text=note.text, expected=note.expected, note_id=stored.id)
    await ack(response_action="update", view=saved)


def register(app: AsyncApp, *, services: Services) -> None:
    @app.shortcut(messages.SHORTCUT_ADD_NOTE)
    async def add_as_note(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        await ack()
        async with services.background.track():  # so waiting for idle also waits for the form to open
            await open_form(services, body=body, client=client, context=context, respond=respond)

    @app.view(messages.VIEW_ADD_NOTE)
    async def save_note(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await save_form(services, ack=ack, body=body, context=context)
