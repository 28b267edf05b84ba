"""App Home's "Who can change settings" section, the managers modal behind its button, and the trail of changes.

Everyone sees who the managers are; admins get the button; managers also see the last settings changes.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import gate
from bot.access.policy import Capability
from bot.platform.slack.workspaces import resolve_owner
from bot.text import access as messages
from storage.repos import access as repo
from storage.tables.base import aware_utc

if TYPE_CHECKING:
    from bot.platform.services import Services
    from storage.tables.core import Workspace

logger = logging.getLogger(__name__)

Block = dict[str, Any]
MAX_GROUP_OPTIONS = 100  # Slack's limit per static menu
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


class HomePublisher(Protocol):
    """Publishes the whole App Home tab for one person (`bot.slack.views.home.publish_home`)."""

    async def __call__(
        self, *, services: Services, client: AsyncWebClient, workspace: Workspace, user_id: str
    ) -> None: ...


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def access_home_blocks(
    *, services: Services, workspace: Workspace, user_id: str, client: AsyncWebClient
) -> list[Block]:
    assert workspace.id is not None
    managers = await gate.managers_of(services=services, workspace_id=workspace.id)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": messages.HOME_ACCESS_HEADER}},
        _section(messages.home_access_line(managers)),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": messages.HOME_ACCESS_MEMBER_NOTE}]},
    ]
    is_admin = await _allowed(services, workspace, user_id, client, Capability.ADMIN)
    if is_admin:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": messages.EDIT_MANAGERS_BUTTON},
            "action_id": messages.ACTION_EDIT_MANAGERS,
        }
        blocks.append({"type": "actions", "elements": [button]})
    if is_admin or await _allowed(services, workspace, user_id, client, Capability.SETTINGS):
        async with services.database.session() as session:
            changes = await repo.recent_changes(
                session=session, workspace_id=workspace.id, limit=messages.HOME_TRAIL_ENTRIES
            )
        lines = [
            messages.trail_line(
                user_id=c.user_id, surface=c.surface, action=c.action, detail=c.detail, at=aware_utc(c.created_at)
            )
            for c in changes
        ]
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": messages.HOME_TRAIL_HEADER}})
        blocks.append(_section("\n".join(lines) if lines else messages.HOME_TRAIL_EMPTY))
    return blocks


async def may_change_settings(
    *, services: Services, workspace: Workspace, user_id: str, client: AsyncWebClient
) -> bool:
    """Whether to show this person the settings buttons (the middleware still checks every click)."""
    return await _allowed(services, workspace, user_id, client, Capability.SETTINGS)


async def _allowed(
    services: Services, workspace: Workspace, user_id: str, client: AsyncWebClient, capability: Capability
) -> bool:
    # Only decides what to show; the refusal counter is for requests, so it is not counted here.
    refusal = await gate.check(
        services=services, workspace=workspace, user_id=user_id, capability=capability, client=client, count=False
    )
    return refusal is None


async def managers_modal(*, services: Services, workspace_id: int, client: AsyncWebClient) -> dict[str, Any]:
    managers = await gate.managers_of(services=services, workspace_id=workspace_id)
    users_select: Block = {"type": "multi_users_select", "action_id": messages.ELEMENT_MANAGERS}
    if managers.user_ids:
        users_select["initial_users"] = list(managers.user_ids)
    blocks: list[Block] = [
        _section(messages.MODAL_INTRO),
        {
            "type": "input",
            "block_id": messages.BLOCK_MANAGERS,
            "optional": True,
            "label": {"type": "plain_text", "text": messages.MODAL_MANAGERS_LABEL},
            "element": users_select,
        },
    ]
    groups = await _user_groups(client)
    if groups is None:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": messages.MODAL_GROUPS_UNAVAILABLE}]})
    elif groups:
        options = [_option(messages.MODAL_NO_GROUP, messages.NO_GROUP_VALUE)] + [
            _option(f"@{handle}", group_id) for group_id, handle in groups[: MAX_GROUP_OPTIONS - 1]
        ]
        current = next((o for o in options if o["value"] == managers.group_id), options[0])
        blocks.append(
            {
                "type": "input",
                "block_id": messages.BLOCK_GROUP,
                "optional": True,
                "label": {"type": "plain_text", "text": messages.MODAL_GROUP_LABEL},
                "element": {
                    "type": "static_select",
                    "action_id": messages.ELEMENT_GROUP,
                    "options": options,
                    "initial_option": current,
                },
            }
        )
    guests_option = _option(messages.MODAL_GUESTS_OPTION, messages.GUESTS_ALLOWED_VALUE)
    checkboxes: Block = {"type": "checkboxes", "action_id": messages.ELEMENT_GUESTS, "options": [guests_option]}
    if managers.guests_may_ask:
        checkboxes["initial_options"] = [guests_option]
    blocks.append(
        {
            "type": "input",
            "block_id": messages.BLOCK_GUESTS,
            "optional": True,
            "label": {"type": "plain_text", "text": messages.MODAL_GUESTS_LABEL},
            "element": checkboxes,
        }
    )
    return {
        "type": "modal",
        "callback_id": messages.VIEW_MANAGERS,
        "title": {"type": "plain_text", "text": messages.MODAL_TITLE},
        "submit": {"type": "plain_text", "text": messages.MODAL_SUBMIT},
        "close": {"type": "plain_text", "text": messages.MODAL_CLOSE},
        "blocks": blocks,
    }


def _option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value}


async def _user_groups(client: AsyncWebClient) -> list[tuple[str, str]] | None:
    """(id, handle) of the workspace's user groups; None when Slack would not list them (e.g. a missing scope)."""
    try:
        response = await client.usergroups_list()
    except SlackApiError as error:
        logger.warning("usergroups.list failed: %s", error.response.get("error"))
        return None
    return [(str(g["id"]), str(g.get("handle") or g.get("name") or g["id"])) for g in response.get("usergroups") or []]


