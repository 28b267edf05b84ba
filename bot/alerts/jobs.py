"""The scheduled alert check: one job per alert subscription, hourly, at a stable minute so checks do not burst."""

from __future__ import annotations

from typing import Protocol

from bot.scheduler.jobs import Every, Schedule, spread_offset
from storage.repos.schedule import ScheduledSubscription

CHECK_EVERY_SECONDS = 3600.0


class AlertChecker(Protocol):
    async def check(self, subscription: ScheduledSubscription) -> object: ...


class AlertCheckJob:
    def __init__(self, subscription: ScheduledSubscription, *, checker: AlertChecker) -> None:
        self._subscription = subscription
        self._checker = checker

    @property
    def name(self) -> str:
        return f"alerts:{self._subscription.id}"

    @property
    def schedule(self) -> Schedule:
        offset = spread_offset(self.name, window_seconds=CHECK_EVERY_SECONDS)
        return Every(seconds=CHECK_EVERY_SECONDS, offset_seconds=max(offset, 1.0))

    async def run(self) -> None:
        await self._checker.check(self._subscription)


class RuleChecker(Protocol):
    async def check(self, subscription: ScheduledSubscription) -> object: ...


class RuleCheckJob:
    """One alert rule, checked hourly (a daily rule's window changes once a day; its claim makes the alert once)."""

    def __init__(self, subscription: ScheduledSubscription, *, checker: RuleChecker) -> None:
        self._subscription = subscription
        self._checker = checker

    @property
    def name(self) -> str:
        return f"rule:{self._subscription.id}"

    @property
    def schedule(self) -> Schedule:
        offset = spread_offset(self.name, window_seconds=CHECK_EVERY_SECONDS)
        return Every(seconds=CHECK_EVERY_SECONDS, offset_seconds=max(offset, 1.0))

    async def run(self) -> None:
        await self._checker.check(self._subscription)
