"""Leadership moves to another replica when the leader dies or stops; the schedule follows the database; missed
digests are caught up the same day only."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.digest.jobs import DigestCatchUpJob, DigestTiming
from bot.main.jobs import make_planner
from bot.scheduler.jobs import digest_due_at, spread_offset
from bot.scheduler.leadership import Leadership
from bot.scheduler.posting import PostOutcome, PostResult
from bot.scheduler.scheduler import Planner, SchedulerService
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription, upsert_subscription
from storage.repos.workspaces import ensure_workspace
from storage.tables.schedule import DigestCadence, SubscriptionKind


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordingRunner:
    """Stands in for the digest service: records which (subscription, day) it was asked to post."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, date]] = []

    async def run_digest(self, subscription: ScheduledSubscription, *, local_day: date) -> PostOutcome:
        self.runs.append((subscription.id, local_day))
        return PostOutcome(result=PostResult.POSTED, message_ts="1.0")


async def _subscribe(
    database: Database,
    *,
    channel_id: str,
    time_of_day: str,
    timezone: str,
    kind: SubscriptionKind = SubscriptionKind.DIGEST,
    cadence: DigestCadence = DigestCadence.DAILY,
    weekday: int = 0,
) -> int:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T1")
        assert workspace.id is not None
        subscription = await upsert_subscription(
            session=session,
            workspace_id=workspace.id,
            channel_id=channel_id,
            kind=kind,
            time_of_day=time_of_day,
            timezone=timezone,
            sensitivity="medium",
            created_by="U1",
            now=datetime.now(UTC),
            cadence=cadence,
            weekday=weekday,
        )
        assert subscription.id is not None
        return subscription.id


async def test_a_dead_leader_is_replaced_once_its_lease_expires(database: Database) -> None:
    clock = Clock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    ttl = timedelta(seconds=20)
    first = Leadership(database=database, clock=clock, holder="replica-1", ttl=ttl)
    second = Leadership(database=database, clock=clock, holder="replica-2", ttl=ttl)

    assert await first.renew()
    assert not await second.renew()
    # replica-1 dies: it stops renewing. Before the TTL runs out replica-2 must still wait...
    clock.now += timedelta(seconds=19)
    assert not await second.renew()
    # ...and one renewal interval after it has run out, replica-2 leads.
    clock.now += timedelta(seconds=6)
    assert await second.renew()
    assert not await first.renew()


async def test_a_stopping_leader_hands_over_and_the_new_leader_catches_up(database: Database) -> None:
    subscription_id = await _subscribe(database, channel_id="C1", time_of_day="00:00", timezone="UTC")
    runners = [RecordingRunner(), RecordingRunner()]
    timing = DigestTiming(window_seconds=0)

    def service(index: int) -> SchedulerService:
        planner = make_planner(
            database=database, clock=lambda: datetime.now(UTC), digests=runners[index], alerts=None, timing=timing
        )
        return SchedulerService(
            database=database,
            clock=lambda: datetime.now(UTC),
            planner=planner,
            lease_ttl=timedelta(seconds=1),
            renew_every=timedelta(milliseconds=100),
            holder=f"replica-{index}",
        )

    leader, standby = service(0), service(1)
    await leader.start()
    await standby.start()
    await leader.wait_idle()
    assert leader.is_leader and not standby.is_leader
    assert runners[0].runs == [(subscription_id, datetime.now(UTC).date())]
    assert f"digest:{subscription_id}" in leader.scheduled_job_names()

    await leader.stop()
    for _ in range(50):
        if runners[1].runs:
            break
        await asyncio.sleep(0.05)
    took_over = standby.is_leader
    await standby.stop()

    assert took_over
    assert not standby.is_leader  # released on stop
    # The new leader ran the catch-up sweep at once (the recording runner does not mark anything posted). Under
    # load a second sweep may start before the stop; that is harmless because posting goes through the claim.
    assert set(runners[1].runs) == {(subscription_id, datetime.now(UTC).date())}


async def test_the_planner_is_loaded_only_by_the_replica_that_leads_and_its_jobs_follow(database: Database) -> None:
    subscription_id = await _subscribe(database, channel_id="C1", time_of_day="00:00", timezone="UTC")
    runner = RecordingRunner()
    loads: list[str] = []

    def service(holder: str) -> SchedulerService:
        async def load_planner() -> Planner:
            loads.append(holder)
            await asyncio.sleep(0.05)  # the wiring loads while the lease is held already
            return make_planner(
                database=database,
                clock=lambda: datetime.now(UTC),
                digests=runner,
                alerts=None,
                timing=DigestTiming(window_seconds=0),
            )

        return SchedulerService(
            database=database,
            clock=lambda: datetime.now(UTC),
            load_planner=load_planner,
            renew_every=timedelta(seconds=30),
            holder=holder,
        )

    leader, standby = service("replica-1"), service("replica-2")
    await leader.start()
    await standby.start()
    try:
        # The lease is held as soon as `start` returns; the jobs follow once the planner is in, without waiting
        # for the next renewal (30 s away here).
        assert leader.is_leader and not standby.is_leader
        for _ in range(100):
            if f"digest:{subscription_id}" in leader.scheduled_job_names():
                break
            await asyncio.sleep(0.02)
        await leader.wait_idle()
        assert f"digest:{subscription_id}" in leader.scheduled_job_names()
        assert runner.runs == [(subscription_id, datetime.now(UTC).date())]  # the catch-up ran on leading
        assert loads == ["replica-1"]  # the standby never loaded it
        assert standby.scheduled_job_names() == []
    finally:
        await leader.stop()
        await standby.stop()


