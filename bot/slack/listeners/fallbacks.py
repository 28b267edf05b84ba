"""Whatever no other listener took: outdated buttons and forms, retired shortcuts and commands, unused events.

bolt answers a request no listener matched with HTTP 404, which Slack shows the person as an error on the button
they clicked (and, for events, counts as a failed delivery). Registered after every other listener (see
`bot.slack.app.register_listeners`), these ack what is left and, where it helps, tell the person the button, form or
shortcut is outdated, ephemerally.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.text import core as messages

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

ANYTHING = re.compile(".*")


def outdated_form_view() -> dict[str, Any]:
    """The modal that replaces a form Lookout no longer knows, so the person is not left with a broken Submit."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": messages.STALE_FORM_TITLE},
        "close": {"type": "plain_text", "text": messages.STALE_FORM_CLOSE},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": messages.STALE_FORM}}],
    }


def register(app: AsyncApp, *, services: Services) -> None:
    """Call last: bolt tries listeners in the order they were registered."""

    @app.action(ANYTHING)
    async def outdated_action(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        logger.info("acked an outdated action %r", _action_id(body)[:80])
        async with services.background.track():
            await _tell(respond if context.response_url else None, text=messages.STALE_BUTTON)

    @app.view(ANYTHING)
    async def outdated_form(ack: AsyncAck, body: dict[str, Any]) -> None:
        logger.info("acked an outdated form %r", str((body.get("view") or {}).get("callback_id", ""))[:80])
        await ack(response_action="update", view=outdated_form_view())

    @app.view_closed(ANYTHING)
    async def outdated_form_closed(ack: AsyncAck) -> None:
        await ack()

    @app.options(ANYTHING)
    async def outdated_menu(ack: AsyncAck) -> None:
        await ack(options=[])

    @app.shortcut(ANYTHING)
    async def outdated_shortcut(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        logger.info("acked an outdated shortcut %r", str(body.get("callback_id", ""))[:80])
        async with services.background.track():
            if context.response_url:  # a message shortcut
                await _tell(respond, text=messages.STALE_SHORTCUT)
            elif body.get("trigger_id"):  # a global shortcut: nothing to answer in but a modal
                try:
                    view = {**outdated_form_view(), "blocks": [_section(messages.STALE_SHORTCUT)]}
                    await client.views_open(trigger_id=str(body["trigger_id"]), view=view)
                except SlackApiError as error:
                    logger.info("could not say the shortcut is outdated: %s", error.response.get("error"))

    @app.command(ANYTHING)
    async def other_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        # A command the manifest no longer declares (renamed, or another app's URL pointed here): say so.
        await ack(text=messages.unknown_command(command=str(body.get("command", ""))[:40]))

    @app.event(ANYTHING)
    async def unused_event(body: dict[str, Any]) -> None:
        # Events are acked by bolt before this runs; without a listener it would have answered 404.
        logger.debug("ignored a %s event", (body.get("event") or {}).get("type"))


async def _tell(respond: AsyncRespond | None, *, text: str) -> None:
    """An ephemeral note to the person who clicked, through the interaction's response URL when there is one."""
    if respond is None:
        return  # a button in a view (the Home tab): the ack alone keeps Slack from showing an error
    try:
        await respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as error:
        logger.info("could not say the button is outdated (%s)", type(error).__name__)


def _action_id(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("action_id") or body.get("callback_id") or "")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
