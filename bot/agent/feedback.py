"""The 👍/👎 buttons under an answer: each vote is stored per person and answer (voting again replaces it)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.messages import agent as messages
from bot.slack.workspaces import resolve_owner
from storage.repos import agent as repo

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

ACTION_FEEDBACK_UP = messages.ACTION_FEEDBACK_UP
ACTION_FEEDBACK_DOWN = messages.ACTION_FEEDBACK_DOWN


async def store_vote(*, services: Services, body: dict[str, Any], context: AsyncBoltContext, rating: int) -> bool:
    """Record the vote in `body` (a block_actions payload); False when it cannot be attributed."""
    user = body.get("user") or {}
    channel = body.get("channel") or (body.get("container") or {})
    message = body.get("message") or {}
    channel_id = str(channel.get("id") or channel.get("channel_id") or "")
    message_ts = str(message.get("ts") or (body.get("container") or {}).get("message_ts") or "")
    user_id = str(user.get("id") or "")
    actions = body.get("actions") or [{}]
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
            model=str(actions[0].get("value") or "")[:128],
        )
    return True


def register(app: AsyncApp, *, services: Services) -> None:
    async def vote(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext, rating: int
    ) -> None:
        await ack()
        async with services.background.track():
            if not await store_vote(services=services, body=body, context=context, rating=rating):
                return
            try:
                await client.chat_postEphemeral(
                    channel=str((body.get("channel") or {}).get("id")),
                    user=str((body.get("user") or {}).get("id")),
                    thread_ts=(body.get("message") or {}).get("thread_ts"),
                    text=messages.FEEDBACK_THANKS,
                )
            except SlackApiError:
                log.info("could not thank for the feedback")

    @app.action(ACTION_FEEDBACK_UP)
    async def feedback_up(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await vote(ack, body, client, context, 1)

    @app.action(ACTION_FEEDBACK_DOWN)
    async def feedback_down(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await vote(ack, body, client, context, -1)
