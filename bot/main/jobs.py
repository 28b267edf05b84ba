"""Which jobs the current subscriptions call for: a daily job per digest, an hourly check per alert subscription and
per alert rule, and the digest catch-up sweep (also run at once whenever this replica becomes the leader)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from bot.alerts.jobs import AlertChecker, AlertCheckJob, RuleChecker, RuleCheckJob
from bot.digest.jobs import DigestCatchUpJob, DigestJob, DigestRunner, DigestTiming
from bot.observe import tracing
from bot.scheduler.jobs import Job
from bot.scheduler.posting import PostOutcome
from bot.scheduler.scheduler import JobPlan, Planner
from storage.db import Database
from storage.repos.schedule import ScheduledSubscription
from storage.tables.schedule import SubscriptionKind


class TracedDigests:
    """Each digest one trace (a no-op while tracing is off)."""

    def __init__(self, inner: DigestRunner) -> None:
        self._inner = inner

    async def run_digest(self, subscription: ScheduledSubscription, *, local_day: date) -> PostOutcome:
        with tracing.new_trace("lookout digest", _attributes(subscription)):
            return await self._inner.run_digest(subscription, local_day=local_day)


class TracedAlerts:
    """Each alert check one trace (a no-op while tracing is off)."""

    def __init__(self, inner: AlertChecker) -> None:
        self._inner = inner

    async def check(self, subscription: ScheduledSubscription) -> object:
        with tracing.new_trace("lookout alert", _attributes(subscription)):
            return await self._inner.check(subscription)


def _attributes(subscription: ScheduledSubscription) -> dict[str, str | int]:
    return {
        "lookout.workspace_id": subscription.workspace_id,
        "lookout.subscription_id": subscription.id,
        "lookout.slack.channel_id": subscription.channel_id,
    }


def make_planner(
    *,
    database: Database,
    clock: Callable[[], datetime],
    digests: DigestRunner,
    alerts: AlertChecker | None,
    timing: DigestTiming,
    catch_up_every_seconds: float = 30.0,
    housekeeping: Sequence[Job] = (),
    rules: RuleChecker | None = None,
) -> Planner:
    """`housekeeping` jobs (the retention purge) run on the leader like the others, and at once when it leads."""
    digests = TracedDigests(digests)
    alerts = TracedAlerts(alerts) if alerts is not None else None
    catch_up = DigestCatchUpJob(
        database=database, runner=digests, clock=clock, timing=timing, every_seconds=catch_up_every_seconds
    )

    def plan(subscriptions: Sequence[ScheduledSubscription]) -> JobPlan:
        jobs: list[Job] = [catch_up, *housekeeping]
        for subscription in subscriptions:
            if subscription.kind is SubscriptionKind.DIGEST:
                jobs.append(DigestJob(subscription, runner=digests, clock=clock, timing=timing))
            elif subscription.kind is SubscriptionKind.RULE:
                if rules is not None:
                    jobs.append(RuleCheckJob(subscription, checker=rules))
            elif alerts is not None:
                jobs.append(AlertCheckJob(subscription, checker=alerts))
        return JobPlan(jobs=jobs, on_leadership=[catch_up, *housekeeping])

    return plan
