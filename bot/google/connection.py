"""A workspace's Google credentials: refreshed once at a time, and turned into "reconnect" when Google says no.

`GoogleConnectionService` is the only way code gets Google credentials or the property/site to use, and both
are looked up by the same `workspace_id`, so no path can pair one workspace's property with another's grant.
One instance lives per process (it holds the per-workspace locks); get it with `google_connections(services)`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import google.auth.exceptions
from slack_sdk.web.async_client import AsyncWebClient

from bot.google.problems import (
    GoogleNotConfigured,
    GoogleNotConnected,
    GoogleUnavailable,
    NoPropertyChosen,
    ReconnectNeeded,
)
from bot.messages import google as messages
from bot.slack.clients import WorkspaceNotInstalled, web_client_for
from storage.repos import google as repo
from storage.repos.workspaces import get_workspace_by_id
from storage.tables.google import ConnectionStatus, GoogleConnection
from tools.context import ToolContext

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

    from bot.services import Services
    from tools.cache import ResultCache
    from tools.google.ga4 import Ga4Api
    from tools.google.gsc import GscApi

logger = logging.getLogger(__name__)

# Refresh this long before Google's expiry, so a token handed out stays valid for a whole agent turn and
# google-auth (which refreshes 3m45s early) never tries to refresh it on its own.
REFRESH_MARGIN = timedelta(minutes=5)
LEASE_LENGTH = timedelta(seconds=45)
_LEASE_POLL_SECONDS = 0.2
_REFRESH_TIMEOUT_SECONDS = 60.0

SlackClientFor = Callable[[int], Awaitable[AsyncWebClient | None]]
"""Given a workspace id, a Web API client authorised for it (None when the workspace has no usable install)."""


@dataclass(frozen=True, kw_only=True)
class GoogleTarget:
    """What one channel of one workspace reads: its GA4 property and Search Console site (either may be unset)."""

    workspace_id: int
    property_id: str | None  # numeric, e.g. "123456"
    property_name: str | None
    site_url: str | None
    timezone: str | None  # the property's reporting timezone (IANA)
    currency: str | None  # the property's currency (ISO 4217)

    def require_property(self) -> str:
        """The numeric property id, or `NoPropertyChosen` for the person to fix."""
        if self.property_id is None:
            raise NoPropertyChosen
        return self.property_id

    def tool_context(
        self,
        *,
        cache: ResultCache,
        ga4: Ga4Api | None,
        gsc: GscApi | None,
        clock: Callable[[], datetime],
        timezone: str | None,
    ) -> ToolContext:
        """The tools' context for reading this target with these clients, in `timezone` (the property's own, or the
        caller's fallback for it)."""
        return ToolContext.for_workspace(
            self.workspace_id,
            cache=cache,
            ga4=ga4,
            gsc=gsc,
            property_id=self.property_id,
            site_url=self.site_url,
            clock=clock,
            timezone=timezone,
            currency=self.currency,
        )


def _usable(connection: GoogleConnection | None) -> GoogleConnection:
    """The workspace's connection, or `GoogleNotConnected` / `ReconnectNeeded` when it cannot be used."""
    if connection is None:
        raise GoogleNotConnected
    if connection.status != ConnectionStatus.HEALTHY.value:
        raise ReconnectNeeded
    return connection


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: datetime


