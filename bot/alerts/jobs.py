"""The scheduled alert checks: one job per alert subscription and per alert rule, hourly, at a stable minute so
checks do not burst."""

from __future__ import annotations

from typing import Protocol

from bot.scheduler.jobs import Every, Schedule, spread_offset
from storage.repos.schedule import ScheduledSubscription

CHECK_EVERY_SECONDS = 3600.0


class SubscriptionChecker(Protocol):
    async def check(self, subscription: ScheduledSubscription) -> object: ...


# The detector's check and the rules' check take the same call.
AlertChecker = SubscriptionChecker
RuleChecker = SubscriptionChecker


class _HourlyCheckJob:
    """One subscription checked hourly; `PREFIX` keeps the job names of the two kinds apart."""

    PREFIX = ""

    def __init__(self, subscription: ScheduledSubscription, *, checker: SubscriptionChecker) -> None:
        self._subscription = subscription
        self._checker = checker

    @property
    def name(self) -> str:
        return f"{self.PREFIX}:{self._subscription.id}"

    @property
    def schedule(self) -> Schedule:
        offset = spread_offset(self.name, window_seconds=CHECK_EVERY_SECONDS)
        return Every(seconds=CHECK_EVERY_SECONDS, offset_seconds=max(offset, 1.0))

    async def run(self) -> None:
        await self._checker.check(self._subscription)


class AlertCheckJob(_HourlyCheckJob):
    """One alert subscription: the anomaly detector over its series."""

    PREFIX = "alerts"


class RuleCheckJob(_HourlyCheckJob):
    """One alert rule, checked hourly (a daily rule's window changes once a day; its claim makes the alert once)."""

    PREFIX = "rule"
