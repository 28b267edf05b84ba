"""The App Home tab, Lookout's settings page: published on `app_home_opened` and again after every change made there.

The view is assembled from parts so each area contributes its own blocks: the Google connection's status and
buttons come from `bot.google.choices`, the channels' digests and alerts, AI usage and the next steps from
`bot.slack.views.settings_sections`, who may change settings from `bot.slack.views.managers`; `build_home_view`
puts the parts together.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.google.choices import google_home_blocks
from bot.platform.slack.workspaces import resolve_owner
from bot.slack.views.managers import access_home_blocks, may_change_settings
from bot.slack.views.settings_sections import settings_home_blocks
from bot.text import core as messages
from storage.tables.core import Workspace

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

Block = dict[str, Any]


MAX_BLOCKS = 100  # Slack's limit for a Home view


def build_home_view(
    *,
    workspace: Workspace,
    google_blocks: list[Block],
    access_blocks: list[Block] | None = None,
    channel_blocks: list[Block] | None = None,
    usage_blocks: list[Block] | None = None,
    steps: list[str] | None = None,
) -> dict[str, Any]:
    """The whole Home tab view from its parts: intro, the next steps still open, Google, the channels' digests and
    alerts, this month's AI usage, who can change settings. `steps` None shows the generic set-up steps; an empty
    list (everything done) leaves the section out."""
    if steps is None:
        next_steps = [_section(messages.HOME_NEXT_STEPS)]
    else:
        numbered = "\n".join(f"{number}. {step}" for number, step in enumerate(steps, start=1))
        next_steps = [_section(numbered)] if steps else []
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": messages.HOME_TITLE}},
        _section(messages.HOME_INTRO),
        _section(messages.home_workspace_line(workspace_name=workspace.name)),
        {"type": "divider"},
        *(
            [
                {"type": "header", "text": {"type": "plain_text", "text": messages.HOME_NEXT_STEPS_HEADER}},
                *next_steps,
                {"type": "divider"},
            ]
            if next_steps
            else []
        ),
        {"type": "header", "text": {"type": "plain_text", "text": messages.HOME_GOOGLE_HEADER}},
        *google_blocks,
        {"type": "divider"},
        *([*channel_blocks, {"type": "divider"}] if channel_blocks else []),
        *([*usage_blocks, {"type": "divider"}] if usage_blocks else []),
        *([*access_blocks, {"type": "divider"}] if access_blocks else []),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": messages.HOME_HELP_FOOTER}]},
    ]
    # Each part bounds its own length (the channels list is summarised past `MAX_LISTED`); this is the backstop
    # that keeps Slack from refusing the whole tab.
    if len(blocks) > MAX_BLOCKS:
        logger.warning("App Home had %s blocks; cut to %s", len(blocks), MAX_BLOCKS)
        blocks = [*blocks[: MAX_BLOCKS - 1], blocks[-1]]
    return {"type": "home", "blocks": blocks}


async def publish_home(*, services: Services, client: AsyncWebClient, workspace: Workspace, user_id: str) -> None:
    """Build this person's Home tab (what they see depends on their role) and publish it."""
    google_blocks = await google_home_blocks(services=services, workspace=workspace, user_id=user_id)
    access_blocks = await access_home_blocks(services=services, workspace=workspace, user_id=user_id, client=client)
    can_change = await may_change_settings(services=services, workspace=workspace, user_id=user_id, client=client)
    channel_blocks, usage_blocks, steps = await settings_home_blocks(
        services=services, workspace=workspace, can_change=can_change
    )
    view = build_home_view(
        workspace=workspace,
        google_blocks=google_blocks,
        access_blocks=access_blocks,
        channel_blocks=channel_blocks,
        usage_blocks=usage_blocks,
        steps=steps,
    )
    await client.views_publish(user_id=user_id, view=view)


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def register(app: AsyncApp, *, services: Services) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        started = time.perf_counter()
        async with services.background.track():
            try:
                workspace = await resolve_owner(services=services, context=context)
                if workspace is None:
                    return
                await publish_home(
                    services=services, client=client, workspace=workspace, user_id=str(event.get("user", ""))
                )
            except Exception:
                services.metrics.handler_errors.labels(handler="home").inc()
                logger.exception("could not publish the App Home tab")
            finally:
                services.metrics.handler_latency.labels(handler="home").observe(time.perf_counter() - started)
