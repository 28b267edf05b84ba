"""Creating, changing and removing a channel's digest or alerts: the one path behind `/lookout` and App Home.

`/lookout digest|alerts|unsubscribe` and App Home's modals and Remove button all end here, so a subscription made
one way behaves exactly like one made the other (same checks, same storage, same defaults).
"""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from storage.repos import schedule as repo
from storage.tables.schedule import DigestCadence, Subscription, SubscriptionKind

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

DEFAULT_TIME = "09:00"
DEFAULT_TIMEZONE = "UTC"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class PostingProblem(StrEnum):
    """Why the bot cannot post in a channel; each surface words it its own way (mrkdwn reply, modal error)."""

    NOT_A_MEMBER = "not_a_member"
    CANNOT_SEE = "cannot_see"
    ARCHIVED = "archived"


async def posting_problem(client: AsyncWebClient, channel_id: str) -> PostingProblem | None:
    """None when the bot can post in the channel; Slack errors other than "can't see it" propagate."""
    try:
        response = await client.conversations_info(channel=channel_id)
    except SlackApiError as error:
        code = error.response.get("error")
        if code in ("channel_not_found", "not_in_channel", "missing_scope"):
            return PostingProblem.CANNOT_SEE
        raise
    info = response.get("channel") or {}
    if info.get("is_archived"):
        return PostingProblem.ARCHIVED
    if not info.get("is_im") and info.get("is_member") is False:
        return PostingProblem.NOT_A_MEMBER
    return None


def valid_time(word: str) -> str | None:
    """24-hour `H:MM` or `HH:MM` as `HH:MM`, else None."""
    match = _TIME.match(word)
    return None if match is None else f"{int(match.group(1)):02d}:{match.group(2)}"


def valid_timezone(word: str) -> str | None:
    """An IANA timezone name (or UTC/GMT) as given, else None."""
    if word.upper() == "UTC":
        return "UTC"
    if "/" not in word and word != "GMT":
        return None
    try:
        ZoneInfo(word)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return word


async def property_timezone(*, services: Services, workspace_id: int, channel_id: str) -> str | None:
    """The GA4 property's timezone for this channel (its own property or the workspace's), when known."""
    # Imported here: subscriptions work without a Google connection (a digest can name its own timezone).
    from bot.google.connection import google_connections
    from bot.google.problems import GoogleProblem

    try:
        target = await google_connections(services).resolve_target(workspace_id=workspace_id, channel_id=channel_id)
    except GoogleProblem:
        return None
    return target.timezone


async def save_subscription(
    *,
    services: Services,
    workspace_id: int,
    channel_id: str,
    kind: SubscriptionKind,
    time_of_day: str,
    timezone: str,
    sensitivity: str,
    user_id: str,
    replaces: int | None = None,
    cadence: DigestCadence = DigestCadence.DAILY,
    weekday: int = 0,
    kpis: str | None = None,
    rollup: bool = False,
    properties: str = "",
) -> Subscription:
    """Create or update the channel's subscription of this kind (one per channel and kind, and per cadence for
    digests: a channel may have a daily and a weekly digest). `kpis` None keeps the KPIs chosen before; `rollup`
    makes the digest a roll-up of `properties` (ids; "" = every one the Google connection lists).

    `replaces` is the subscription being edited: when the edit moved it to another channel, the old one goes in
    the same transaction, so the workspace never has both or neither.
    """
    async with services.database.session() as session:
        subscription = await repo.upsert_subscription(
            session=session,
            workspace_id=workspace_id,
            channel_id=channel_id,
            kind=kind,
            time_of_day=time_of_day,
            timezone=timezone,
            sensitivity=sensitivity,
            created_by=user_id,
            now=services.clock(),
            cadence=cadence,
            weekday=weekday,
            kpis=kpis,
            rollup=rollup,
            properties=properties,
        )
        if replaces is not None and replaces != subscription.id:
            await repo.delete_subscription(session=session, workspace_id=workspace_id, subscription_id=replaces)
    logger.info("%s subscription saved for workspace %s", kind.value, workspace_id)
    return subscription


async def remove_subscription(*, services: Services, workspace_id: int, subscription_id: int) -> Subscription | None:
    """Remove one subscription; returns what was removed, None when it was already gone (or not this workspace's)."""
    async with services.database.session() as session:
        found = await repo.get_subscription(session=session, workspace_id=workspace_id, subscription_id=subscription_id)
        if found is None:
            return None
        await repo.delete_subscription(session=session, workspace_id=workspace_id, subscription_id=subscription_id)
    return found


async def remove_channel(*, services: Services, workspace_id: int, channel_id: str) -> int:
    """Remove the channel's digest and alerts; returns how many there were."""
    async with services.database.session() as session:
        return await repo.delete_channel_subscriptions(
            session=session, workspace_id=workspace_id, channel_id=channel_id
        )


async def list_subscriptions(*, services: Services, workspace_id: int) -> list[Subscription]:
    async with services.database.session() as session:
        return await repo.list_subscriptions(session=session, workspace_id=workspace_id)
