"""The hourly alert check for one subscription: fetch, detect, decide, post one alert per incident, follow up on
recovery.

Deciding is where alert fatigue is fought: only recent incidents, large enough for the sensitivity and above the
series' noise floor; several series moved by one event make one alert; an incident overlapping one already
alerted is not alerted again; "Expected" and "Mute 7 days" answers suppress similar alerts until they expire.
Posting goes through the same exactly-once claims as digests, so restarts and replicas never double an alert.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.detect import AlertGroup, Found, Series, find_incidents, group_incidents, measure
from bot.alerts.explain import Explanation, explain_group
from bot.alerts.series import History, fetch_series
from bot.digest.service import GoogleClientFactory, SlackClientFor, TargetResolver
from bot.google.problems import GoogleProblem
from bot.messages import alerts as messages
from bot.scheduler.posting import ClaimedPoster, PostOutcome, PostResult, SlackPost
from storage.db import Database
from storage.repos.schedule import (
    ScheduledSubscription,
    active_feedback,
    close_incident,
    create_incident,
    open_incidents,
    set_incident_message,
)
from storage.tables.base import aware_utc
from storage.tables.schedule import AlertIncident
from tools.anomaly.models import Sensitivity, Severity
from tools.cache import ResultCache
from tools.context import ToolContext
from tools.google.errors import GoogleApiError

log = logging.getLogger(__name__)

SEVERITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}
# The least severe incident each sensitivity alerts on.
MIN_SEVERITY: dict[str, Severity] = {"low": "high", "medium": "medium", "high": "low"}
# A move smaller than this many typical periods of the series is noise, whatever the detector says.
NOISE_FLOOR = {"hourly": 1.0, "daily": 0.2}
MIN_ABSOLUTE_DEVIATION = 10.0
REBOUND_WINDOW = timedelta(days=2)

ChartRenderer = Callable[[Found], Awaitable[bytes | None]]


@dataclass(frozen=True, kw_only=True)
class AlertPolicy:
    """How recent an incident must be to be news when first seen (relative to the series' last complete point)."""

    recent_hourly: timedelta = timedelta(hours=24)
    recent_daily: timedelta = timedelta(days=4)
    history: History = field(default_factory=History)


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    alerts: list[PostOutcome]
    recoveries: list[PostOutcome]


class AlertService:
    def __init__(
        self,
        *,
        database: Database,
        targets: TargetResolver,
        google: GoogleClientFactory,
        slack_client_for: SlackClientFor,
        poster: ClaimedPoster,
        clock: Callable[[], datetime],
        cache: ResultCache | None = None,
        chart: ChartRenderer | None = None,
        policy: AlertPolicy | None = None,
    ) -> None:
        self._database = database
        self._targets = targets
        self._google = google
        self._slack_client_for = slack_client_for
        self._poster = poster
        self._clock = clock
        self._cache = cache or ResultCache()
        self._chart = chart
        self._policy = policy or AlertPolicy()

    async def check(self, subscription: ScheduledSubscription) -> CheckResult:
        """`AlertChecker.check`: one pass over one alert subscription."""
        try:
            target = await self._targets.resolve_target(
                workspace_id=subscription.workspace_id, channel_id=subscription.channel_id
            )
            clients = await self._google.clients_for(workspace_id=subscription.workspace_id)
            timezone = target.timezone or "UTC"
            series = await fetch_series(
                ga4=clients.ga4,
                gsc=clients.gsc,
                property_id=target.property_id,
                site_url=target.site_url,
                timezone=timezone,
                now=self._clock(),
                history=self._policy.history,
            )
        except (GoogleProblem, GoogleApiError) as problem:
            # Nothing to alert on without data; the Google connection tells the person who connected it.
            log.info("alert check for subscription %s skipped: %s", subscription.id, type(problem).__name__)
            return CheckResult(alerts=[], recoveries=[])
        sensitivity: Sensitivity = (
            subscription.sensitivity if subscription.sensitivity in ("low", "medium", "high") else "medium"  # type: ignore[assignment]
        )
        # Scoring the series is CPU work: done in a worker thread, as the digest does, so the event loop keeps
        # acking Slack and renewing the scheduler lease.
        found, news = await asyncio.to_thread(self._detect, series, sensitivity=sensitivity)
        try:
            client = await self._slack_client_for(subscription.workspace_id)
        except LookupError:
            return CheckResult(alerts=[], recoveries=[])
        ctx = target.tool_context(
            cache=self._cache, ga4=clients.ga4, gsc=clients.gsc, clock=self._clock, timezone=timezone
        )
        alerts = []
        for group in group_incidents(news):
            alerts.append(
                await self._alert(
                    subscription, group, client=client, ctx=ctx, found=news, series=series, timezone=timezone
                )
            )
        recoveries = await self._follow_up(subscription, found=found, client=client, timezone=timezone)
        return CheckResult(alerts=alerts, recoveries=recoveries)

    # ------------------------------------------------------------------------------------------------ deciding

    def _detect(self, series: Sequence[Series], *, sensitivity: Sensitivity) -> tuple[list[Found], list[Found]]:
        """Every incident in `series`, and those among them that are news."""
        found: list[Found] = []
        for each in series:
            found.extend(find_incidents(each, sensitivity=sensitivity))
        news = [item for item in found if self._is_news(item, sensitivity=sensitivity) and not _is_rebound(item, found)]
        return found, news

    def _is_news(self, item: Found, *, sensitivity: Sensitivity) -> bool:
        incident = item.incident
        spec = item.series.spec
        last = item.series.points[-1].timestamp
        recent = self._policy.recent_hourly if spec.granularity == "hourly" else self._policy.recent_daily
        if incident.start < last - recent:
            return False
        size = measure(item)
        # Both the detector and the plain size of the move must call it serious enough for the sensitivity.
        severity = min(SEVERITY_RANK[incident.severity], SEVERITY_RANK[size.severity])
        if severity < SEVERITY_RANK[MIN_SEVERITY[sensitivity]]:
            return False
        typical = statistics.median([p.value for p in item.series.points if p.value > 0] or [0.0])
        return size.deviation >= max(MIN_ABSOLUTE_DEVIATION, NOISE_FLOOR[spec.granularity] * typical)

    async def _suppressed(self, subscription_id: int, group: AlertGroup, *, started_at: datetime) -> bool:
        now = self._clock()
        async with self._database.session() as session:
            for fingerprint in similar_keys(group):
                if await active_feedback(
                    session=session, subscription_id=subscription_id, fingerprint=fingerprint, now=now
                ):
                    return True
            for incident in await open_incidents(session=session, subscription_id=subscription_id):
                if incident.direction == group.direction and abs(
                    aware_utc(incident.started_at) - started_at
                ) <= timedelta(days=2):
                    return True  # the same event, already alerted from another series
        return False

    # ------------------------------------------------------------------------------------------------ posting

    async def _alert(
        self,
        subscription: ScheduledSubscription,
        group: AlertGroup,
        *,
        client: AsyncWebClient,
        ctx: ToolContext,
        found: Sequence[Found],
        series: Sequence[Series],
        timezone: str,
    ) -> PostOutcome:
        primary = group.primary
        incident = primary.incident
        started_at = _to_utc(incident.start, timezone)
        period = f"alert:{incident.fingerprint}:{started_at.isoformat()}"
        created: list[AlertIncident] = []

        async def prepare() -> SlackPost | None:
            if await self._suppressed(subscription.id, group, started_at=started_at):
                return None
            try:
                explanation = await explain_group(group, ctx=ctx, found=found, series=series)
            except Exception:
                log.exception("could not explain alert %s; posting it without drivers", period)
                explanation = Explanation(lines=[], cause="unknown")
            hourly = primary.series.spec.granularity == "hourly"
            head = messages.headline(
                label=primary.series.spec.label,
                kind=incident.kind,
                direction=incident.direction,
                start=incident.start,
                expected=incident.expected,
                actual=incident.actual,
                hourly=hourly,
            )
            lines = [head, *explanation.lines]
            also = sorted({item.series.spec.label + _granularity_note(item) for item in group.also})
            if also:
                lines.append(messages.also_moved(also))
            async with self._database.session() as session:
                stored = await create_incident(
                    session=session,
                    incident=AlertIncident(
                        workspace_id=subscription.workspace_id,
                        subscription_id=subscription.id,
                        channel_id=subscription.channel_id,
                        fingerprint=incident.fingerprint,
                        metric=primary.series.spec.key,
                        direction=incident.direction,
                        severity=incident.severity,
                        started_at=started_at,
                        opened_at=self._clock(),
                        summary=head,
                        similar_keys="\n".join(similar_keys(group)),
                    ),
                )
            created.append(stored)
            assert stored.id is not None
            source = "GA4" if primary.series.spec.source == "ga4" else "Search Console"
            context = messages.source_context(source=source, sensitivity=subscription.sensitivity)
            blocks = messages.alert_blocks(lines=lines, context=context, incident_id=stored.id)
            return SlackPost(text=head, blocks=blocks)

        outcome = await self._poster.post_once(
            client=client,
            workspace_id=subscription.workspace_id,
            subscription_id=subscription.id,
            period=period,
            channel_id=subscription.channel_id,
            prepare=prepare,
        )
        if outcome.message_ts is not None and created:
            assert created[0].id is not None
            async with self._database.session() as session:
                await set_incident_message(session=session, incident_id=created[0].id, message_ts=outcome.message_ts)
            if outcome.result is PostResult.POSTED and self._chart is not None:
                await self._upload_chart(client, subscription.channel_id, primary, thread_ts=outcome.message_ts)
        return outcome

    async def _follow_up(
        self, subscription: ScheduledSubscription, *, found: Sequence[Found], client: AsyncWebClient, timezone: str
    ) -> list[PostOutcome]:
        async with self._database.session() as session:
            incidents = await open_incidents(session=session, subscription_id=subscription.id)
        outcomes = []
        for stored in incidents:
            assert stored.id is not None
            match = next(
                (
                    item
                    for item in found
                    if item.incident.fingerprint == stored.fingerprint
                    and _to_utc(item.incident.start, timezone) == aware_utc(stored.started_at)
                ),
                None,
            )
            if match is None or match.incident.end is None or stored.message_ts is None:
                continue
            end = match.incident.end
            hourly = match.series.spec.granularity == "hourly"
            text = messages.recovered(since=end, affected=end - match.incident.start, hourly=hourly)
            follow_up = SlackPost(text=text)
            outcome = await self._poster.post_once(
                client=client,
                workspace_id=subscription.workspace_id,
                subscription_id=subscription.id,
                period=f"recovery:{stored.id}",
                channel_id=subscription.channel_id,
                thread_ts=stored.message_ts,
                prepare=_ready(follow_up),
            )
            async with self._database.session() as session:
                await close_incident(session=session, incident_id=stored.id, now=self._clock())
            outcomes.append(outcome)
        return outcomes

    async def _upload_chart(self, client: AsyncWebClient, channel_id: str, found: Found, *, thread_ts: str) -> None:
        assert self._chart is not None
        png = await self._chart(found)
        if png is None:
            return
        await self._poster.upload_chart(
            client,
            channel_id=channel_id,
            content=png,
            filename="lookout-alert.png",
            title=f"{found.series.spec.label}: actual and expected",
            what="alert",
            thread_ts=thread_ts,
        )


def _ready(post: SlackPost) -> Callable[[], Awaitable[SlackPost | None]]:
    async def prepare() -> SlackPost | None:
        return post

    return prepare


def _is_rebound(item: Found, found: Sequence[Found]) -> bool:
    """A move against an incident of the same metric that began shortly before is the baseline settling back (the
    detector learned the first incident's level), not news: the recovery follow-up already covers it."""
    for other in found:
        if other.series.spec.metric != item.series.spec.metric or other.incident.direction == item.incident.direction:
            continue
        if other.incident.start <= item.incident.start <= other.incident.start + REBOUND_WINDOW:
            return True
    return False


def similarity_key(found: Found) -> str:
    """What a person means by "similar" when muting: the same metric moving the same way, hourly or daily,
    whatever shape the detector gave it."""
    spec = found.series.spec
    return f"{spec.source}:{spec.metric}|{found.incident.direction}"


def similar_keys(group: AlertGroup) -> list[str]:
    return sorted({similarity_key(item) for item in (group.primary, *group.also)})


def _granularity_note(found: Found) -> str:
    return " (hourly)" if found.series.spec.granularity == "hourly" else " (daily)"


def _to_utc(moment: datetime, timezone: str) -> datetime:
    """Series timestamps are the property's wall-clock time; storage is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)
