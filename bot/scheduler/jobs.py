"""What a scheduled job is (name, schedule, `run()`), the two kinds of schedule, and when a digest is due.

Jobs get their dependencies through the constructor and know nothing of APScheduler; `bot.scheduler.runner`
turns their schedules into triggers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.scheduler.periods import period_key, posts_on
from storage.repos.schedule import ScheduledSubscription
from storage.tables.schedule import DigestCadence


@dataclass(frozen=True, kw_only=True)
class Daily:
    """Every day at `at` (wall-clock time in `timezone`), DST-aware; only on `weekday` (0 = Monday) or on day
    `day_of_month` when set."""

    at: time
    timezone: str
    weekday: int | None = None
    day_of_month: int | None = None


@dataclass(frozen=True, kw_only=True)
class Every:
    """Every `seconds`, first run `offset_seconds` after the job is scheduled."""

    seconds: float
    offset_seconds: float = 0.0


Schedule = Daily | Every


class Job(Protocol):
    """A unit of scheduled work. `name` is unique among the jobs the scheduler runs at once."""

    @property
    def name(self) -> str: ...

    @property
    def schedule(self) -> Schedule: ...

    async def run(self) -> None: ...


def spread_offset(key: str, *, window_seconds: float) -> float:
    """A stable offset in [0, window) for this key, so 1,000 digests due at 09:00 spread over the window.

    Stable (a hash, not random) so every replica and every restart computes the same due time, which makes the
    catch-up sweep agree with the cron trigger about what is due.
    """
    if window_seconds <= 0:
        return 0.0
    digest = hashlib.sha256(key.encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return fraction * window_seconds


def parse_time_of_day(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def digest_due_at(subscription: ScheduledSubscription, *, local_day: date, window_seconds: float) -> datetime:
    """When the digest for `local_day` is due, as an aware datetime in the subscription's timezone."""
    zone = ZoneInfo(subscription.timezone)
    base = datetime.combine(local_day, parse_time_of_day(subscription.time_of_day), tzinfo=zone)
    # Adding a timedelta to an aware datetime keeps wall-clock arithmetic; round-trip through UTC for DST days.
    offset = timedelta(seconds=spread_offset(f"digest:{subscription.id}", window_seconds=window_seconds))
    return (base.astimezone(ZoneInfo("UTC")) + offset).astimezone(zone)


def digest_period(local_day: date) -> str:
    """The claim period of the daily digest posted on `local_day` (it reports on the day before)."""
    return period_key(DigestCadence.DAILY, local_day=local_day)


def subscription_period(subscription: ScheduledSubscription, *, local_day: date) -> str:
    """The claim period of the subscription's digest posted on `local_day` (the day's, week's or month's)."""
    return period_key(subscription.cadence, local_day=local_day)


def digest_posts_on(subscription: ScheduledSubscription, *, local_day: date) -> bool:
    """Whether the subscription's digest is posted on `local_day` (every day, its weekday, or the 1st)."""
    return posts_on(subscription.cadence, weekday=subscription.weekday, local_day=local_day)


def digest_schedule(subscription: ScheduledSubscription, *, at: time, days_later: int = 0) -> Daily:
    """The trigger of the subscription's digest: daily, weekly on its weekday, or monthly on the 1st; `days_later`
    is 1 when the due time's spread offset pushed it past midnight."""
    return Daily(
        at=at,
        timezone=subscription.timezone,
        weekday=(subscription.weekday + days_later) % 7 if subscription.cadence is DigestCadence.WEEKLY else None,
        day_of_month=1 + days_later if subscription.cadence is DigestCadence.MONTHLY else None,
    )


def local_today(subscription: ScheduledSubscription, *, now: datetime) -> date:
    return now.astimezone(ZoneInfo(subscription.timezone)).date()
