"""Slack bot-token rotation, one refresh at a time per workspace across coroutines and replicas.

Slack accepts a refresh token once: two processes refreshing the same workspace together would leave one of them
(and the database, if it saved last) with a dead token. So a refresh takes a per-workspace `asyncio.Lock` in this
process and a lease row in the database across processes, and whoever waited re-reads the installation and uses
the token the winner saved instead of refreshing again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.slack.installation_store import read_bot_credentials
from storage.repos import installations
from storage.repos.installations import BotCredentials

if TYPE_CHECKING:
    from collections.abc import Callable

    from storage.crypto import TokenCipher
    from storage.db import Database

logger = logging.getLogger(__name__)

# Longer than one oauth.v2.access call can take (30 s timeout, a retried dropped connection): a live holder
# keeps it, a crashed one frees it soon.
LEASE_LENGTH = timedelta(seconds=75)
_LEASE_POLL_SECONDS = 0.2


class RotationUnavailable(SlackTokenRotationError):
    """No token could be had: the installation is gone, or another replica held the lease for too long.

    A `SlackTokenRotationError`, so bolt's authorize treats it like a failed refresh (the request goes unanswered).
    """

    def __init__(self, reason: str) -> None:
        Exception.__init__(self, reason)


class TokenRefreshLocks:
    """This process's per-workspace refresh locks and its name on the database lease (one per `Services`)."""

    def __init__(self) -> None:
        self.owner = uuid.uuid4().hex
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def lock(self, *, enterprise_id: str | None, team_id: str | None) -> asyncio.Lock:
        key = (enterprise_id or "", team_id or "")
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


class SingleFlightTokenRotator(AsyncTokenRotator):
    """slack_sdk's rotator, made single-flight per workspace; it saves what it refreshed before letting go.

    Used by bolt's authorize (incoming requests) and by `web_client_for` (posts no request triggered), so both
    paths share the same locks and lease. Returns None when the token is still fresh, else the bot with the
    token to use: one this call refreshed, or one another coroutine or replica refreshed meanwhile.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        client: AsyncWebClient,
        database: Database,
        cipher: TokenCipher,
        locks: TokenRefreshLocks,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self._database = database
        self._cipher = cipher
        self._locks = locks
        self._clock = clock

    async def perform_bot_token_rotation(self, *, bot: Bot, minutes_before_expiration: int = 120) -> Bot | None:
        if not _expires_soon(bot.bot_token_expires_at, minutes_before_expiration):
            return None
        async with self._locks.lock(enterprise_id=bot.enterprise_id, team_id=bot.team_id):
            deadline = time.monotonic() + LEASE_LENGTH.total_seconds() * 2
            while True:
                current = await self._read(bot)
                if _settled(current, asked=bot, minutes=minutes_before_expiration):
                    return _answer(current, asked=bot)
                assert current is not None and current.workspace.id is not None
                workspace_id = current.workspace.id
                now = self._clock()
                async with self._database.session() as session:
                    leased = await installations.acquire_token_refresh_lease(
                        session=session,
                        workspace_id=workspace_id,
                        owner=self._locks.owner,
                        now=now,
                        until=now + LEASE_LENGTH,
                    )
                if leased:
                    return await self._refresh_under_lease(workspace_id, asked=bot, minutes=minutes_before_expiration)
                if time.monotonic() > deadline:
                    raise RotationUnavailable("another process holds the token refresh lease")
                # Another replica is refreshing: its token will appear in the row (or its lease will lapse).
                await asyncio.sleep(_LEASE_POLL_SECONDS)

    async def _read(self, bot: Bot) -> BotCredentials | None:
        return await read_bot_credentials(
            database=self._database,
            cipher=self._cipher,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            is_enterprise_install=bot.is_enterprise_install,
        )

    async def _refresh_under_lease(self, workspace_id: int, *, asked: Bot, minutes: int) -> Bot | None:
        try:
            # Read again now that the lease is ours: the previous holder may have stored its token between our
            # last read and the lease, and its refresh token is already spent.
            current = await self._read(asked)
            if _settled(current, asked=asked, minutes=minutes):
                return _answer(current, asked=asked)
            assert current is not None
            refreshed = await super().perform_bot_token_rotation(
                bot=_to_bot(current, like=asked), minutes_before_expiration=minutes
            )
            if refreshed is None:
                return None
            assert refreshed.bot_token_expires_at is not None  # slack_sdk sets it from `expires_in`
            async with self._database.session() as session:
                saved = await installations.store_rotated_bot_token(
                    session=session,
                    cipher=self._cipher,
                    workspace_id=workspace_id,
                    bot_token=refreshed.bot_token,
                    bot_refresh_token=refreshed.bot_refresh_token,
                    bot_token_expires_at=datetime.fromtimestamp(refreshed.bot_token_expires_at, UTC),
                )
            if saved:
                logger.info("rotated the bot token of workspace %s", workspace_id)
            else:
                logger.warning(
                    "the rotated bot token of workspace %s was not saved: a newer one is stored", workspace_id
                )
            return refreshed
        finally:
            # Saved first, released second: whoever takes the lease next finds the new token already stored.
            async with self._database.session() as session:
                await installations.release_token_refresh_lease(
                    session=session, workspace_id=workspace_id, owner=self._locks.owner
                )


def _settled(current: BotCredentials | None, *, asked: Bot, minutes: int) -> bool:
    """True when no refresh is needed: the installation is gone, was rotated by someone else, or is still fresh."""
    if current is None or current.bot_token != asked.bot_token:
        return True
    return not _expires_soon(_epoch(current.bot_token_expires_at), minutes)


def _answer(current: BotCredentials | None, *, asked: Bot) -> Bot | None:
    """What a settled rotation returns: the other refresher's token, or None (keep the token you have)."""
    if current is None:
        raise RotationUnavailable("the installation is gone")
    if current.bot_token != asked.bot_token:
        return _to_bot(current, like=asked)
    return None


def _expires_soon(expires_at: int | None, minutes: int) -> bool:
    return expires_at is not None and expires_at <= time.time() + minutes * 60


def _epoch(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _to_bot(found: BotCredentials, *, like: Bot) -> Bot:
    """The stored credentials as a `Bot`, keeping the identity fields of the one we were asked about."""
    copied = Bot(**like.to_dict_for_copying())
    copied.bot_token = found.bot_token
    copied.bot_refresh_token = found.bot_refresh_token
    copied.bot_token_expires_at = _epoch(found.bot_token_expires_at)
    return copied
