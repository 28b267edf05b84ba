"""The `/lookout` slash command: ack at once, then let the router answer through `response_url`."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.slack.workspaces import owner_of
from bot.slack.commands.router import CommandRouter, collect_subcommands
from bot.slack.surface import COMMAND

if TYPE_CHECKING:
    from bot.platform.services import Services


def register(app: AsyncApp, *, services: Services, router: CommandRouter | None = None) -> None:
    commands = router or CommandRouter(collect_subcommands())

    @app.command(COMMAND)
    async def lookout(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        owner = owner_of(context)
        started = time.perf_counter()
        async with services.background.track():
            try:
                await commands.dispatch(
                    services=services,
                    text=str(body.get("text", "")),
                    enterprise_id=owner.enterprise_id,
                    team_id=owner.team_id,
                    user_id=str(body.get("user_id", "")),
                    channel_id=str(body.get("channel_id", "")),
                    respond=respond,
                    client=client,
                )
            finally:
                services.metrics.handler_latency.labels(handler="command").observe(time.perf_counter() - started)