class GoogleConnectionService:
    """Credentials and targets for every workspace of this process."""

    def __init__(self, services: Services, *, slack_client_for: SlackClientFor | None = None) -> None:
        self._services = services
        self._slack_client_for = slack_client_for
        self._locks: dict[int, asyncio.Lock] = {}
        self._owner = uuid.uuid4().hex  # this process's name on the refresh lease

    # --- Credentials -------------------------------------------------------------------------------------

    async def credentials_for(self, *, workspace_id: int, rejected_token: str | None = None) -> Credentials:
        """Credentials with an access token valid for at least five minutes.

        Raises `GoogleNotConfigured`, `GoogleNotConnected`, `ReconnectNeeded` (the grant is dead; the person who
        connected has been told once) or `GoogleUnavailable`. Pass `rejected_token` when Google answered 401 to
        that token, to force a new one. The credentials carry no refresh token: if a Google client library
        wants to refresh them it calls back here (from its worker thread), so refreshing stays one at a time.
        """
        token = await self._access_token(workspace_id=workspace_id, rejected_token=rejected_token)
        from google.oauth2.credentials import Credentials  # on first use: not needed to start serving

        credentials = Credentials(  # type: ignore[no-untyped-call]
            token=token.value,
            expiry=token.expires_at.astimezone(UTC).replace(tzinfo=None),  # google-auth compares naive UTC
            token_uri=self._services.settings.google_token_url,
        )
        loop = asyncio.get_running_loop()
        credentials.refresh_handler = _ThreadRefresher(self, workspace_id, loop, credentials)
        return credentials

    async def note_success(self, *, workspace_id: int) -> None:
        """Record a successful Google call (shown by `/lookout status`)."""
        async with self._services.database.session() as session:
            await repo.record_success(session=session, workspace_id=workspace_id, now=self._services.clock())

    def _lock(self, workspace_id: int) -> asyncio.Lock:
        lock = self._locks.get(workspace_id)
        if lock is None:
            lock = self._locks[workspace_id] = asyncio.Lock()
        return lock

    async def _load(self, workspace_id: int) -> GoogleConnection:
        if not self._services.settings.google_configured:
            raise GoogleNotConfigured
        async with self._services.database.session() as session:
            connection = await repo.get_connection(session=session, workspace_id=workspace_id)
        return _usable(connection)

    def _fresh_token(self, connection: GoogleConnection, rejected_token: str | None) -> _Token | None:
        expires_at = repo.as_utc(connection.access_token_expires_at)
        if connection.access_token_enc is None or expires_at is None:
            return None
        if expires_at - REFRESH_MARGIN <= self._services.clock():
            return None
        value = self._services.cipher.decrypt(connection.access_token_enc)
        if rejected_token is not None and value == rejected_token:
            return None
        return _Token(value=value, expires_at=expires_at)

    async def _access_token(self, *, workspace_id: int, rejected_token: str | None) -> _Token:
        connection = await self._load(workspace_id)
        token = self._fresh_token(connection, rejected_token)
        if token is not None:
            return token
        # One coroutine per workspace in this process; the database lease extends that to other processes.
        async with self._lock(workspace_id):
            deadline = time.monotonic() + LEASE_LENGTH.total_seconds() * 2
            while True:
                connection = await self._load(workspace_id)
                token = self._fresh_token(connection, rejected_token)
                if token is not None:
                    return token
                now = self._services.clock()
                async with self._services.database.session() as session:
                    leased = await repo.acquire_refresh_lease(
                        session=session, workspace_id=workspace_id, owner=self._owner, now=now, until=now + LEASE_LENGTH
                    )
                if leased:
                    return await self._refresh(connection)
                if time.monotonic() > deadline:
                    raise GoogleUnavailable("another process holds the refresh lease")
                # Someone else is refreshing: their token will appear in the row (or their lease will lapse).
                await asyncio.sleep(_LEASE_POLL_SECONDS)
                rejected_token = None

    async def _refresh(self, connection: GoogleConnection) -> _Token:
        # requests (and google-auth's transport over it) loads with the first refresh, not at start-up.
        import requests
        from google.oauth2.credentials import Credentials

        workspace_id = connection.workspace_id
        settings = self._services.settings
        assert settings.google_client_secret is not None  # _load checked google_configured
        credentials = Credentials(  # type: ignore[no-untyped-call]
            token=None,
            refresh_token=self._services.cipher.decrypt(connection.refresh_token_enc),
            token_uri=settings.google_token_url,
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret.get_secret_value(),
        )
        try:
            await asyncio.to_thread(_refresh_blocking, credentials)
        except google.auth.exceptions.RefreshError as error:
            if _is_invalid_grant(error):
                # Marking the grant dead also drops the lease, in one statement: no other process can slip
                # in between and try the dead refresh token again.
                await self._grant_is_dead(connection)
                raise ReconnectNeeded from None
            await self._release(workspace_id)
            logger.warning("Refreshing Google access for workspace %s failed: %s", workspace_id, _error_code(error))
            raise GoogleUnavailable from None
        except (google.auth.exceptions.TransportError, requests.RequestException) as error:
            await self._release(workspace_id)
            logger.warning("Google token endpoint unreachable for workspace %s: %s", workspace_id, type(error).__name__)
            raise GoogleUnavailable from None
        except BaseException:
            await self._release(workspace_id)
            raise
        assert credentials.token is not None
        expiry = credentials.expiry
        expires_at = (
            expiry.replace(tzinfo=UTC) if expiry is not None else self._services.clock() + timedelta(minutes=55)
        )
        rotated = credentials.refresh_token
        new_refresh = None
        if rotated and rotated != self._services.cipher.decrypt(connection.refresh_token_enc):
            new_refresh = self._services.cipher.encrypt(rotated)
        async with self._services.database.session() as session:
            stored = await repo.store_refreshed_token(
                session=session,
                workspace_id=workspace_id,
                owner=self._owner,
                access_token_enc=self._services.cipher.encrypt(credentials.token),
                expires_at=expires_at,
                refresh_token_enc=new_refresh,
                now=self._services.clock(),
            )
        if not stored:
            # Our lease lapsed mid-refresh and someone else took over; the token is still valid to use.
            logger.info("Google refresh lease for workspace %s lapsed before the token was stored", workspace_id)
        return _Token(value=credentials.token, expires_at=expires_at)

    async def _release(self, workspace_id: int) -> None:
        async with self._services.database.session() as session:
            await repo.release_refresh_lease(session=session, workspace_id=workspace_id, owner=self._owner)

    async def _grant_is_dead(self, connection: GoogleConnection) -> None:
        """Mark the connection, and tell the person who connected — once, whichever process sees it first."""
        workspace_id = connection.workspace_id
        async with self._services.database.session() as session:
            first = await repo.mark_needs_reconnect(
                session=session, workspace_id=workspace_id, now=self._services.clock()
            )
            workspace = await get_workspace_by_id(session=session, workspace_id=workspace_id)
        if not first:
            return
        logger.warning(
            "Google refused the grant of workspace %s (invalid_grant): marked needs-reconnect, telling %s",
            workspace_id,
            connection.connected_by_user_id,
        )
        text, blocks = messages.reconnect_dm(workspace.name if workspace is not None else "")
        await self.send_dm(workspace_id=workspace_id, user_id=connection.connected_by_user_id, text=text, blocks=blocks)

    async def send_dm(
        self, *, workspace_id: int, user_id: str, text: str, blocks: messages.Blocks | None = None
    ) -> bool:
        """Post to the person's DM with the bot; a failure is logged, never raised (the DM is a courtesy)."""
        if self._slack_client_for is None:
            logger.warning("No Slack client for workspace %s: cannot message %s", workspace_id, user_id)
            return False
        try:
            client = await self._slack_client_for(workspace_id)
            if client is None:
                return False
            await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        except Exception:
            logger.exception("Could not send a Google message to %s in workspace %s", user_id, workspace_id)
            return False
        return True

    # --- What to read ------------------------------------------------------------------------------------

    async def resolve_target(self, *, workspace_id: int, channel_id: str | None) -> GoogleTarget:
        """The property and site this channel uses: its own choice field by field, else the workspace default.

        Raises `GoogleNotConfigured`, `GoogleNotConnected`, `ReconnectNeeded` or `NoPropertyChosen` (neither a
        property nor a site is chosen). A target may still lack one of the two: use `require_property()` for the
        property.
        """
        if not self._services.settings.google_configured:
            raise GoogleNotConfigured
        async with self._services.database.session() as session:
            setup = await repo.get_channel_setup(session=session, workspace_id=workspace_id, channel_id=channel_id)
        _usable(setup.connection)
        default, own = setup.default, setup.own
        property_row = own if own is not None and own.property_id else default
        site_row = own if own is not None and own.site_url else default
        property_id = property_row.property_id if property_row is not None else None
        site_url = site_row.site_url if site_row is not None else None
        if property_id is None and site_url is None:
            raise NoPropertyChosen
        return GoogleTarget(
            workspace_id=workspace_id,
            property_id=property_id,
            property_name=property_row.property_name if property_row is not None else None,
            site_url=site_url,
            timezone=property_row.property_timezone if property_row is not None else None,
            currency=property_row.property_currency if property_row is not None else None,
        )


