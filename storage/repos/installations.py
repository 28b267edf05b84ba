"""Slack installations (bot tokens, encrypted) and the single-use OAuth states of the "Add to Slack" flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.crypto import TokenCipher
from storage.repos.workspaces import ensure_workspace, get_workspace
from storage.tables.base import aware_utc, rowcount
from storage.tables.core import SlackInstallation, SlackOAuthState, Workspace


@dataclass(frozen=True, kw_only=True)
class BotCredentials:
    """A workspace's decrypted bot credentials, as the Slack layer needs them."""

    workspace: Workspace
    bot_token: str
    bot_refresh_token: str | None
    bot_token_expires_at: datetime | None
    app_id: str | None
    bot_id: str | None
    bot_user_id: str | None
    bot_scopes: str
    installer_user_id: str | None
    is_enterprise_install: bool
    installed_at: datetime


async def save_installation(
    *,
    session: AsyncSession,
    cipher: TokenCipher,
    enterprise_id: str | None,
    team_id: str | None,
    team_name: str,
    bot_token: str,
    bot_refresh_token: str | None,
    bot_token_expires_at: datetime | None,
    app_id: str | None,
    bot_id: str | None,
    bot_user_id: str | None,
    bot_scopes: str,
    installer_user_id: str | None,
    is_enterprise_install: bool,
) -> SlackInstallation:
    """Create or replace the workspace's installation; tokens are encrypted before they touch the session."""
    workspace = await ensure_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id, name=team_name)
    assert workspace.id is not None
    await session.flush()
    existing = (
        await session.execute(select(SlackInstallation).where(col(SlackInstallation.workspace_id) == workspace.id))
    ).scalar_one_or_none()
    installation = existing or SlackInstallation(workspace_id=workspace.id, bot_token_enc="")
    installation.bot_token_enc = cipher.encrypt(bot_token)
    installation.bot_refresh_token_enc = cipher.encrypt_optional(bot_refresh_token)
    installation.bot_token_expires_at = bot_token_expires_at
    installation.app_id = app_id
    installation.bot_id = bot_id
    installation.bot_user_id = bot_user_id
    installation.bot_scopes = bot_scopes
    if installer_user_id is not None:
        installation.installer_user_id = installer_user_id
    installation.is_enterprise_install = is_enterprise_install
    session.add(installation)
    await session.flush()
    return installation


async def find_bot_credentials(
    *, session: AsyncSession, cipher: TokenCipher, enterprise_id: str | None, team_id: str | None
) -> BotCredentials | None:
    """The installed workspace's credentials; None when it is unknown, uninstalled or has no installation."""
    workspace = await get_workspace(session=session, enterprise_id=enterprise_id, team_id=team_id)
    if workspace is None or workspace.id is None or workspace.uninstalled_at is not None:
        return None
    return await bot_credentials_for_workspace(session=session, cipher=cipher, workspace=workspace)


async def bot_credentials_for_workspace(
    *, session: AsyncSession, cipher: TokenCipher, workspace: Workspace
) -> BotCredentials | None:
    installation = (
        await session.execute(select(SlackInstallation).where(col(SlackInstallation.workspace_id) == workspace.id))
    ).scalar_one_or_none()
    if installation is None:
        return None
    return BotCredentials(
        workspace=workspace,
        bot_token=cipher.decrypt(installation.bot_token_enc),
        bot_refresh_token=cipher.decrypt_optional(installation.bot_refresh_token_enc),
        bot_token_expires_at=None
        if installation.bot_token_expires_at is None
        else aware_utc(installation.bot_token_expires_at),
        app_id=installation.app_id,
        bot_id=installation.bot_id,
        bot_user_id=installation.bot_user_id,
        bot_scopes=installation.bot_scopes,
        installer_user_id=installation.installer_user_id,
        is_enterprise_install=installation.is_enterprise_install,
        installed_at=aware_utc(installation.installed_at),
    )


async def acquire_token_refresh_lease(
    *, session: AsyncSession, workspace_id: int, owner: str, now: datetime, until: datetime
) -> bool:
    """Take the right to rotate this workspace's bot token until `until`; False when someone else holds it."""
    result = await session.execute(
        update(SlackInstallation)
        .where(
            col(SlackInstallation.workspace_id) == workspace_id,
            or_(
                col(SlackInstallation.refresh_lease_until).is_(None),
                col(SlackInstallation.refresh_lease_until) < now,
            ),
        )
        .values(refresh_lease_owner=owner, refresh_lease_until=until)
    )
    return rowcount(result) == 1


async def release_token_refresh_lease(*, session: AsyncSession, workspace_id: int, owner: str) -> None:
    await session.execute(
        update(SlackInstallation)
        .where(
            col(SlackInstallation.workspace_id) == workspace_id,
            col(SlackInstallation.refresh_lease_owner) == owner,
        )
        .values(refresh_lease_owner=None, refresh_lease_until=None)
    )


async def store_rotated_bot_token(
    *,
    session: AsyncSession,
    cipher: TokenCipher,
    workspace_id: int,
    bot_token: str,
    bot_refresh_token: str | None,
    bot_token_expires_at: datetime,
) -> bool:
    """Save a rotated bot token unless the stored one lives as long or longer; False when nothing was saved.

    A token that was rotated earlier can never overwrite a later one (its refresh token is already spent), so a
    late or repeated save of the same rotation is harmless.
    """
    result = await session.execute(
        update(SlackInstallation)
        .where(
            col(SlackInstallation.workspace_id) == workspace_id,
            or_(
                col(SlackInstallation.bot_token_expires_at).is_(None),
                col(SlackInstallation.bot_token_expires_at) < bot_token_expires_at,
            ),
        )
        .values(
            bot_token_enc=cipher.encrypt(bot_token),
            bot_refresh_token_enc=cipher.encrypt_optional(bot_refresh_token),
            bot_token_expires_at=bot_token_expires_at,
        )
    )
    return rowcount(result) == 1


async def delete_installation(*, session: AsyncSession, workspace_id: int) -> None:
    """Forget the bot token only (the workspace and its data stay)."""
    await session.execute(delete(SlackInstallation).where(col(SlackInstallation.workspace_id) == workspace_id))


async def issue_oauth_state(*, session: AsyncSession, state: str, expires_at: datetime) -> None:
    session.add(SlackOAuthState(state=state, expires_at=expires_at))


async def consume_oauth_state(*, session: AsyncSession, state: str, now: datetime) -> bool:
    """True once for a known, unexpired state; the row is deleted either way so it can never be replayed."""
    result = await session.execute(
        delete(SlackOAuthState).where(col(SlackOAuthState.state) == state).returning(col(SlackOAuthState.expires_at))
    )
    expires_at = result.scalar_one_or_none()
    await session.execute(delete(SlackOAuthState).where(col(SlackOAuthState.expires_at) < now))
    if expires_at is None:
        return False
    return aware_utc(expires_at) > now
