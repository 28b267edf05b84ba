"""The answer to a mention or DM until the agent is wired in: how to connect Google."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.incoming import IncomingMessage
from bot.text import core as messages


async def reply_connect_google_first(*, message: IncomingMessage, client: AsyncWebClient) -> None:
    """Reply in the message's thread with the friendly "connect Google first" text."""
    await client.chat_postMessage(
        channel=message.channel_id,
        thread_ts=message.thread_ts,
        text=messages.connect_google_first(user_id=message.user_id),
    )
