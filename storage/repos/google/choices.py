"""Which GA4 property and Search Console site a channel uses, or the workspace as a whole (`DEFAULT_CHANNEL`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.repos.google.connection import get_connection, sample_data_since
from storage.tables.google import GoogleChoice, GoogleConnection

DEFAULT_CHANNEL = ""  # the `channel_id` of the workspace-wide choice


async def get_choice(*, session: AsyncSession, workspace_id: int, channel_id: str) -> GoogleChoice | None:
    result = await session.execute(
        select(GoogleChoice).where(
            col(GoogleChoice.workspace_id) == workspace_id, col(GoogleChoice.channel_id) == channel_id
        )
    )
    return result.scalar_one_or_none()


@dataclass(frozen=True)
class ChannelSetup:
    """What decides where a channel's answers come from: the connection, the workspace default and its own choice."""

    connection: GoogleConnection | None
    default: GoogleChoice | None
    own: GoogleChoice | None  # None for no channel, or a channel with no choice of its own
    sample_since: datetime | None = None  # on the built-in sample property since then (it wins over the rest)


async def get_channel_setup(*, session: AsyncSession, workspace_id: int, channel_id: str | None) -> ChannelSetup:
    return ChannelSetup(
        sample_since=await sample_data_since(session=session, workspace_id=workspace_id),
        connection=await get_connection(session=session, workspace_id=workspace_id),
        default=await get_choice(session=session, workspace_id=workspace_id, channel_id=DEFAULT_CHANNEL),
        own=await get_choice(session=session, workspace_id=workspace_id, channel_id=channel_id) if channel_id else None,
    )


async def list_choices(*, session: AsyncSession, workspace_id: int) -> list[GoogleChoice]:
    result = await session.execute(
        select(GoogleChoice)
        .where(col(GoogleChoice.workspace_id) == workspace_id)
        .order_by(col(GoogleChoice.channel_id))
    )
    return list(result.scalars().all())


async def _choice_row(*, session: AsyncSession, workspace_id: int, channel_id: str) -> GoogleChoice:
    existing = await get_choice(session=session, workspace_id=workspace_id, channel_id=channel_id)
    if existing is not None:
        return existing
    row = GoogleChoice(workspace_id=workspace_id, channel_id=channel_id)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = await get_choice(session=session, workspace_id=workspace_id, channel_id=channel_id)
        assert found is not None  # created by a concurrent chooser
        return found
    return row


async def set_property(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    property_id: str,
    property_name: str | None,
    timezone: str | None,
    currency: str | None,
    chosen_by_user_id: str,
    now: datetime,
) -> GoogleChoice:
    row = await _choice_row(session=session, workspace_id=workspace_id, channel_id=channel_id)
    row.property_id = property_id
    row.property_name = property_name
    row.property_timezone = timezone
    row.property_currency = currency
    row.chosen_by_user_id = chosen_by_user_id
    row.updated_at = now
    await session.flush()
    return row


async def set_site(
    *,
    session: AsyncSession,
    workspace_id: int,
    channel_id: str,
    site_url: str,
    chosen_by_user_id: str,
    now: datetime,
) -> GoogleChoice:
    row = await _choice_row(session=session, workspace_id=workspace_id, channel_id=channel_id)
    row.site_url = site_url
    row.chosen_by_user_id = chosen_by_user_id
    row.updated_at = now
    await session.flush()
    return row


async def delete_choice(*, session: AsyncSession, workspace_id: int, channel_id: str) -> None:
    await session.execute(
        delete(GoogleChoice).where(
            col(GoogleChoice.workspace_id) == workspace_id, col(GoogleChoice.channel_id) == channel_id
        )
    )
