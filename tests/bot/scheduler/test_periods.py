"""Which week or month a digest reports, in the property's timezone, across year ends and daylight-saving changes;
when weekly and monthly digests are due; and the claim keys that make each period post once."""

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.digest.jobs import DigestCatchUpJob, DigestJob, DigestTiming
from bot.scheduler.jobs import Daily, digest_due_at, local_today, spread_offset, subscription_period
from bot.scheduler.periods import (
    Period,
    period_key,
    posts_on,
    previous_period,
    recent_periods,
    reported_period,
    year_before,
)
from bot.scheduler.runner import _trigger
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription
from storage.tables.schedule import DigestCadence, SubscriptionKind
from tests.bot.scheduler.test_scheduler import Clock, RecordingRunner, _subscribe

WEEKLY = DigestCadence.WEEKLY
MONTHLY = DigestCadence.MONTHLY


def _weekly(*, timezone: str, weekday: int = 0, time_of_day: str = "09:00") -> ScheduledSubscription:
    return ScheduledSubscription(
        id=7,
        workspace_id=1,
        team_id="T1",
        enterprise_id="",
        channel_id="C1",
        kind=SubscriptionKind.DIGEST,
        time_of_day=time_of_day,
        timezone=timezone,
        sensitivity="medium",
        cadence=WEEKLY,
        weekday=weekday,
    )


@pytest.mark.parametrize(
    ("posted", "start", "end"),
    [
        (date(2026, 11, 16), date(2026, 11, 9), date(2026, 11, 15)),  # a Monday: the week that ended yesterday
        (date(2026, 11, 20), date(2026, 11, 9), date(2026, 11, 15)),  # a Friday: still the last complete week
        (date(2026, 11, 22), date(2026, 11, 9), date(2026, 11, 15)),  # a Sunday: this week is not complete yet
        (date(2027, 1, 4), date(2026, 12, 28), date(2027, 1, 3)),  # across the year end (ISO week 2026-W53)
    ],
)
def test_a_weekly_digest_reports_the_last_complete_monday_to_sunday(posted: date, start: date, end: date) -> None:
    period = reported_period(WEEKLY, local_day=posted)

    assert (period.start, period.end) == (start, end)
    assert period.start.weekday() == 0 and period.days == 7
    assert not period.contains(posted)


@pytest.mark.parametrize(
    ("posted", "start", "end"),
    [
        (date(2026, 11, 1), date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 11, 20), date(2026, 10, 1), date(2026, 10, 31)),
        (date(2027, 1, 1), date(2026, 12, 1), date(2026, 12, 31)),
        (date(2028, 3, 1), date(2028, 2, 1), date(2028, 2, 29)),  # a leap February
    ],
)
def test_a_monthly_digest_reports_the_last_complete_calendar_month(posted: date, start: date, end: date) -> None:
    period = reported_period(MONTHLY, local_day=posted)

    assert (period.start, period.end) == (start, end)
    assert not period.contains(posted)


def test_comparisons_are_the_period_before_and_the_same_period_a_year_before() -> None:
    week = reported_period(WEEKLY, local_day=date(2026, 11, 16))
    month = reported_period(MONTHLY, local_day=date(2026, 3, 2))

    assert previous_period(WEEKLY, week) == Period(start=date(2026, 11, 2), end=date(2026, 11, 8))
    assert year_before(WEEKLY, week) == Period(start=date(2025, 11, 10), end=date(2025, 11, 16))
    assert year_before(WEEKLY, week).start.weekday() == 0  # still Monday to Sunday
    assert year_before(WEEKLY, week).start.isocalendar()[1] == week.start.isocalendar()[1]
    assert previous_period(MONTHLY, month) == Period(start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert year_before(MONTHLY, month) == Period(start=date(2025, 2, 1), end=date(2025, 2, 28))
    chart = recent_periods(MONTHLY, month, count=12)
    assert [p.start for p in chart[:2]] == [date(2025, 3, 1), date(2025, 4, 1)] and chart[-1] == month
    assert all(later.start == earlier.end + timedelta(days=1) for earlier, later in itertools.pairwise(chart))


def test_the_claim_key_names_the_period_reported_not_the_day_posted() -> None:
    # Moving a weekly digest from Monday to Wednesday within a week must not post that week twice.
    monday, wednesday = date(2026, 11, 16), date(2026, 11, 18)

    assert period_key(WEEKLY, local_day=monday) == period_key(WEEKLY, local_day=wednesday) == "digest-week:2026-W46"
    assert period_key(WEEKLY, local_day=date(2026, 11, 23)) == "digest-week:2026-W47"
    assert period_key(MONTHLY, local_day=date(2026, 11, 1)) == "digest-month:2026-10"
    assert period_key(DigestCadence.DAILY, local_day=monday) == "digest:2026-11-16"
    assert posts_on(WEEKLY, weekday=2, local_day=wednesday) and not posts_on(WEEKLY, weekday=2, local_day=monday)
    assert posts_on(MONTHLY, weekday=0, local_day=date(2026, 12, 1))
    assert not posts_on(MONTHLY, weekday=0, local_day=date(2026, 12, 2))


@pytest.mark.parametrize(
    ("now", "timezone", "local_day", "week"),
    [
        # Sunday 23:30 UTC is already Monday in Auckland (and Tokyo): their week Nov 16–22 is complete.
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "Pacific/Auckland", date(2026, 11, 23), "2026-W47"),
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "Asia/Tokyo", date(2026, 11, 23), "2026-W47"),
        # ...while in Los Angeles it is still Sunday: the week being lived is not reported, the one before is.
        (datetime(2026, 11, 23, 7, 30, tzinfo=UTC), "America/Los_Angeles", date(2026, 11, 22), "2026-W46"),
        # The night Europe leaves summer time (Sunday Oct 25 2026): 23:30 UTC is Monday 00:30 in Paris.
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "Europe/Paris", date(2026, 10, 26), "2026-W43"),
        # The week the US leaves summer time (Sunday Nov 1 2026), Monday 09:00 in New York is 14:00 UTC.
        (datetime(2026, 11, 2, 14, 0, tzinfo=UTC), "America/New_York", date(2026, 11, 2), "2026-W44"),
    ],
)
def test_the_week_follows_the_propertys_local_day_across_timezones_and_daylight_saving(
    now: datetime, timezone: str, local_day: date, week: str
) -> None:
    subscription = _weekly(timezone=timezone)

    assert local_today(subscription, now=now) == local_day
    assert subscription_period(subscription, local_day=local_day) == f"digest-week:{week}"


