"""Feedback on answers: Slack's native 👍/👎 (`feedback_buttons` in a `context_actions` block) under every answer,
an optional "what was wrong?" modal after a 👎, and each vote stored per person and answer with what the answer was
made of (question, tool calls, model: `storage.repos.agent.record_feedback`), for `lookout export`.

Answers posted before the native buttons carry ordinary buttons (`agent_feedback_up` / `_down`, the model in their
value); their clicks are still acked and stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.slack.workspaces import resolve_owner
from bot.text import agent as messages
from storage.repos import agent as repo

if TYPE_CHECKING:
    from bot.platform.services import Services

log = logging.getLogger(__name__)

ACTION_FEEDBACK = messages.ACTION_FEEDBACK
ACTION_FEEDBACK_UP = messages.ACTION_FEEDBACK_UP
ACTION_FEEDBACK_DOWN = messages.ACTION_FEEDBACK_DOWN
FEEDBACK_BLOCK = "agent_feedback"


def feedback_block() -> dict[str, Any]:
    """The native feedback buttons, as Slack's reference shows them (a `context_actions` block)."""
    return {
        "type": "context_actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": ACTION_FEEDBACK,
                "positive_button": {
                    "text": {"type": "plain_text", "text": messages.FEEDBACK_UP},
                    "accessibility_label": messages.FEEDBACK_UP_LABEL,
                    "value": messages.FEEDBACK_GOOD,
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": messages.FEEDBACK_DOWN},
                    "accessibility_label": messages.FEEDBACK_DOWN_LABEL,
                    "value": messages.FEEDBACK_BAD,
                },
            }
        ],
    }


def _where(body: dict[str, Any]) -> tuple[str, str, str]:
    """(channel, message ts, user) of a click on a message."""
    container = body.get("container") or {}
    channel = body.get("channel") or container
    message = body.get("message") or {}
    channel_id = str(channel.get("id") or channel.get("channel_id") or "")
    message_ts = str(message.get("ts") or container.get("message_ts") or "")
    return channel_id, message_ts, str((body.get("user") or {}).get("id") or "")


async def store_vote(
    *, services: Services, body: dict[str, Any], context: AsyncBoltContext, rating: int, model: str = ""
) -> bool:
    """Record the vote in `body` (a block_actions payload); False when it cannot be attributed."""
    channel_id, message_ts, user_id = _where(body)
    if not (channel_id and message_ts and user_id):
        return False
    workspace = await resolve_owner(services=services, context=context)
    if workspace is None or workspace.id is None:
        return False
    async with services.database.session() as session:
        await repo.record_feedback(
            session=session,
            workspace_id=workspace.id,
            channel_id=channel_id,
            message_ts=message_ts,
            user_id=user_id,
            rating=rating,
            model=model[:128],
        )
    return True


def reason_modal(*, channel_id: str, message_ts: str) -> dict[str, Any]:
    """The short, optional "what was wrong?" form (both inputs optional; Skip closes it)."""
    return {
        "type": "modal",
        "callback_id": messages.VIEW_FEEDBACK_REASON,
        "private_metadata": json.dumps({"channel": channel_id, "ts": message_ts}),
        "title": {"type": "plain_text", "text": messages.REASON_TITLE},
        "submit": {"type": "plain_text", "text": messages.REASON_SUBMIT},
        "close": {"type": "plain_text", "text": messages.REASON_CLOSE},
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": messages.REASON_INTRO}},
            {
                "type": "input",
                "block_id": messages.BLOCK_REASONS,
                "optional": True,
                "label": {"type": "plain_text", "text": messages.REASON_CHOICES_LABEL},
                "element": {
                    "type": "checkboxes",
                    "action_id": messages.ELEMENT_REASONS,
                    "options": [
                        {"text": {"type": "plain_text", "text": label}, "value": value}
                        for value, label in messages.REASON_CHOICES
                    ],
                },
            },
            {
                "type": "input",
                "block_id": messages.BLOCK_COMMENT,
                "optional": True,
                "label": {"type": "plain_text", "text": messages.REASON_COMMENT_LABEL},
                "element": {
                    "type": "plain_text_input",
                    "action_id": messages.ELEMENT_COMMENT,
                    "multiline": True,
                    "max_length": messages.REASON_COMMENT_MAX,
                    "placeholder": {"type": "plain_text", "text": messages.REASON_COMMENT_HINT},
                },
            },
        ],
    }


