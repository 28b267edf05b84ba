"""Runs the real aiohttp app (`lookout serve`'s) on a loopback port against the fake Slack and a test database."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import Settings
from bot.fakes.slack_api import FakeSlack, SlackCall
from bot.main.build import build_bolt_app, build_services, message_handler
from bot.platform.incoming import IncomingMessage, MessageHandler
from bot.platform.services import Services
from bot.slack.commands.router import CommandRouter
from bot.slack.web import Route, build_web_app
from storage.db import Database
from tests.helpers.slack_requests import SlackResponse, SlackSender

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
Mode = Literal["single", "multi"]


class SwappableHandler:
    """The message handler the app was built with, replaceable by a test after the app started."""

    def __init__(self, handler: MessageHandler) -> None:
        self.current = handler

    async def __call__(self, *, message: IncomingMessage, client: AsyncWebClient) -> None:
        await self.current(message=message, client=client)


@dataclass
class RunningApp:
    """A started Lookout app: its base `url`, its `services`, the fake Slack it talks to, and a signed sender."""

    url: str
    services: Services
    bolt_app: AsyncApp
    slack: FakeSlack
    sender: SlackSender
    settings: Settings
    handler: SwappableHandler

    @property
    def message_handler(self) -> MessageHandler:
        """What answers mentions, DMs and follow-ups (as `lookout serve` would build it unless a test replaced it)."""
        return self.handler.current

    @message_handler.setter
    def message_handler(self, handler: MessageHandler) -> None:
        self.handler.current = handler

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    async def send_event(
        self, event: dict[str, Any], *, retry_num: int | None = None, **envelope: Any
    ) -> SlackResponse:
        return await self.sender.event(event, retry_num=retry_num, **envelope)

    async def command(self, text: str, **fields: Any) -> SlackResponse:
        return await self.sender.command(text, **fields)

    async def wait_for_calls(self, method: str, count: int = 1, *, timeout: float = 5.0) -> list[SlackCall]:
        """Wait until `count` calls of `method` reached the fake Slack, then for the handlers to finish."""
        calls = await self.slack.wait_for_calls(method, count, timeout=timeout)
        await self.settle(timeout=timeout)
        return calls

    async def settle(self, *, timeout: float = 5.0) -> None:
        """Wait until no background handler is running (call after the deliveries were answered)."""
        if not await self.services.background.wait_idle(timeout=timeout):
            raise TimeoutError("background handlers did not finish in time")

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(self.url + path, allow_redirects=False) as response:
            return response.status, await response.text()


# The `start_app` fixture: `await start_app(mode="multi", configure=fn, **settings_overrides)`.
StartApp = Callable[..., Awaitable[RunningApp]]


def settings_for_tests(
    *,
    slack: FakeSlack,
    database_url: str,
    data_dir: Path,
    mode: Mode = "single",
    public_url: str = "http://127.0.0.1:3000",
    **overrides: Any,
) -> Settings:
    """Settings pointing at the fakes, never at a `.env` file or the real Slack."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "lookout_secret_key": Fernet.generate_key().decode(),
        "lookout_data_dir": data_dir,
        "public_url": public_url,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": slack.url,
        "slack_authorize_url": slack.root_url + "oauth/v2/authorize",
        "lookout_scheduler_enabled": False,
    }
    # The client pair is the multi-workspace install's; beside a bot token it is Sign in with Slack's (consent links).
    values["slack_client_id"] = slack.client_id
    values["slack_client_secret"] = slack.client_secret
    if mode == "single":
        values["slack_bot_token"] = slack.workspace.bot_token
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_app(
    *,
    slack: FakeSlack,
    database: Database,
    data_dir: Path,
    mode: Mode = "single",
    configure: Callable[[Services], MessageHandler | None] | None = None,
    extra_routes: list[Route] | None = None,
    router: CommandRouter | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[RunningApp]:
    """Start the app exactly as `lookout serve` wires it (minus migrations: `database` is already migrated)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings = settings_for_tests(
        slack=slack,
        database_url=database.url.render_as_string(hide_password=False),
        data_dir=data_dir,
        mode=mode,
        public_url=url,
        **settings_overrides,
    )
    services = build_services(settings, database=database)
    # `configure` adjusts the services before anything uses them and may return the handler to answer with.
    chosen = configure(services) if configure is not None else None
    handler = SwappableHandler(chosen or message_handler(services))
    bolt_app = build_bolt_app(services, handler=handler, router=router)
    runner = web.AppRunner(build_web_app(services=services, bolt_app=bolt_app, extra_routes=extra_routes))
    await runner.setup()
    await web.SockSite(runner, listener).start()
    sender = SlackSender(f"{url}/slack/events", signing_secret=SIGNING_SECRET, response_url=slack.response_url_for())
    try:
        yield RunningApp(
            url=url,
            services=services,
            bolt_app=bolt_app,
            slack=slack,
            sender=sender,
            settings=settings,
            handler=handler,
        )
    finally:
        await services.background.wait_idle(timeout=5.0)
        await runner.cleanup()
