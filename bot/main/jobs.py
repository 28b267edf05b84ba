"""Which jobs the current subscriptions call for: a daily job per digest, an hourly check per alert subscription,
and the digest catch-up sweep (also run at once whenever this replica becomes the leader)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.alerts.jobs import AlertChecker, AlertCheckJob
from bot.digest.jobs import DigestCatchUpJob, DigestJob, DigestRunner, DigestTiming
from bot.scheduler.jobs import Job
from bot.scheduler.scheduler import JobPlan, Planner
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription
from storage.tables.schedule import SubscriptionKind


def make_planner(
    *,
    database: Database,
    clock: Callable[[], datetime],
    digests: DigestRunner,
    alerts: AlertChecker | None,
    timing: DigestTiming,
    catch_up_every_seconds: float = 30.0,
    housekeeping: Sequence[Job] = (),
) -> Planner:
    """`housekeeping` jobs (the retention purge) run on the leader like the others, and at once when it leads."""
    catch_up = DigestCatchUpJob(
        database=database, runner=digests, clock=clock, timing=timing, every_seconds=catch_up_every_seconds
    )

    def plan(subscriptions: Sequence[ScheduledSubscription]) -> JobPlan:
        jobs: list[Job] = [catch_up, *housekeeping]
        for subscription in subscriptions:
            if subscription.kind is SubscriptionKind.DIGEST:
                jobs.append(DigestJob(subscription, runner=digests, clock=clock, timing=timing))
            elif alerts is not None:
                jobs.append(AlertCheckJob(subscription, checker=alerts))
        return JobPlan(jobs=jobs, on_leadership=[catch_up, *housekeeping])

    return plan
