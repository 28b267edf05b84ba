"""The scheduler's work in one process: digests and alerts wired to Google and Slack, and the leader's planner.

`lookout serve` imports this module only once its replica leads (see `bot.main.serve.start_scheduler`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.posting import AlertService
from bot.alerts.rules import RuleService
from bot.alerts.wiring import CheckWiring
from bot.digest.charts import alert_chart, digest_chart
from bot.digest.jobs import DigestTiming
from bot.digest.posting import DigestService
from bot.google.connection import google_connections
from bot.google.readable import GrantProperties
from bot.main.jobs import make_planner
from bot.platform.slack.clients import web_client_for
from bot.retention.job import RetentionJob
from bot.scheduler.leadership import replica_id
from bot.scheduler.limits import ChannelPacer
from bot.scheduler.posting import ClaimedPoster
from bot.scheduler.scheduler import Planner
from storage.repos.notes import WorkspaceNotes
from tools.cache import ResultCache
from tools.google.runtime import GoogleRuntime
from tools.workers import configure as configure_cpu_workers

if TYPE_CHECKING:
    from bot.platform.services import Services


@dataclass(frozen=True, kw_only=True)
class ScheduledWork:
    """Everything scheduled work needs in one process; `lookout digest` builds the same thing."""

    digests: DigestService
    alerts: AlertService
    rules: RuleService
    claimant: str
    runtime: GoogleRuntime


def build_scheduled_work(services: Services, *, claimant: str | None = None) -> ScheduledWork:
    claimant = claimant or replica_id()
    configure_cpu_workers(workers=services.settings.lookout_cpu_workers)  # charts and digest scoring run there
    pacer = ChannelPacer(interval=1.0)
    poster = ClaimedPoster(
        database=services.database,
        clock=services.clock,
        claimant=claimant,
        pacer=pacer,
        stale_after=timedelta(seconds=services.settings.lookout_scheduler_claim_stale_seconds),
    )
    connections = google_connections(services)
    runtime = services.google_runtime  # shared with the agent: one per-property limit for the whole process

    async def slack_client_for(workspace_id: int) -> AsyncWebClient:
        return await web_client_for(services=services, workspace_id=workspace_id)

    digests = DigestService(
        targets=connections,
        google=connections,
        slack_client_for=slack_client_for,
        poster=poster,
        clock=services.clock,
        chart=digest_chart,
        notes=lambda workspace_id: WorkspaceNotes(database=services.database, workspace_id=workspace_id),
        properties=GrantProperties(services),
        rollup_cap=services.settings.lookout_rollup_max_properties,
        concurrency=services.settings.lookout_digest_concurrency,
    )
    checks = CheckWiring(
        database=services.database,
        targets=connections,
        google=connections,
        slack_client_for=slack_client_for,
        poster=poster,
        clock=services.clock,
    )
    alerts = AlertService(checks, cache=ResultCache(), chart=alert_chart)
    rules = RuleService(checks)
    return ScheduledWork(digests=digests, alerts=alerts, rules=rules, claimant=claimant, runtime=runtime)


def build_planner(services: Services, *, claimant: str) -> Planner:
    """The leader's jobs for the current subscriptions: digests, alert and rule checks, and the retention purge."""
    settings = services.settings
    work = build_scheduled_work(services, claimant=claimant)
    return make_planner(
        database=services.database,
        clock=services.clock,
        digests=work.digests,
        alerts=work.alerts,
        rules=work.rules,
        timing=DigestTiming(window_seconds=settings.lookout_digest_spread_seconds),
        catch_up_every_seconds=settings.lookout_digest_catch_up_seconds,
        housekeeping=[
            RetentionJob(
                database=services.database,
                clock=services.clock,
                text_days=settings.lookout_retention_text_days,
                usage_months=settings.lookout_retention_usage_months,
                metrics=services.metrics,
            )
        ],
    )
