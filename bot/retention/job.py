"""The retention purge: once a day across replicas, delete conversation text, tool results and model usage older
than the workspace data may be kept (LOOKOUT_RETENTION_TEXT_DAYS, LOOKOUT_RETENTION_USAGE_MONTHS).

Only the scheduler's leader runs jobs; the day's claim in the dedupe ledger (a unique key, first insert wins) keeps
a leader that took over mid-day, or two leaders during a hand-over, from purging that day twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from bot.observe.metrics import Metrics
from bot.scheduler.jobs import Daily, Schedule
from storage.db import Database
from storage.repos.events import claim_all
from storage.repos.retention import first_kept_month, purge_expired

log = logging.getLogger(__name__)

# Daily at a quiet hour (a cron trigger: rebuilding the schedule does not postpone it), and whenever a replica
# becomes the leader; the claim lets one run a day do the work.
RUN_AT = time(3, 17)


def claim_key(now: datetime) -> str:
    return f"job:retention:{now.date().isoformat()}"


class RetentionJob:
    name = "retention"

    def __init__(
        self,
        *,
        database: Database,
        clock: Callable[[], datetime],
        text_days: int,
        usage_months: int,
        metrics: Metrics,
    ) -> None:
        self._database = database
        self._clock = clock
        self._text_days = text_days
        self._usage_months = usage_months
        self._metrics = metrics

    @property
    def schedule(self) -> Schedule:
        return Daily(at=RUN_AT, timezone="UTC")

    async def run(self) -> None:
        await self.purge_once_today()

    async def purge_once_today(self) -> dict[str, int] | None:
        """Purge what is past retention, unless today's purge already ran somewhere; the rows deleted, by table.

        The claim and the deletes commit together: a purge that fails leaves the day unclaimed for the next try.
        """
        now = self._clock()
        async with self._database.session() as session:
            key = claim_key(now)
            if key not in await claim_all(session=session, keys={key: ""}):
                log.info("retention purge: today's already ran (claimed by this or another replica)")
                return None
            deleted = await purge_expired(
                session=session,
                text_before=now - timedelta(days=self._text_days),
                usage_from_month=first_kept_month(now, months=self._usage_months),
            )
        self._metrics.retention_purges.inc()
        for table, count in deleted.items():
            self._metrics.retention_deleted.labels(table=table).inc(count)
        log.info(
            "retention purge: %s (text kept %d days, usage %d months)",
            ", ".join(f"{count} {table}" for table, count in deleted.items()),
            self._text_days,
            self._usage_months,
        )
        return deleted