def _idle_planner(database: Database) -> Planner:
    """A planner with no alert checks whose digests only record (nothing due within the next minute)."""
    return make_planner(
        database=database,
        clock=lambda: datetime.now(UTC),
        digests=RecordingRunner(),
        alerts=None,
        timing=DigestTiming(window_seconds=60),
    )


async def test_a_planner_that_fails_to_load_is_tried_again_at_the_next_renewal(database: Database) -> None:
    attempts = 0

    async def load_planner() -> Planner:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ImportError("a broken wiring")
        return _idle_planner(database)

    scheduler = SchedulerService(
        database=database,
        clock=lambda: datetime.now(UTC),
        load_planner=load_planner,
        renew_every=timedelta(milliseconds=100),
        holder="replica-1",
    )
    await scheduler.start()
    try:
        for _ in range(100):
            if scheduler.scheduled_job_names():
                break
            await asyncio.sleep(0.02)
        assert scheduler.is_leader
        assert attempts == 2
        assert scheduler.scheduled_job_names() == ["digest:catch-up"]
    finally:
        await scheduler.stop()


async def test_the_schedule_is_rebuilt_when_subscriptions_change(database: Database) -> None:
    planner = _idle_planner(database)
    scheduler = SchedulerService(
        database=database,
        clock=lambda: datetime.now(UTC),
        planner=planner,
        renew_every=timedelta(seconds=30),
        holder="replica-1",
    )
    await scheduler.start()
    try:
        assert scheduler.scheduled_job_names() == ["digest:catch-up"]
        subscription_id = await _subscribe(database, channel_id="C9", time_of_day="23:59", timezone="Asia/Tokyo")
        scheduler.notify_changed()
        for _ in range(50):
            if f"digest:{subscription_id}" in scheduler.scheduled_job_names():
                break
            await asyncio.sleep(0.05)
        assert sorted(scheduler.scheduled_job_names()) == sorted(["digest:catch-up", f"digest:{subscription_id}"])
    finally:
        await scheduler.stop()


async def test_rebuilding_the_schedule_keeps_each_alert_checks_next_run(database: Database) -> None:
    class Checker:
        async def check(self, subscription: ScheduledSubscription) -> None:
            return None

    planner = make_planner(
        database=database,
        clock=lambda: datetime.now(UTC),
        digests=RecordingRunner(),
        alerts=Checker(),
        timing=DigestTiming(window_seconds=60),
    )
    scheduler = SchedulerService(
        database=database, clock=lambda: datetime.now(UTC), planner=planner, renew_every=timedelta(seconds=30)
    )
    alerts_id = await _subscribe(
        database, channel_id="C1", time_of_day="09:00", timezone="UTC", kind=SubscriptionKind.ALERTS
    )
    await scheduler.start()
    try:
        before = scheduler.next_runs()[f"alerts:{alerts_id}"]
        await asyncio.sleep(1.1)
        digest_id = await _subscribe(database, channel_id="C2", time_of_day="09:00", timezone="UTC")
        scheduler.notify_changed()
        for _ in range(50):
            if f"digest:{digest_id}" in scheduler.scheduled_job_names():
                break
            await asyncio.sleep(0.05)
        after = scheduler.next_runs()[f"alerts:{alerts_id}"]
    finally:
        await scheduler.stop()

    assert before is not None and after == before
    assert before - datetime.now(UTC) <= timedelta(hours=1)


async def test_catch_up_posts_todays_missed_digest_but_never_yesterdays(database: Database) -> None:
    subscription_id = await _subscribe(database, channel_id="C1", time_of_day="09:00", timezone="Europe/Paris")
    clock = Clock(datetime(2026, 11, 20, 9, 30, tzinfo=UTC))  # 10:30 in Paris: today's 09:00 digest is due
    runner = RecordingRunner()
    catch_up = DigestCatchUpJob(database=database, runner=runner, clock=clock, timing=DigestTiming(window_seconds=60))

    await catch_up.run()
    clock.now = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # 07:00 next day in Paris: yesterday's is not re-posted
    await catch_up.run()

    assert runner.runs == [(subscription_id, date(2026, 11, 20))]


def test_due_times_are_spread_stably_over_the_window() -> None:
    offsets = [spread_offset(f"digest:{index}", window_seconds=60) for index in range(1000)]
    per_second = [sum(1 for offset in offsets if second <= offset < second + 1) for second in range(60)]

    assert all(0 <= offset < 60 for offset in offsets)
    assert max(per_second) < 35  # about 17 per second, never a burst
    assert offsets == [spread_offset(f"digest:{index}", window_seconds=60) for index in range(1000)]


def test_a_due_time_keeps_its_wall_clock_time_across_daylight_saving() -> None:
    subscription = ScheduledSubscription(
        id=1,
        workspace_id=1,
        team_id="T1",
        enterprise_id="",
        channel_id="C1",
        kind=SubscriptionKind.DIGEST,
        time_of_day="09:00",
        timezone="Europe/Paris",
        sensitivity="medium",
    )
    before = digest_due_at(subscription, local_day=date(2026, 10, 24), window_seconds=0)
    after = digest_due_at(subscription, local_day=date(2026, 10, 26), window_seconds=0)

    assert (before.hour, after.hour) == (9, 9)
    assert before.utcoffset() != after.utcoffset()