class _ThreadRefresher:
    """google-auth's `refresh_handler`: lets a sync Google client (in a worker thread) ask the service for a new token."""

    def __init__(
        self,
        service: GoogleConnectionService,
        workspace_id: int,
        loop: asyncio.AbstractEventLoop,
        credentials: Credentials,
    ) -> None:
        self._service = service
        self._workspace_id = workspace_id
        self._loop = loop
        self._credentials = credentials
        self._loop_thread = threading.get_ident()  # built on the loop's thread, in credentials_for

    def __call__(self, request: object, scopes: object = None) -> tuple[str, datetime]:
        if threading.get_ident() == self._loop_thread:
            # Blocking here would deadlock the loop; async callers use credentials_for(rejected_token=...).
            raise google.auth.exceptions.RefreshError(  # type: ignore[no-untyped-call]
                "refresh Google credentials with credentials_for, not on the loop"
            )
        future = asyncio.run_coroutine_threadsafe(
            self._service._access_token(workspace_id=self._workspace_id, rejected_token=self._credentials.token),
            self._loop,
        )
        token = future.result(timeout=_REFRESH_TIMEOUT_SECONDS)
        return token.value, token.expires_at.astimezone(UTC).replace(tzinfo=None)


def _refresh_blocking(credentials: Credentials) -> None:
    import requests
    from google.auth.transport.requests import Request

    with requests.Session() as session:
        credentials.refresh(Request(session=session))  # type: ignore[no-untyped-call]


def _error_code(error: google.auth.exceptions.RefreshError) -> str:
    data = error.args[1] if len(error.args) > 1 else None
    if isinstance(data, dict):
        return str(data.get("error", "unknown"))
    return "unknown"


def _is_invalid_grant(error: google.auth.exceptions.RefreshError) -> bool:
    return _error_code(error) == "invalid_grant"


def google_connections(services: Services) -> GoogleConnectionService:
    """The process's one service (it owns the refresh locks), created on first use and kept on `services`."""
    if services.google is None:
        services.google = GoogleConnectionService(services, slack_client_for=_default_slack_client_for(services))
    return services.google


def _default_slack_client_for(services: Services) -> SlackClientFor:
    async def client_for(workspace_id: int) -> AsyncWebClient | None:
        try:
            return await web_client_for(services=services, workspace_id=workspace_id)
        except WorkspaceNotInstalled:
            logger.info("Workspace %s is not installed: no Slack message sent", workspace_id)
            return None

    return client_for
