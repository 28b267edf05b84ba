"""A workspace's Google credentials: refreshed once at a time, every auth failure classified and logged once, and
"reconnect" only when Google said `invalid_grant`.

`GoogleConnectionService` is the only way code gets Google credentials or the property/site to use, and both
are looked up by the same `workspace_id`, so no path can pair one workspace's property with another's grant.
It is also the one place that decides whether a workspace reads the built-in sample property (`/lookout connect
demo`): `resolve_target` returns the sample target, and `clients_for` answers a sample target with the sample clients,
so the agent, digests and alerts follow the same decision.
One instance lives per process (it holds the per-workspace locks); get it with `google_connections(services)`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from slack_sdk.web.async_client import AsyncWebClient

from bot.google import oauth
from bot.google.problems import (
    GoogleNotConfigured,
    GoogleNotConnected,
    GoogleProblem,
    GoogleTokenRejected,
    GoogleUnavailable,
    NoPropertyChosen,
    ReconnectNeeded,
)
from bot.google.target import GoogleClients, GoogleTarget
from bot.google.tokens import DEFAULT_LIFETIME, AccessToken, WorkspaceCredentials
from bot.platform.slack.clients import WorkspaceNotInstalled, web_client_for
from bot.text import google as messages
from storage.repos import google as repo
from storage.repos.workspaces import get_workspace_by_id
from storage.tables.google import ConnectionStatus, GoogleConnection

if TYPE_CHECKING:
    from bot.google.sample import SampleGoogle
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

LEASE_LENGTH = timedelta(seconds=45)
_LEASE_POLL_SECONDS = 0.2
# What an operator should check, by failure class (the log line's tail).
_OPERATOR_HINTS = {
    "invalid_grant": "the grant was revoked or expired; the workspace must reconnect Google",
    "invalid_client": "check GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_TOKEN_URL on this server",
    "transient": "Google's token endpoint failed or was slow; retried on the next request",
    "clock": "check this server's clock (NTP) and what answers at GOOGLE_TOKEN_URL",
}

SlackClientFor = Callable[[int], Awaitable[AsyncWebClient | None]]
"""Given a workspace id, a Web API client authorised for it (None when the workspace has no usable install)."""


def _usable(connection: GoogleConnection | None) -> GoogleConnection:
    """The workspace's connection, or `GoogleNotConnected` / `ReconnectNeeded` when it cannot be used."""
    if connection is None:
        raise GoogleNotConnected
    if connection.status != ConnectionStatus.HEALTHY.value:
        raise ReconnectNeeded
    return connection


