"""The only module that imports APScheduler: turns `Job` schedules into triggers on an asyncio scheduler.

APScheduler only fires jobs; each run is handed to `spawn`, which the scheduler service tracks so shutdown can
wait for in-flight work instead of cancelling it halfway through a post.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.scheduler.jobs import Daily, Every, Job

ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)
Spawn = Callable[[str, Coroutine[Any, Any, None]], None]


class JobRunner:
    def __init__(self, *, spawn: Spawn) -> None:
        self._spawn = spawn
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._started = False

    def replace_jobs(self, jobs: Iterable[Job]) -> int:
        """Drop every scheduled job and schedule these instead; returns how many are scheduled."""
        self._scheduler.remove_all_jobs()
        count = 0
        for job in jobs:
            self._scheduler.add_job(
                self._fire,
                trigger=_trigger(job),
                args=[job],
                id=job.name,
                name=job.name,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                # Missed runs are the catch-up sweep's business, not APScheduler's.
                misfire_grace_time=30,
            )
            count += 1
        return count

    def start(self) -> None:
        if not self._started:
            self._scheduler.start()
            self._started = True
        else:
            self._scheduler.resume()

    def pause(self) -> None:
        """Stop firing (leadership lost); jobs are replaced on the next `replace_jobs`."""
        if self._started:
            self._scheduler.remove_all_jobs()
            self._scheduler.pause()

    def shutdown(self) -> None:
        if self._started:
            self._scheduler.shutdown(wait=False)
            self._started = False

    def job_names(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    async def _fire(self, job: Job) -> None:
        self._spawn(job.name, job.run())


def _trigger(job: Job) -> CronTrigger | IntervalTrigger:
    schedule = job.schedule
    if isinstance(schedule, Daily):
        return CronTrigger(
            day=schedule.day_of_month,
            day_of_week=schedule.weekday,
            hour=schedule.at.hour,
            minute=schedule.at.minute,
            second=schedule.at.second,
            timezone=ZoneInfo(schedule.timezone),
        )
    assert isinstance(schedule, Every)
    # Anchored to a fixed instant, not to "now": rebuilding the schedule (on any subscription change) must not
    # push an hourly check further away each time.
    start = ANCHOR + timedelta(seconds=schedule.offset_seconds)
    return IntervalTrigger(seconds=schedule.seconds, start_date=start, timezone=UTC)
