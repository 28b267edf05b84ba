"""Posting a scheduled message exactly once: claim, build, re-check the claim, post, mark posted.

The window that claims alone cannot close is a claimant dying after Slack accepted the message but before the
claim was marked posted. Every scheduled message therefore carries Slack message metadata naming its
(subscription, period); whoever takes over a stale claim first looks for that message in the channel and only
posts when it is not there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduler.limits import ChannelPacer
from storage.db import Database
from storage.repos.schedule import Claim, ClaimStatus, claim_post, mark_posted, release_claim, renew_claim

log = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "lookout_scheduled_post"

# Slack errors that no retry will fix: the period ends without a post.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "token_revoked",
        "invalid_auth",
        "not_authed",
        "missing_scope",
        "restricted_action",
        "msg_too_long",
        "invalid_blocks",
        "team_access_not_granted",
    }
)


@dataclass(frozen=True, kw_only=True)
class SlackPost:
    """A message ready to post where `post_once` is told to. Text and blocks are already escaped by the
    `bot.text` renderers."""

    text: str
    blocks: list[dict[str, Any]] | None = None


class PostResult(StrEnum):
    POSTED = "posted"
    FOUND_EARLIER = "found_earlier"  # a claimant that died had posted it; recorded, not re-posted
    ALREADY_DONE = "already_done"
    HELD_ELSEWHERE = "held_elsewhere"
    NOTHING_TO_POST = "nothing_to_post"
    GAVE_UP = "gave_up"  # a permanent Slack error or too many attempts
    FAILED = "failed"  # left claimed; retried once the claim is stale


@dataclass(frozen=True, kw_only=True)
class PostOutcome:
    result: PostResult
    message_ts: str | None = None


@dataclass(frozen=True, kw_only=True)
class _Slot:
    """One (subscription, period) message and where it goes."""

    workspace_id: int
    subscription_id: int
    period: str
    channel_id: str
    thread_ts: str | None


class ClaimedPoster:
    """Posts (subscription, period) messages at most once across processes and restarts, and at least once unless
    Slack refuses permanently or `max_attempts` claimants in a row fail."""

    def __init__(
        self,
        *,
        database: Database,
        clock: Callable[[], datetime],
        claimant: str,
        pacer: ChannelPacer,
        stale_after: timedelta = timedelta(seconds=60),
        max_attempts: int = 3,
        max_sessions: int = 8,
    ) -> None:
        self._database = database
        self._clock = clock
        self.claimant = claimant
        self._pacer = pacer
        self._stale_after = stale_after
        self._max_attempts = max_attempts
        # Claims are tiny transactions; letting hundreds queue on the connection pool at 09:00 only churns
        # connections (and, on SQLite, contends for the one writer), so they take turns here.
        self._gate = asyncio.Semaphore(max_sessions)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        async with self._gate, self._database.session() as session:
            yield session

    async def post_once(
        self,
        *,
        client: AsyncWebClient,
        workspace_id: int,
        subscription_id: int,
        period: str,
        channel_id: str,
        prepare: Callable[[], Awaitable[SlackPost | None]],
        thread_ts: str | None = None,
    ) -> PostOutcome:
        """Post the (subscription, period) message unless it is posted already or being posted elsewhere; `prepare`
        builds it only once the claim is ours (None: nothing to post this period)."""
        slot = _Slot(
            workspace_id=workspace_id,
            subscription_id=subscription_id,
            period=period,
            channel_id=channel_id,
            thread_ts=thread_ts,
        )
        claimed_at = self._clock()
        claim = await self._claim(slot, now=claimed_at)
        if claim.status is ClaimStatus.POSTED:
            return PostOutcome(result=PostResult.ALREADY_DONE)
        if claim.status is ClaimStatus.HELD:
            return PostOutcome(result=PostResult.HELD_ELSEWHERE)
        if claim.status is ClaimStatus.TAKEN_OVER:
            settled = await self._take_over(client, slot=slot, claim=claim)
            if settled is not None:
                return settled
        post = await self._prepare(claim, prepare)
        if post is None:
            return await self._finish(claim, PostResult.NOTHING_TO_POST, None)
        # Renewed, not just checked, when building took long: a successor must not take over (and post again) while
        # this Slack call is on its way. A claim taken less than half of `stale_after` ago cannot have been taken
        # over and leaves the other half for the call, so the usual quick build saves the transaction (one of three
        # per post at 09:00).
        now = self._clock()
        if now - claimed_at >= self._stale_after / 2:
            async with self._session() as session:
                if not await renew_claim(session=session, claim_id=claim.claim_id, token=claim.token, now=now):
                    return PostOutcome(result=PostResult.HELD_ELSEWHERE)
        return await self._deliver(client, slot=slot, claim=claim, post=post)

    async def _claim(self, slot: _Slot, *, now: datetime) -> Claim:
        async with self._session() as session:
            return await claim_post(
                session=session,
                workspace_id=slot.workspace_id,
                subscription_id=slot.subscription_id,
                period=slot.period,
                claimant=self.claimant,
                now=now,
                stale_after=self._stale_after,
            )

    async def _finish(self, claim: Claim, result: PostResult, ts: str | None) -> PostOutcome:
        """Mark the period done (posted, found, nothing to post, or given up)."""
        async with self._session() as session:
            await mark_posted(
                session=session, claim_id=claim.claim_id, token=claim.token, message_ts=ts, now=self._clock()
            )
        return PostOutcome(result=result, message_ts=ts)

    async def _take_over(self, client: AsyncWebClient, *, slot: _Slot, claim: Claim) -> PostOutcome | None:
        """A claimant went stale: record its message if Slack has it, give up after too many attempts; None to post."""
        earlier = await find_earlier_post(
            client,
            channel_id=slot.channel_id,
            subscription_id=slot.subscription_id,
            period=slot.period,
            since=claim.previous_claimed_at,
            thread_ts=slot.thread_ts,
        )
        if earlier is not None:
            log.info("scheduled post %s/%s was already in Slack; recorded it", slot.subscription_id, slot.period)
            return await self._finish(claim, PostResult.FOUND_EARLIER, earlier)
        if claim.attempts > self._max_attempts:
            log.warning(
                "giving up on scheduled post %s/%s after %d attempts",
                slot.subscription_id,
                slot.period,
                claim.attempts - 1,
            )
            return await self._finish(claim, PostResult.GAVE_UP, None)
        return None

    async def _prepare(self, claim: Claim, prepare: Callable[[], Awaitable[SlackPost | None]]) -> SlackPost | None:
        try:
            return await prepare()
        except asyncio.CancelledError:
            # Stopping (SIGTERM) before anything was posted: hand the claim back so the next leader posts it at
            # once instead of waiting for the claim to go stale.
            async with self._database.session() as session:
                await release_claim(session=session, claim_id=claim.claim_id, token=claim.token)
            raise

    async def _deliver(self, client: AsyncWebClient, *, slot: _Slot, claim: Claim, post: SlackPost) -> PostOutcome:
        """Post with the metadata naming (subscription, period); a refusal no retry fixes ends the period."""
        try:
            ts = await self._send(
                client,
                channel_id=slot.channel_id,
                post=post,
                thread_ts=slot.thread_ts,
                metadata={
                    "event_type": METADATA_EVENT_TYPE,
                    "event_payload": {"subscription_id": slot.subscription_id, "period": slot.period},
                },
            )
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code in PERMANENT_ERRORS:
                log.warning("scheduled post %s/%s refused by Slack (%s)", slot.subscription_id, slot.period, code)
                return await self._finish(claim, PostResult.GAVE_UP, None)
            log.warning("scheduled post %s/%s failed (%s); will retry", slot.subscription_id, slot.period, code)
            return PostOutcome(result=PostResult.FAILED)
        return await self._finish(claim, PostResult.POSTED, ts or None)

    async def post_unclaimed(self, client: AsyncWebClient, *, channel_id: str, post: SlackPost) -> str:
        """Post outside the schedule (`lookout digest`): no claim, so it never takes a period's slot. Its ts."""
        return await self._send(client, channel_id=channel_id, post=post)

    async def upload_chart(
        self,
        client: AsyncWebClient,
        *,
        channel_id: str,
        content: bytes,
        filename: str,
        title: str,
        what: str,
        thread_ts: str | None = None,
    ) -> None:
        """Upload `what`'s chart to the channel. The message it goes with is already posted, so a failure is logged,
        not raised: a missing chart is not worth a retry that could double the post."""
        try:
            async with self._pacer.slot(channel_id):
                await client.files_upload_v2(
                    channel=channel_id, thread_ts=thread_ts, content=content, filename=filename, title=title
                )
        except SlackApiError as error:
            log.warning("could not upload the %s chart to %s: %s", what, channel_id, error.response.get("error"))

    async def _send(
        self,
        client: AsyncWebClient,
        *,
        channel_id: str,
        post: SlackPost,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        async with self._pacer.slot(channel_id):
            response = await client.chat_postMessage(
                channel=channel_id,
                text=post.text,
                blocks=post.blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            )
        return str(response.get("ts", ""))


async def find_earlier_post(
    client: AsyncWebClient,
    *,
    channel_id: str,
    subscription_id: int,
    period: str,
    since: datetime | None,
    thread_ts: str | None,
) -> str | None:
    """The ts of a message this app already posted for (subscription, period), if Slack has one."""
    oldest = f"{since.timestamp() - 5:.6f}" if since is not None else None
    try:
        if thread_ts is not None:
            response = await client.conversations_replies(
                channel=channel_id, ts=thread_ts, oldest=oldest, include_all_metadata=True, limit=200
            )
        else:
            response = await client.conversations_history(
                channel=channel_id, oldest=oldest, include_all_metadata=True, limit=200
            )
    except SlackApiError as error:
        # Without history we cannot tell; posting risks a duplicate, not posting risks a lost digest. A duplicate
        # after a crash is the lesser harm.
        log.warning("could not read channel history to check for an earlier post (%s)", error.response.get("error"))
        return None
    for message in response.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if (
            metadata.get("event_type") == METADATA_EVENT_TYPE
            and str(payload.get("subscription_id")) == str(subscription_id)
            and payload.get("period") == period
        ):
            return str(message.get("ts"))
    return None
