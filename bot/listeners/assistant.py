"""The agent view (assistant container): greet a new thread with suggested prompts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.messages import core as messages

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)


def register(app: AsyncApp, *, services: Services) -> None:
    @app.event("assistant_thread_started")
    async def on_thread_started(event: dict[str, Any], client: AsyncWebClient) -> None:
        thread = event.get("assistant_thread") or {}
        channel_id, thread_ts = thread.get("channel_id"), thread.get("thread_ts")
        if not channel_id or not thread_ts:
            return
        async with services.background.track():
            try:
                await client.assistant_threads_setSuggestedPrompts(
                    channel_id=channel_id,
                    thread_ts=thread_ts,
                    title=messages.SUGGESTED_PROMPTS_TITLE,
                    prompts=[{"title": title, "message": message} for title, message in messages.SUGGESTED_PROMPTS],
                )
            except Exception:
                services.metrics.handler_errors.labels(handler="assistant").inc()
                logger.exception("could not set the suggested prompts")