def test_a_weekly_digest_is_due_at_its_wall_clock_time_on_its_weekday_across_daylight_saving() -> None:
    subscription = _weekly(timezone="Europe/Paris", weekday=0)
    summer = digest_due_at(subscription, local_day=date(2026, 10, 19), window_seconds=0)
    winter = digest_due_at(subscription, local_day=date(2026, 10, 26), window_seconds=0)
    trigger = _trigger(
        DigestJob(
            subscription,
            runner=RecordingRunner(),
            clock=Clock(datetime(2026, 10, 21, tzinfo=UTC)),
            timing=DigestTiming(window_seconds=0),
        )
    )

    assert (summer.hour, winter.hour) == (9, 9)
    assert (summer.astimezone(UTC).hour, winter.astimezone(UTC).hour) == (7, 8)
    assert isinstance(trigger, CronTrigger)
    fire = trigger.get_next_fire_time(None, datetime(2026, 10, 21, tzinfo=UTC))
    assert fire is not None and fire.astimezone(ZoneInfo("Europe/Paris")) == winter
    assert fire.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


async def test_a_weekly_job_posts_only_on_its_weekday() -> None:
    subscription = _weekly(timezone="America/New_York", weekday=0)
    runner = RecordingRunner()
    clock = Clock(datetime(2026, 11, 17, 14, 0, 30, tzinfo=UTC))  # Tuesday 09:00:30 in New York
    job = DigestJob(subscription, runner=runner, clock=clock, timing=DigestTiming(window_seconds=0))

    await job.run()
    clock.now = datetime(2026, 11, 23, 14, 0, 30, tzinfo=UTC)  # Monday 09:00:30
    await job.run()

    assert runner.runs == [(7, date(2026, 11, 23))]


async def test_catch_up_posts_a_weekly_or_monthly_digest_only_on_its_own_day(database: Database) -> None:
    weekly = await _subscribe(
        database, channel_id="C1", time_of_day="09:00", timezone="Europe/Paris", cadence=WEEKLY, weekday=1
    )
    monthly = await _subscribe(database, channel_id="C2", time_of_day="09:00", timezone="Europe/Paris", cadence=MONTHLY)
    clock = Clock(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))  # Monday Nov 30, 10:30 in Paris
    runner = RecordingRunner()
    catch_up = DigestCatchUpJob(database=database, runner=runner, clock=clock, timing=DigestTiming(window_seconds=0))

    await catch_up.run()
    assert runner.runs == []
    clock.now = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # Tuesday Dec 1: both are due
    await catch_up.run()

    assert sorted(runner.runs) == sorted([(weekly, date(2026, 12, 1)), (monthly, date(2026, 12, 1))])


async def test_a_weekly_digest_due_just_before_midnight_fires_when_its_offset_says() -> None:
    # 23:59 plus a spread offset of more than a minute lands after midnight: Tuesday's firing posts Monday's digest.
    timing = DigestTiming(window_seconds=3600)
    pushed = next(i for i in range(1, 100) if spread_offset(f"digest:{i}", window_seconds=3600) > 120)
    subscription = replace(_weekly(timezone="UTC", weekday=0, time_of_day="23:59"), id=pushed)
    monday = date(2026, 11, 23)
    due = digest_due_at(subscription, local_day=monday, window_seconds=timing.window_seconds)
    runner = RecordingRunner()
    job = DigestJob(subscription, runner=runner, clock=Clock(due + timedelta(seconds=1)), timing=timing)

    await job.run()

    assert due.date() == date(2026, 11, 24)
    assert isinstance(job.schedule, Daily) and job.schedule.weekday == 1  # fires on Tuesdays
    assert runner.runs == [(pushed, monday)]
