"""What App Home's settings listeners share: the workspace and person a click or submission comes from, the
subscription an Edit or Remove button names, and publishing Home again after a change."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.slack.workspaces import resolve_owner

if TYPE_CHECKING:
    from bot.platform.services import Services
    from bot.slack.views.managers import HomePublisher
    from storage.tables.core import Workspace

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Clicked:
    """A click on one subscription's button: the workspace (and its id), the person, the subscription."""

    workspace: Workspace
    workspace_id: int
    user_id: str
    subscription_id: int


@dataclass(frozen=True, kw_only=True)
class ClickContext:
    services: Services
    publish_home: HomePublisher

    async def workspace_and_user(
        self, *, body: dict[str, Any], context: AsyncBoltContext
    ) -> tuple[Workspace, str] | None:
        """The workspace (with its id) and the person a click or submission comes from; None when either is unknown."""
        workspace = await resolve_owner(services=self.services, context=context)
        user_id = str((body.get("user") or {}).get("id", ""))
        if workspace is None or workspace.id is None or not user_id:
            return None
        return workspace, user_id

    async def clicked_subscription(self, *, body: dict[str, Any], context: AsyncBoltContext) -> Clicked | None:
        """The workspace, the person and the subscription an Edit or Remove button names."""
        found = await self.workspace_and_user(body=body, context=context)
        subscription_id = _clicked_id(body)
        if found is None or found[0].id is None or subscription_id is None:
            return None
        return Clicked(workspace=found[0], workspace_id=found[0].id, user_id=found[1], subscription_id=subscription_id)

    async def republish(self, *, client: AsyncWebClient, workspace: Workspace, user_id: str) -> None:
        """Publish this person's Home tab again; a failure is logged, the change itself is kept."""
        try:
            await self.publish_home(services=self.services, client=client, workspace=workspace, user_id=user_id)
        except Exception:
            logger.exception("could not publish the App Home tab after a settings change")


def _clicked_id(body: dict[str, Any]) -> int | None:
    actions = body.get("actions") or [{}]
    value = str(actions[0].get("value", ""))
    return int(value) if value.isdigit() else None