class GoogleConnectionService:
    """Credentials and targets for every workspace of this process."""

    def __init__(self, services: Services, *, slack_client_for: SlackClientFor | None = None) -> None:
        self._services = services
        self._slack_client_for = slack_client_for
        self._locks: dict[int, asyncio.Lock] = {}
        self._owner = uuid.uuid4().hex  # this process's name on the refresh lease
        self._failing: dict[int, str] = {}  # workspace → the auth failure class last logged for it
        self._sample: SampleGoogle | None = None
        # Each workspace's SDK clients with the token and loop they were built for, least recently used first.
        self._clients: OrderedDict[int, tuple[str, asyncio.AbstractEventLoop, GoogleClients]] = OrderedDict()

    @property
    def sample(self) -> SampleGoogle:
        """The Demo Store, created on first use: a process with no sample workspace never imports or builds it."""
        if self._sample is None:
            from bot.google.sample import SampleGoogle

            self._sample = SampleGoogle(clock=self._services.clock)
        return self._sample

    # --- Credentials -------------------------------------------------------------------------------------

    async def credentials_for(self, *, workspace_id: int, rejected_token: str | None = None) -> WorkspaceCredentials:
        """Credentials whose access token is usable now, renewed through this service whenever it is due.

        Raises `GoogleNotConfigured`, `GoogleNotConnected`, `ReconnectNeeded` (Google said `invalid_grant`; the
        person who connected has been told once), `GoogleClientRejected`, `GoogleTokenRejected` or
        `GoogleUnavailable`. Pass `rejected_token` when Google answered 401 to that token, to force a new one.
        The credentials carry no refresh token: a Google client library that wants a new token calls back here
        (from its worker thread), so refreshing stays one at a time.
        """
        token = await self._access_token(workspace_id=workspace_id, rejected_token=rejected_token)

        async def renew(held: str | None) -> AccessToken:
            return await self._access_token(workspace_id=workspace_id, rejected_token=held)

        return WorkspaceCredentials(token, renew=renew, clock=self._services.clock, loop=asyncio.get_running_loop())

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

    def _stored_token(self, connection: GoogleConnection) -> AccessToken | None:
        expires_at = repo.as_utc(connection.access_token_expires_at)
        if connection.access_token_enc is None or expires_at is None:
            return None
        issued_at = repo.as_utc(connection.access_token_issued_at) or expires_at - DEFAULT_LIFETIME
        value = self._services.cipher.decrypt(connection.access_token_enc)
        return AccessToken(value=value, issued_at=issued_at, expires_at=expires_at)

    async def _access_token(self, *, workspace_id: int, rejected_token: str | None) -> AccessToken:
        """A usable token: the stored one while it is not due (and not the rejected one), else a renewed one.

        Renewal is single-flight: one coroutine per workspace in this process (the lock), one process at a time
        (the lease in the database). A caller that waited while someone else renewed takes that token, whatever
        its lifetime, instead of renewing again; a renewal's own token is returned even if it is already due.
        """
        connection = await self._load(workspace_id)
        stored = self._stored_token(connection)
        if rejected_token is not None and stored is not None and stored.value == rejected_token:
            self._note_rejected(workspace_id, stored)
        if stored is not None and stored.value != rejected_token and not stored.due(self._services.clock()):
            return stored
        seen = connection.access_token_enc
        async with self._lock(workspace_id):
            deadline = time.monotonic() + LEASE_LENGTH.total_seconds() * 2
            while True:
                connection = await self._load(workspace_id)
                stored = self._stored_token(connection)
                if stored is not None and stored.value != rejected_token:
                    renewed_meanwhile = connection.access_token_enc != seen
                    if renewed_meanwhile or not stored.due(self._services.clock()):
                        return stored
                now = self._services.clock()
                async with self._services.database.session() as session:
                    leased = await repo.acquire_refresh_lease(
                        session=session,
                        workspace_id=workspace_id,
                        owner=self._owner,
                        now=now,
                        until=now + LEASE_LENGTH,
                        token_enc=connection.access_token_enc,  # no lease if it changed since the load above
                    )
                if leased:
                    return await self._refresh(connection)
                if time.monotonic() > deadline:
                    problem = GoogleUnavailable("another process held the refresh lease too long")
                    self._log_failure(workspace_id, problem)
                    raise problem
                # Someone else is refreshing: their token will appear in the row (or their lease will lapse).
                await asyncio.sleep(_LEASE_POLL_SECONDS)

    async def _refresh(self, connection: GoogleConnection) -> AccessToken:
        workspace_id = connection.workspace_id
        cipher = self._services.cipher
        issued_at = self._services.clock()
        try:
            answer = await oauth.refresh_access_token(
                self._services, refresh_token=cipher.decrypt(connection.refresh_token_enc)
            )
        except ReconnectNeeded as problem:
            self._log_failure(workspace_id, problem)
            # Marking the grant dead also drops the lease, in one statement: no other process can slip in
            # between and try the dead refresh token again.
            await self._grant_is_dead(connection)
            raise
        except BaseException as error:
            await self._release(workspace_id)
            if isinstance(error, GoogleProblem):
                self._log_failure(workspace_id, error)
            raise
        token = AccessToken(
            value=answer.access_token, issued_at=issued_at, expires_at=issued_at + timedelta(seconds=answer.expires_in)
        )
        dead_on_arrival = token.expires_at <= self._services.clock()
        if dead_on_arrival:
            # Still used (Google says it is valid), but an operator should know why tokens never last.
            self._log_failure(
                workspace_id,
                GoogleTokenRejected(f"token endpoint issued a token already expired (expires_in={answer.expires_in})"),
            )
        rotated = answer.refresh_token
        new_refresh = None
        if rotated and rotated != cipher.decrypt(connection.refresh_token_enc):
            new_refresh = cipher.encrypt(rotated)
        async with self._services.database.session() as session:
            stored = await repo.store_refreshed_token(
                session=session,
                workspace_id=workspace_id,
                owner=self._owner,
                access_token_enc=cipher.encrypt(token.value),
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                refresh_token_enc=new_refresh,
                now=self._services.clock(),
            )
        if not stored:
            # Our lease lapsed mid-refresh and someone else took over; the token is still valid to use.
            logger.info("Google refresh lease for workspace %s lapsed before the token was stored", workspace_id)
        if not dead_on_arrival:
            self._log_recovery(workspace_id)
        return token

    async def _release(self, workspace_id: int) -> None:
        async with self._services.database.session() as session:
            await repo.release_refresh_lease(session=session, workspace_id=workspace_id, owner=self._owner)

    def _note_rejected(self, workspace_id: int, token: AccessToken) -> None:
        """Google answered 401 to the stored token: expected once it is past `expires_at` by Google's clock, a sign
        of a skewed clock (or a lying token endpoint) while ours says it is not even due."""
        if not token.due(self._services.clock()):
            self._log_failure(
                workspace_id, GoogleTokenRejected("Google rejected an access token this server considers fresh")
            )

    def _log_failure(self, workspace_id: int, problem: GoogleProblem) -> None:
        """One warning per workspace each time the kind of failure changes (no token or secret in it)."""
        if self._failing.get(workspace_id) == problem.failure:
            return
        self._failing[workspace_id] = problem.failure
        logger.warning(
            "Google auth failed for workspace %s [%s]: %s — %s",
            workspace_id,
            problem.failure,
            problem.detail or problem.key,
            _OPERATOR_HINTS.get(problem.failure, ""),
        )

    def _log_recovery(self, workspace_id: int) -> None:
        was = self._failing.pop(workspace_id, None)
        if was is not None:
            logger.info("Google auth works again for workspace %s (was failing: %s)", workspace_id, was)

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
        logger.info("Workspace %s marked needs-reconnect; telling %s", workspace_id, connection.connected_by_user_id)
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
        """The property and site this channel uses: the sample property when the workspace chose it, else the
        channel's own choice field by field, else the workspace default.

        Raises `GoogleNotConfigured`, `GoogleNotConnected`, `ReconnectNeeded` or `NoPropertyChosen` (neither a
        property nor a site is chosen). A target may still lack one of the two: use `require_property()` for the
        property.
        """
        async with self._services.database.session() as session:
            setup = await repo.get_channel_setup(session=session, workspace_id=workspace_id, channel_id=channel_id)
        if setup.sample_since is not None:
            # Needs no Google set-up at all: a team can try Lookout before an operator configures OAuth.
            return self.sample.target(workspace_id=workspace_id)
        if not self._services.settings.google_configured:
            raise GoogleNotConfigured
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

    async def clients_for(self, *, target: GoogleTarget) -> GoogleClients:
        """The GA4 and Search Console clients that read `target`: the sample property's in-process clients for a
        sample target, else clients on the workspace's own grant (same errors as `credentials_for`).

        A workspace's clients are built once and shared by its answers, digests and checks while their token is the
        one `credentials_for` gives now (they renew it themselves as it expires): building them (the GA4 client,
        Search Console's discovery document) cost more than a question's own work against fast fakes. A new token
        for another reason (a reconnect, a rejected token) builds new ones, so no request uses a grant that was
        replaced. At most `lookout_google_clients_kept` workspaces' clients are kept.
        """
        if target.sample:
            return self.sample.clients()
        credentials = await self.credentials_for(workspace_id=target.workspace_id)
        loop = asyncio.get_running_loop()
        kept = self._clients.get(target.workspace_id)
        if kept is not None and kept[0] == credentials.token and kept[1] is loop:
            self._clients.move_to_end(target.workspace_id)
            return kept[2]
        settings = self._services.settings
        clients = GoogleClients.for_grant(
            credentials,
            ga4_url=settings.ga4_data_api_url,
            gsc_url=settings.search_console_api_url,
            runtime=self._services.google_runtime,
            admin_url=settings.ga4_admin_api_url,
        )
        self._clients[target.workspace_id] = (str(credentials.token), loop, clients)
        self._clients.move_to_end(target.workspace_id)
        while len(self._clients) > settings.lookout_google_clients_kept:
            self._clients.popitem(last=False)
        return clients


# One service per `Services` (per process): it owns the per-workspace refresh locks, so two would race. Kept here,
# beside the class, rather than on `Services`, which sits below every feature and must not know this one.
_BY_SERVICES: WeakKeyDictionary[Services, GoogleConnectionService] = WeakKeyDictionary()


def google_connections(services: Services) -> GoogleConnectionService:
    """The process's one service (it owns the refresh locks), created on first use."""
    service = _BY_SERVICES.get(services)
    if service is None:
        service = GoogleConnectionService(services, slack_client_for=_default_slack_client_for(services))
        _BY_SERVICES[services] = service
    return service


def _default_slack_client_for(services: Services) -> SlackClientFor:
    async def client_for(workspace_id: int) -> AsyncWebClient | None:
        try:
            return await web_client_for(services=services, workspace_id=workspace_id)
        except WorkspaceNotInstalled:
            logger.info("Workspace %s is not installed: no Slack message sent", workspace_id)
            return None

    return client_for
