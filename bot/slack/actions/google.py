"""Block Kit actions of the Google connection: Connect/Reconnect, Disconnect, and the property/site picker menus."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.google import oauth
from bot.google.choices import GoogleChoices
from bot.google.problems import GoogleProblem
from bot.platform.slack.workspaces import resolve_owner
from bot.slack.views.home import publish_home
from bot.text import core as core_messages
from bot.text import google as messages
from storage.tables.core import Workspace

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.platform.services import Services

    _Handler = Callable[["_Click"], Awaitable[None]]

logger = logging.getLogger(__name__)

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class _Click:
    """One button or menu action, with the workspace it came from resolved."""

    services: Services
    workspace: Workspace
    workspace_id: int
    user_id: str
    body: dict[str, Any]
    client: AsyncWebClient
    respond: AsyncRespond | None

    async def tell(self, text: str) -> None:
        """In place of the clicked message when Slack gave a response URL, else in the person's DM."""
        if self.respond is not None:
            await self.respond(text=text, replace_original=False)
        else:
            await self.client.chat_postMessage(channel=self.user_id, text=text)


def register(app: AsyncApp, *, services: Services) -> None:
    """Listen for the Google buttons and menus (action ids in `bot.text.google`)."""

    @app.action(messages.ACTION_CONNECT_LINK)
    async def connect_link(ack: AsyncAck) -> None:
        await ack()  # a link button: the browser does the work

    @app.action(messages.ACTION_CONNECT)
    async def connect(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            await _guarded(services, body, context, client, None, _send_connect_link)

    @app.action(messages.ACTION_DISCONNECT)
    @app.action(messages.ACTION_STOP_SAMPLE)  # one operation: `disconnect` ends whichever the workspace is on
    async def disconnect(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            await _guarded(services, body, context, client, None, _disconnect)

    @app.action(messages.ACTION_PICK_PROPERTY)
    async def pick_property(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            await _guarded(services, body, context, client, respond, _pick)

    @app.action(messages.ACTION_PICK_SITE)
    async def pick_site(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            await _guarded(services, body, context, client, respond, _pick)


async def _guarded(
    services: Services,
    body: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    respond: AsyncRespond | None,
    handler: _Handler,
) -> None:
    """Resolve the workspace, run the handler, and turn any failure into a message key or an apology."""
    user_id = str(body.get("user", {}).get("id", ""))
    workspace = await resolve_owner(services=services, context=context)
    if workspace is None or workspace.id is None or not user_id:
        return
    click = _Click(services, workspace, workspace.id, user_id, body, client, respond)
    try:
        await handler(click)
    except GoogleProblem as problem:
        await click.tell(messages.problem_text(problem.message_key, workspace_name=workspace.name))
    except Exception:
        reference = secrets.token_hex(3)
        logger.exception("Google action failed (ref %s)", reference)
        await click.tell(core_messages.unexpected_error(reference=reference))


async def _send_connect_link(click: _Click) -> None:
    """A fresh consent link (state bound to the person who clicked) in their DM with the bot."""
    url = await oauth.start_authorization(click.services, workspace_id=click.workspace_id, user_id=click.user_id)
    text, blocks = messages.connect_prompt(url, reconnect=True)
    await click.client.chat_postMessage(channel=click.user_id, text=text, blocks=blocks)


async def _disconnect(click: _Click) -> None:
    removed = await GoogleChoices(click.services).disconnect(workspace_id=click.workspace_id)
    await click.client.chat_postMessage(channel=click.user_id, text=messages.disconnected_text(removed))
    if (click.body.get("view") or {}).get("type") == "home":
        await publish_home(
            services=click.services, client=click.client, workspace=click.workspace, user_id=click.user_id
        )


async def _pick(click: _Click) -> None:
    """Save the option chosen in a picker menu; the block_id says whether it is for the workspace or a channel."""
    [action] = click.body.get("actions") or [{}]
    value = str((action.get("selected_option") or {}).get("value", ""))
    if not value:
        return
    block_id = str(action.get("block_id", ""))
    channel_id = (
        block_id.removeprefix(messages.SCOPE_BLOCK_PREFIX) if block_id.startswith(messages.SCOPE_BLOCK_PREFIX) else ""
    )
    if channel_id and not _CHANNEL_ID.match(channel_id):
        channel_id = ""
    choices = GoogleChoices(click.services)
    choose = (
        choices.choose_property if action.get("action_id") == messages.ACTION_PICK_PROPERTY else choices.choose_site
    )
    text = await choose(workspace_id=click.workspace_id, user_id=click.user_id, channel_id=channel_id, raw=value)
    await click.tell(text)
