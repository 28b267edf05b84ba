"""Scheduled digest jobs: one job per subscription (daily, weekly on its weekday, monthly on the 1st), and a sweep
that posts digests missed while down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.scheduler.jobs import (
    Every,
    Schedule,
    digest_due_at,
    digest_posts_on,
    digest_schedule,
    local_today,
    subscription_period,
)
from bot.scheduler.posting import PostOutcome
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription, list_scheduled_subscriptions, posted_subscription_ids
from storage.tables.schedule import SubscriptionKind

log = logging.getLogger(__name__)


class DigestRunner(Protocol):
    """Builds and posts one subscription's digest for the local day it is posted on (reporting the day, week or
    month before)."""

    async def run_digest(self, subscription: ScheduledSubscription, *, local_day: date) -> PostOutcome: ...


@dataclass(frozen=True, kw_only=True)
class DigestTiming:
    """How due times are spread: each subscription's digest is due at its HH:MM plus a stable offset < window."""

    window_seconds: float = 60.0


class DigestJob:
    """Fires at one subscription's due time and posts that day's (week's, month's) digest."""

    def __init__(
        self,
        subscription: ScheduledSubscription,
        *,
        runner: DigestRunner,
        clock: Callable[[], datetime],
        timing: DigestTiming,
    ) -> None:
        self._subscription = subscription
        self._runner = runner
        self._clock = clock
        self._timing = timing

    @property
    def name(self) -> str:
        return f"digest:{self._subscription.id}"

    @property
    def schedule(self) -> Schedule:
        today = local_today(self._subscription, now=self._clock())
        due = digest_due_at(self._subscription, local_day=today, window_seconds=self._timing.window_seconds)
        # A due time pushed past midnight by its offset fires on the next day (of the week, of the month).
        return digest_schedule(
            self._subscription,
            at=due.timetz().replace(tzinfo=None, microsecond=0),
            days_later=(due.date() - today).days,
        )

    async def run(self) -> None:
        now = self._clock()
        today = local_today(self._subscription, now=now)
        for day in (today, today - timedelta(days=1)):
            if not digest_posts_on(self._subscription, local_day=day):
                continue
            due = digest_due_at(self._subscription, local_day=day, window_seconds=self._timing.window_seconds)
            # Yesterday's digest only when its due time was pushed past midnight, i.e. it falls today.
            if due <= now + timedelta(seconds=5) and (day == today or due.date() == today):
                await self._runner.run_digest(self._subscription, local_day=day)
                return


class DigestCatchUpJob:
    """Posts every digest already due today but not posted: after downtime, after a leader died, after a failure.

    Only digests due today (in each subscription's timezone): a digest missed yesterday is stale news, and a weekly
    or monthly one is due only on its own day.
    """

    name = "digest:catch-up"

    def __init__(
        self,
        *,
        database: Database,
        runner: DigestRunner,
        clock: Callable[[], datetime],
        timing: DigestTiming,
        every_seconds: float = 30.0,
        concurrency: int = 32,
    ) -> None:
        self._database = database
        self._runner = runner
        self._clock = clock
        self._timing = timing
        self._every = every_seconds
        self._concurrency = concurrency

    @property
    def schedule(self) -> Schedule:
        return Every(seconds=self._every, offset_seconds=self._every)

    async def due_now(self) -> list[tuple[ScheduledSubscription, date]]:
        now = self._clock()
        async with self._database.session() as session:
            subscriptions = await list_scheduled_subscriptions(session=session, kind=SubscriptionKind.DIGEST)
            candidates: list[tuple[ScheduledSubscription, date]] = []
            for subscription in subscriptions:
                today = local_today(subscription, now=now)
                if not digest_posts_on(subscription, local_day=today):
                    continue
                due = digest_due_at(subscription, local_day=today, window_seconds=self._timing.window_seconds)
                if due <= now:
                    candidates.append((subscription, today))
            done = await posted_subscription_ids(
                session=session, periods=[(s.id, subscription_period(s, local_day=day)) for s, day in candidates]
            )
        return [(s, day) for s, day in candidates if s.id not in done]

    async def run(self) -> None:
        due = await self.due_now()
        if not due:
            return
        log.info("digest catch-up: %d digests due and not yet posted", len(due))
        gate = asyncio.Semaphore(self._concurrency)

        async def one(subscription: ScheduledSubscription, day: date) -> None:
            async with gate:
                try:
                    await self._runner.run_digest(subscription, local_day=day)
                except Exception:
                    log.exception("digest for subscription %s failed", subscription.id)

        await asyncio.gather(*(one(subscription, day) for subscription, day in due))
