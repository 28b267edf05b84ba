"""A Google test bench: the fake Google OAuth server, the fake Slack API, and the callback route served over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import Settings
from bot.fakes.slack_api import FakeSlack
from bot.google import oauth
from bot.google.choices import GoogleChoices
from bot.google.connection import GoogleConnectionService
from bot.google.routes import add_google_routes
from bot.platform.services import Services
from storage.crypto import TokenCipher
from storage.db import Database
from storage.repos.workspaces import ensure_workspace, get_workspace_by_id
from tests.helpers.consent import google_consent_url
from tools.fakes.google_auth import FakeGoogleAuth


@dataclass
class Clock:
    """A clock the test moves by hand (state expiry); starts at the real now so token expiries stay coherent."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class GoogleBench:
    services: Services
    google: FakeGoogleAuth
    slack: FakeSlack
    connections: GoogleConnectionService
    choices: GoogleChoices
    clock: Clock
    http: aiohttp.ClientSession
    new_service: Callable[[], GoogleConnectionService]  # another "process" on the same database

    async def workspace(self, team_id: str, name: str = "") -> int:
        async with self.services.database.session() as session:
            workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=team_id, name=name)
            await session.flush()
            assert workspace.id is not None
            return workspace.id

    async def link(self, workspace_id: int, user_id: str = "U1", channel_id: str = "C1") -> str:
        """The consent link `/lookout connect` hands `user_id`."""
        return await oauth.start_authorization(
            self.services, workspace_id=workspace_id, user_id=user_id, channel_id=channel_id
        )

    async def authorization_url(self, workspace_id: int, user_id: str = "U1", channel_id: str = "C1") -> str:
        """Google's consent page, where the link takes `user_id` once they signed in with Slack as themselves."""
        link = await self.link(workspace_id, user_id, channel_id)
        return await google_consent_url(
            self.http, link, slack=self.slack, user_id=user_id, team_id=await self._team(workspace_id)
        )

    async def _team(self, workspace_id: int) -> str:
        async with self.services.database.session() as session:
            workspace = await get_workspace_by_id(session=session, workspace_id=workspace_id)
        assert workspace is not None
        return workspace.team_id

    async def consent(self, authorization_url: str) -> str:
        """The browser on Google's consent page: returns where Google redirects back (our callback URL)."""
        async with self.http.get(authorization_url, allow_redirects=False) as response:
            assert response.status == 302, await response.text()
            return response.headers["Location"]

    async def callback(self, url: str) -> tuple[int, str]:
        async with self.http.get(url, allow_redirects=False) as response:
            return response.status, await response.text()

    async def connect(
        self, workspace_id: int, email: str, *, user_id: str = "U1", granted_scopes: list[str] | None = None
    ) -> tuple[int, str]:
        self.google.consent_as(email, granted_scopes=granted_scopes)
        location = await self.consent(await self.authorization_url(workspace_id, user_id))
        return await self.callback(location)

    def dms(self, user_id: str | None = None) -> list[dict[str, object]]:
        calls = self.slack.calls_to("chat.postMessage")
        return [dict(call.params) for call in calls if user_id is None or call.get("channel") == user_id]


@pytest.fixture
async def bench(database: Database, cipher: TokenCipher) -> AsyncIterator[GoogleBench]:
    async with FakeGoogleAuth() as google, FakeSlack() as slack, aiohttp.ClientSession() as http:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=str(database.url),
            slack_bot_token=slack.workspace.bot_token,
            slack_client_id=slack.client_id,  # Sign in with Slack binds each consent link to its person
            slack_client_secret=slack.client_secret,
            slack_signing_secret="secret",
            slack_api_url=slack.url,
            slack_authorize_url=slack.root_url + "oauth/v2/authorize",
            **google.settings_overrides(),
        )
        clock = Clock()
        services = Services(settings=settings, database=database, cipher=cipher, clock=clock)

        async def slack_client_for(workspace_id: int) -> AsyncWebClient:
            return AsyncWebClient(token=slack.workspace.bot_token, base_url=slack.url)

        def new_service() -> GoogleConnectionService:
            return GoogleConnectionService(services, slack_client_for=slack_client_for)

        connections = new_service()
        app = web.Application()
        add_google_routes(app, services=services, connections=connections)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        settings.public_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            yield GoogleBench(
                services=services,
                google=google,
                slack=slack,
                connections=connections,
                choices=GoogleChoices(services, connections),
                clock=clock,
                http=http,
                new_service=new_service,
            )
        finally:
            await runner.cleanup()
