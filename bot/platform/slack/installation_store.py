"""bolt's installation and OAuth-state stores, backed by our tables (tokens encrypted with the TokenCipher)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from storage.crypto import TokenCipher
from storage.db import Database
from storage.repos import installations
from storage.repos.installations import BotCredentials
from storage.repos.workspaces import get_workspace
from storage.tables.base import utcnow

logger = logging.getLogger(__name__)

OAUTH_STATE_LIFETIME = timedelta(minutes=10)


def _expires_at(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


class DatabaseInstallationStore(AsyncInstallationStore):
    """One bot installation per workspace. Only bot tokens are kept: Lookout never asks for user scopes."""

    def __init__(self, *, database: Database, cipher: TokenCipher) -> None:
        self._database = database
        self._cipher = cipher

    @property
    def logger(self) -> logging.Logger:
        return logger

    async def async_save(self, installation: Installation) -> None:
        await self._save(
            enterprise_id=installation.enterprise_id,
            team_id=installation.team_id,
            team_name=installation.team_name or "",
            bot_token=installation.bot_token,
            bot_refresh_token=installation.bot_refresh_token,
            bot_token_expires_at=installation.bot_token_expires_at,
            app_id=installation.app_id,
            bot_id=installation.bot_id,
            bot_user_id=installation.bot_user_id,
            bot_scopes=installation.bot_scopes,
            installer_user_id=installation.user_id,
            is_enterprise_install=bool(installation.is_enterprise_install),
        )

    async def async_save_bot(self, bot: Bot) -> None:
        """Save a rotated bot token; one rotated earlier never replaces a later one (its refresh token is spent).

        bolt's authorize calls this after every rotation, which `SingleFlightTokenRotator` has already saved.
        """
        if bot.bot_token_expires_at is not None:
            async with self._database.session() as session:
                team_id = None if bot.is_enterprise_install else bot.team_id
                workspace = await get_workspace(session=session, enterprise_id=bot.enterprise_id, team_id=team_id)
                if workspace is not None and workspace.id is not None:
                    await installations.store_rotated_bot_token(
                        session=session,
                        cipher=self._cipher,
                        workspace_id=workspace.id,
                        bot_token=bot.bot_token,
                        bot_refresh_token=bot.bot_refresh_token,
                        bot_token_expires_at=datetime.fromtimestamp(bot.bot_token_expires_at, UTC),
                    )
            return
        await self._save(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name or "",
            bot_token=bot.bot_token,
            bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=bot.bot_token_expires_at,
            app_id=bot.app_id,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            installer_user_id=None,
            is_enterprise_install=bool(bot.is_enterprise_install),
        )

    async def _save(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        team_name: str,
        bot_token: str | None,
        bot_refresh_token: str | None,
        bot_token_expires_at: int | None,
        app_id: str | None,
        bot_id: str | None,
        bot_user_id: str | None,
        bot_scopes: Any,
        installer_user_id: str | None,
        is_enterprise_install: bool,
    ) -> None:
        if bot_token is None:
            # Lookout installs as a bot; an installation without a bot token would be unusable.
            logger.warning("ignoring a Slack installation without a bot token (team %s)", team_id)
            return
        scopes = ",".join(bot_scopes) if isinstance(bot_scopes, list | tuple) else str(bot_scopes or "")
        async with self._database.session() as session:
            await installations.save_installation(
                session=session,
                cipher=self._cipher,
                enterprise_id=enterprise_id,
                team_id=None if is_enterprise_install else team_id,
                team_name=team_name,
                bot_token=bot_token,
                bot_refresh_token=bot_refresh_token,
                bot_token_expires_at=_expires_at(bot_token_expires_at),
                app_id=app_id,
                bot_id=bot_id,
                bot_user_id=bot_user_id,
                bot_scopes=scopes,
                installer_user_id=installer_user_id,
                is_enterprise_install=is_enterprise_install,
            )

    async def _credentials(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> BotCredentials | None:
        return await read_bot_credentials(
            database=self._database,
            cipher=self._cipher,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self._credentials(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return None if found is None else to_bot(found)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await self._credentials(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if found is None or (user_id is not None and user_id != found.installer_user_id):
            return None
        return Installation(
            app_id=found.app_id,
            enterprise_id=found.workspace.enterprise_id or None,
            team_id=found.workspace.team_id or None,
            team_name=found.workspace.name,
            bot_token=found.bot_token,
            bot_id=found.bot_id,
            bot_user_id=found.bot_user_id,
            bot_scopes=found.bot_scopes,
            bot_refresh_token=found.bot_refresh_token,
            bot_token_expires_at=found.bot_token_expires_at,
            user_id=found.installer_user_id or "",
            is_enterprise_install=found.is_enterprise_install,
            installed_at=found.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self._database.session() as session:
            workspace = await get_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
            if workspace is not None and workspace.id is not None:
                await installations.delete_installation(session=session, workspace_id=workspace.id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


async def read_bot_credentials(
    *,
    database: Database,
    cipher: TokenCipher,
    enterprise_id: str | None,
    team_id: str | None,
    is_enterprise_install: bool | None,
) -> BotCredentials | None:
    """The installed workspace's bot credentials, read in a session of their own; an org-wide install has no team."""
    async with database.session() as session:
        return await installations.find_bot_credentials(
            session=session,
            cipher=cipher,
            enterprise_id=enterprise_id,
            team_id=None if is_enterprise_install else team_id,
        )


def to_bot(found: BotCredentials) -> Bot:
    return Bot(
        app_id=found.app_id,
        enterprise_id=found.workspace.enterprise_id or None,
        team_id=found.workspace.team_id or None,
        team_name=found.workspace.name,
        bot_token=found.bot_token,
        bot_id=found.bot_id or "",
        bot_user_id=found.bot_user_id or "",
        bot_scopes=found.bot_scopes,
        bot_refresh_token=found.bot_refresh_token,
        bot_token_expires_at=found.bot_token_expires_at,
        is_enterprise_install=found.is_enterprise_install,
        installed_at=found.installed_at,
    )


class DatabaseOAuthStateStore(AsyncOAuthStateStore):
    """Single-use, expiring `state` values for "Add to Slack", shared by every replica through the database."""

    def __init__(self, *, database: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._database = database
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        async with self._database.session() as session:
            await installations.issue_oauth_state(
                session=session, state=state, expires_at=self._clock() + OAUTH_STATE_LIFETIME
            )
        return state

    async def async_consume(self, state: str) -> bool:
        async with self._database.session() as session:
            return await installations.consume_oauth_state(session=session, state=state, now=self._clock())
