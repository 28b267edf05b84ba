"""Applies the role check to every button, menu and modal submission before any listener sees it.

Whatever the listener (Google's buttons, a digest modal, a future rule editor), a click that needs more than the
person has is acknowledged, answered with who can do it, and goes no further: nothing changes. Allowed settings
changes are written to the settings-change trail here, so no listener can forget to.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.access import gate
from bot.access.policy import OPENS_A_MODAL, Capability, action_needs, interaction_surface, view_needs
from bot.platform.slack.workspaces import resolve_owner
from bot.text import access as messages

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

_GATED_TYPES = frozenset({"block_actions", "view_submission"})


class AccessMiddleware(AsyncMiddleware):
    def __init__(self, *, services: Services) -> None:
        self._services = services

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        body = req.body
        kind = body.get("type")
        if kind not in _GATED_TYPES:
            return await next()  # events, slash commands (the router checks those), options, closed modals
        services = self._services
        user_id = str((body.get("user") or {}).get("id", ""))
        client = req.context.client
        workspace = await resolve_owner(services=services, context=req.context)
        if workspace is None or workspace.id is None or not user_id or client is None:
            return await next()  # the listeners ignore requests from no known workspace or person
        name, needs, detail = _what(body)
        refusal = await gate.check(
            services=services, workspace=workspace, user_id=user_id, capability=needs, client=client
        )
        if refusal is not None:
            if kind == "view_submission":
                return BoltResponse(
                    status=200,
                    body=json.dumps({"response_action": "update", "view": _refusal_view(refusal.text)}),
                    headers={"content-type": ["application/json;charset=utf-8"]},
                )
            services.background.submit(
                functools.partial(_tell, body=body, client=client, user_id=user_id, text=refusal.text)
            )
            return BoltResponse(status=200, body="")
        if needs in (Capability.SETTINGS, Capability.ADMIN) and name not in OPENS_A_MODAL:
            await gate.record_change(
                services=services,
                workspace_id=workspace.id,
                user_id=user_id,
                surface=interaction_surface(body),
                action=name,
                detail=detail,
            )
        return await next()


def _what(body: dict[str, Any]) -> tuple[str, Capability, str]:
    """The button or modal, what it needs, and what was chosen (for the trail)."""
    if body.get("type") == "view_submission":
        view = body.get("view") or {}
        callback_id = str(view.get("callback_id", ""))
        return callback_id, view_needs(callback_id), _state_summary((view.get("state") or {}).get("values") or {})
    actions = body.get("actions") or [{}]
    needs = max((action_needs(str(action.get("action_id", ""))) for action in actions), key=_strictness)
    first = actions[0]
    return str(first.get("action_id", "")), needs, _chosen(first)


def _strictness(capability: Capability) -> int:
    return [Capability.EVERYONE, Capability.ASK, Capability.SETTINGS, Capability.ADMIN].index(capability)


def _chosen(element: dict[str, Any]) -> str:
    """The value an element carries: a menu's selected option(s), users, channels, date or time, or text."""
    if option := element.get("selected_option"):
        return str(option.get("value", ""))
    if options := element.get("selected_options"):
        return ", ".join(str(option.get("value", "")) for option in options)
    for key in ("selected_user", "selected_channel", "selected_conversation", "selected_date", "selected_time"):
        if element.get(key):
            return str(element[key])
    for key in ("selected_users", "selected_channels", "selected_conversations"):
        if element.get(key):
            return ", ".join(str(item) for item in element[key])
    return str(element.get("value") or "")


def _state_summary(values: dict[str, Any]) -> str:
    parts = []
    for block_id, elements in values.items():
        for element in (elements or {}).values():
            parts.append(f"{block_id}: {_chosen(element) or '-'}")
    return "; ".join(parts)


def _refusal_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": messages.REFUSED_VIEW_TITLE},
        "close": {"type": "plain_text", "text": messages.REFUSED_VIEW_CLOSE},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


async def _tell(*, body: dict[str, Any], client: AsyncWebClient, user_id: str, text: str) -> None:
    """Only to the person who clicked: under the message (response_url) or, from App Home, in their DM."""
    try:
        response_url = body.get("response_url")
        if response_url:
            await AsyncWebhookClient(response_url).send(text=text, response_type="ephemeral", replace_original=False)
        else:
            await client.chat_postMessage(channel=user_id, text=text)
    except Exception:
        logger.exception("could not tell a person why their click was refused")