def register(app: AsyncApp, *, services: Services, publish_home: HomePublisher) -> None:
    """The "Choose managers" button and its modal's submission (both for admins: `bot.slack.access_middleware` checks)."""

    @app.action(messages.ACTION_EDIT_MANAGERS)
    async def edit_managers(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            workspace = await resolve_owner(services=services, context=context)
            if workspace is None or workspace.id is None:
                return
            view = await managers_modal(services=services, workspace_id=workspace.id, client=client)
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(messages.VIEW_MANAGERS)
    async def save_managers(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            workspace = await resolve_owner(services=services, context=context)
            user_id = str((body.get("user") or {}).get("id", ""))
            if workspace is None or workspace.id is None or not user_id:
                return
            values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
            managers = values.get(messages.BLOCK_MANAGERS, {}).get(messages.ELEMENT_MANAGERS, {})
            group = (values.get(messages.BLOCK_GROUP, {}).get(messages.ELEMENT_GROUP, {}) or {}).get(
                "selected_option"
            ) or {}
            guests = values.get(messages.BLOCK_GUESTS, {}).get(messages.ELEMENT_GUESTS, {}).get("selected_options")
            group_id = str(group.get("value", ""))
            if not _GROUP_ID.match(group_id):
                group_id = ""  # "No user group", or anything that is not a group id
            handle = str((group.get("text") or {}).get("text", "")).removeprefix("@") if group_id else ""
            async with services.database.session() as session:
                await repo.save_access(
                    session=session,
                    workspace_id=workspace.id,
                    manager_user_ids=[str(u) for u in managers.get("selected_users") or [] if _USER_ID.match(str(u))],
                    manager_group_id=group_id,
                    manager_group_handle=handle,
                    guests_may_ask=any(o.get("value") == messages.GUESTS_ALLOWED_VALUE for o in guests or []),
                    updated_by=user_id,
                    now=services.clock(),
                )
            services.people.forget_groups(workspace_id=workspace.id)
            await publish_home(services=services, client=client, workspace=workspace, user_id=user_id)
