"""The agent view (assistant container): greet a new thread with suggested prompts that fit what the workspace has
connected (GA4, Search Console, both, or nothing yet)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.slack.workspaces import resolve_owner
from bot.text import core as messages
from storage.repos import google as google_repo
from storage.tables.google import ConnectionStatus

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)


async def prompts_for(*, services: Services, context: AsyncBoltContext) -> tuple[tuple[str, str], ...]:
    """The prompts for the workspace's default sources (assistant threads are DMs: no channel's own choice)."""
    workspace = await resolve_owner(services=services, context=context)
    if workspace is None or workspace.id is None:
        return messages.suggested_prompts(ga4=False, search_console=False)
    async with services.database.session() as session:
        setup = await google_repo.get_channel_setup(session=session, workspace_id=workspace.id, channel_id=None)
    if setup.sample_since is not None:  # the Demo Store has both
        return messages.suggested_prompts(ga4=True, search_console=True)
    connected = setup.connection is not None and setup.connection.status == ConnectionStatus.HEALTHY.value
    default = setup.default
    return messages.suggested_prompts(
        ga4=connected and default is not None and bool(default.property_id),
        search_console=connected and default is not None and bool(default.site_url),
    )


def register(app: AsyncApp, *, services: Services) -> None:
    @app.event("assistant_thread_started")
    async def on_thread_started(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        thread = event.get("assistant_thread") or {}
        channel_id, thread_ts = thread.get("channel_id"), thread.get("thread_ts")
        if not channel_id or not thread_ts:
            return
        async with services.background.track():
            try:
                prompts = await prompts_for(services=services, context=context)
                await client.assistant_threads_setSuggestedPrompts(
                    channel_id=channel_id,
                    thread_ts=thread_ts,
                    title=messages.SUGGESTED_PROMPTS_TITLE,
                    prompts=[{"title": title, "message": message} for title, message in prompts],
                )
            except Exception:
                services.metrics.handler_errors.labels(handler="assistant").inc()
                logger.exception("could not set the suggested prompts")
