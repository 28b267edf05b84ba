"""The App Home tab: connection status and next steps, published on `app_home_opened`.

The view is assembled from parts so each area contributes its own blocks: the Google connection provides
`services.home_google_blocks` (see `GoogleHomeBlocks`); `build_home_view` puts the parts together.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.access.home import access_home_blocks
from bot.messages import core as messages
from bot.slack.workspaces import resolve_owner
from storage.tables.core import Workspace

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)

Block = dict[str, Any]


class GoogleHomeBlocks(Protocol):
    """Blocks describing the workspace's Google connection for the person looking at the Home tab."""

    async def __call__(self, *, services: Services, workspace: Workspace, user_id: str) -> list[Block]: ...


async def google_not_connected_blocks(*, services: Services, workspace: Workspace, user_id: str) -> list[Block]:
    """The default Google part: not connected, with the command that fixes it."""
    return [_section(messages.HOME_GOOGLE_NOT_CONNECTED)]


def build_home_view(
    *, workspace: Workspace, google_blocks: list[Block], access_blocks: list[Block] | None = None
) -> dict[str, Any]:
    """The whole Home tab view from its parts: intro, installation status, Google status, who can change settings,
    next steps."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": messages.HOME_TITLE}},
        _section(messages.HOME_INTRO),
        _section(messages.home_workspace_line(workspace_name=workspace.name)),
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": messages.HOME_GOOGLE_HEADER}},
        *google_blocks,
        {"type": "divider"},
        *([*access_blocks, {"type": "divider"}] if access_blocks else []),
        {"type": "header", "text": {"type": "plain_text", "text": messages.HOME_NEXT_STEPS_HEADER}},
        _section(messages.HOME_NEXT_STEPS),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": messages.HOME_HELP_FOOTER}]},
    ]
    return {"type": "home", "blocks": blocks}


async def publish_home(*, services: Services, client: AsyncWebClient, workspace: Workspace, user_id: str) -> None:
    """Build this person's Home tab (what they see depends on their role) and publish it."""
    google_blocks = await services.home_google_blocks(services=services, workspace=workspace, user_id=user_id)
    access_blocks = await access_home_blocks(services=services, workspace=workspace, user_id=user_id, client=client)
    view = build_home_view(workspace=workspace, google_blocks=google_blocks, access_blocks=access_blocks)
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