def reason_from(values: dict[str, Any]) -> str:
    """What the modal says was wrong, as one line: the ticked reasons' labels, then the person's words."""
    labels = dict(messages.REASON_CHOICES)
    ticked = (values.get(messages.BLOCK_REASONS) or {}).get(messages.ELEMENT_REASONS) or {}
    chosen = [labels[str(o.get("value"))] for o in ticked.get("selected_options") or [] if o.get("value") in labels]
    typed = ((values.get(messages.BLOCK_COMMENT) or {}).get(messages.ELEMENT_COMMENT) or {}).get("value") or ""
    words = str(typed).strip()[: messages.REASON_COMMENT_MAX]
    return " · ".join([*chosen, *([words] if words else [])])


async def _thank(client: AsyncWebClient, body: dict[str, Any]) -> None:
    channel_id, _, user_id = _where(body)
    try:
        await client.chat_postEphemeral(
            channel=channel_id,
            user=user_id,
            thread_ts=(body.get("message") or {}).get("thread_ts"),
            text=messages.FEEDBACK_THANKS,
        )
    except SlackApiError:
        log.info("could not thank for the feedback")


def register(app: AsyncApp, *, services: Services) -> None:
    """Slack's native thumbs under an answer (a thumbs-down opens the optional reason form), the older 👍/👎
    buttons still on earlier answers, and the reason form."""

    # Votes are stored in the order the clicks arrived: a quick 👍 then 👎 ends as 👎. Each handler takes the lock
    # right after its ack, before its first real await, and is tracked as in-flight work while it waits for it.
    in_click_order = asyncio.Lock()

    @app.action(ACTION_FEEDBACK)
    async def native_feedback(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track(), in_click_order:
            await _native_vote(services, body=body, client=client, context=context)

    @app.action(ACTION_FEEDBACK_UP)
    async def feedback_up(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track(), in_click_order:
            await _legacy_vote(services, body=body, client=client, context=context, rating=1)

    @app.action(ACTION_FEEDBACK_DOWN)
    async def feedback_down(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track(), in_click_order:
            await _legacy_vote(services, body=body, client=client, context=context, rating=-1)

    @app.view(messages.VIEW_FEEDBACK_REASON)
    async def feedback_reason(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await _save_reason(services, body=body, context=context)


async def _native_vote(
    services: Services, *, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    value = str(((body.get("actions") or [{}])[0]).get("value") or "")
    if value not in (messages.FEEDBACK_GOOD, messages.FEEDBACK_BAD):
        return
    bad = value == messages.FEEDBACK_BAD
    opened = False
    if bad and body.get("trigger_id"):
        # First, while the trigger is fresh (3 seconds): the form is optional, the vote is stored either way.
        channel_id, message_ts, _ = _where(body)
        try:
            await client.views_open(
                trigger_id=str(body["trigger_id"]),
                view=reason_modal(channel_id=channel_id, message_ts=message_ts),
            )
            opened = True
        except SlackApiError as error:
            log.info("could not open the feedback form: %s", error.response.get("error"))
    stored = await store_vote(services=services, body=body, context=context, rating=-1 if bad else 1)
    if stored and not opened:  # the form, when it opened, is the acknowledgement
        await _thank(client, body)


async def _legacy_vote(
    services: Services, *, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, rating: int
) -> None:
    model = str(((body.get("actions") or [{}])[0]).get("value") or "")
    if await store_vote(services=services, body=body, context=context, rating=rating, model=model):
        await _thank(client, body)


async def _save_reason(services: Services, *, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The reason typed into the form, added to the vote it follows (a vote not stored drops it)."""
    view = body.get("view") or {}
    try:
        where = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return
    user_id = str((body.get("user") or {}).get("id") or "")
    reason = reason_from((view.get("state") or {}).get("values") or {})
    if not (isinstance(where, dict) and user_id and reason):
        return
    async with services.background.track():
        workspace = await resolve_owner(services=services, context=context)
        if workspace is None or workspace.id is None:
            return
        async with services.database.session() as session:
            saved = await repo.set_feedback_comment(
                session=session,
                workspace_id=workspace.id,
                channel_id=str(where.get("channel", "")),
                message_ts=str(where.get("ts", "")),
                user_id=user_id,
                comment=reason,
            )
        if not saved:
            log.info("a feedback comment arrived for a vote that is not stored; dropped")
