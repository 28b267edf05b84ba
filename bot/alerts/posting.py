"""The hourly alert check for one subscription: draft what is news (`bot.alerts.draft`), then post one alert per
incident and follow up on recovery (or on the new incident that cut it short: no "back to normal").

"Expected" and "Mute 7 days" answers suppress similar alerts until they expire, and an incident overlapping one
already alerted is not alerted again: when that one's thread already said "back to normal", the thread is told it
came back instead. Posting goes through the same exactly-once claims as digests, so restarts and
replicas never double an alert.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.draft import AlertPolicy, Scan, as_sensitivity, draft, scan
from bot.alerts.matching import SAME_EVENT, closest, event_end, event_parts, settled, to_utc
from bot.alerts.wiring import CheckWiring
from bot.google.problems import GoogleProblem
from bot.scheduler.posting import PostOutcome, PostResult, SlackPost
from bot.text import alerts as messages
from storage.repos.notes import WorkspaceNotes, expected_on
from storage.repos.schedule import (
    ScheduledSubscription,
    active_feedback,
    close_incident,
    create_incident,
    incidents_started_since,
    open_incidents,
    set_incident_message,
)
from storage.tables.base import aware_utc
from storage.tables.schedule import AlertIncident
from tools.anomaly.watch import AlertGroup, Found
from tools.base import ToolError, ToolUserError
from tools.cache import ResultCache
from tools.context import ToolContext

__all__ = ["AlertPolicy", "AlertService", "CheckResult"]

log = logging.getLogger(__name__)

ChartRenderer = Callable[[Found], Awaitable[bytes | None]]


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    alerts: list[PostOutcome]
    recoveries: list[PostOutcome]


class AlertService:
    def __init__(
        self,
        wiring: CheckWiring,
        *,
        cache: ResultCache | None = None,
        chart: ChartRenderer | None = None,
        policy: AlertPolicy | None = None,
    ) -> None:
        self._wiring = wiring
        self._cache = cache or ResultCache()
        self._chart = chart
        self._policy = policy or AlertPolicy()

    async def check(self, subscription: ScheduledSubscription) -> CheckResult:
        """`AlertChecker.check`: one pass over one alert subscription."""
        try:
            target = await self._wiring.targets.resolve_target(
                workspace_id=subscription.workspace_id, channel_id=subscription.channel_id
            )
            clients = await self._wiring.google.clients_for(target=target)
            timezone = target.timezone or "UTC"
            # The series are read afresh on every check (a cache of their own); explaining shares the process's.
            scanned = await scan(
                ctx=target.tool_context(
                    cache=ResultCache(), ga4=clients.ga4, gsc=clients.gsc, clock=self._wiring.clock, timezone=timezone
                ),
                timezone=timezone,
                now=self._wiring.clock(),
                sensitivity=as_sensitivity(subscription.sensitivity),
                policy=self._policy,
            )
        except (GoogleProblem, ToolError, ToolUserError) as problem:
            # Nothing to alert on without data; the Google connection tells the person who connected it.
            log.info("alert check for subscription %s skipped: %s", subscription.id, type(problem).__name__)
            return CheckResult(alerts=[], recoveries=[])
        try:
            client = await self._wiring.slack_client_for(subscription.workspace_id)
        except LookupError:
            return CheckResult(alerts=[], recoveries=[])
        ctx = target.tool_context(
            cache=self._cache,
            ga4=clients.ga4,
            gsc=clients.gsc,
            clock=self._wiring.clock,
            timezone=timezone,
            admin=clients.admin,
            notes=WorkspaceNotes(database=self._wiring.database, workspace_id=subscription.workspace_id),
        )
        alerts = []
        for group in scanned.groups:
            alerts.append(
                await self._alert(
                    subscription,
                    group,
                    client=client,
                    ctx=ctx,
                    scanned=scanned,
                    timezone=timezone,
                    sample=target.sample,
                )
            )
        recoveries = await self._follow_up(subscription, found=scanned.found, client=client, timezone=timezone)
        return CheckResult(alerts=alerts, recoveries=recoveries)

    # ------------------------------------------------------------------------------------------------ deciding

    async def _silenced(self, subscription: ScheduledSubscription, group: AlertGroup) -> bool:
        """An "Expected" or "Mute" answer covers it, or a Lookout note marks its first day (the property's)
        expected."""
        now = self._wiring.clock()
        day = group.primary.incident.start.date()  # series timestamps are the property's wall-clock time
        async with self._wiring.database.session() as session:
            if await expected_on(session=session, workspace_id=subscription.workspace_id, day=day):
                return True
            for fingerprint in similar_keys(group):
                if await active_feedback(
                    session=session, subscription_id=subscription.id, fingerprint=fingerprint, now=now
                ):
                    return True
        return False

    async def _same_event(
        self, subscription: ScheduledSubscription, group: AlertGroup, *, started_at: datetime
    ) -> list[AlertIncident]:
        """The incidents alerted (open, or already recovered) moving the same way and starting within two days:
        one event, seen again in another series (the daily series reports a spike the hourly one alerted) or again
        after a night's lull (bots that follow the day's rhythm). One alert per event."""
        async with self._wiring.database.session() as session:
            nearby = await incidents_started_since(
                session=session, subscription_id=subscription.id, since=started_at - SAME_EVENT
            )
        return [
            incident
            for incident in nearby
            if incident.direction == group.direction and abs(aware_utc(incident.started_at) - started_at) <= SAME_EVENT
        ]

    async def _suppressed(
        self, subscription: ScheduledSubscription, group: AlertGroup, *, started_at: datetime
    ) -> bool:
        """`_silenced`, or an event already alerted (`_same_event`)."""
        if await self._silenced(subscription, group):
            return True
        return bool(await self._same_event(subscription, group, started_at=started_at))

    async def _returning(
        self, subscription: ScheduledSubscription, group: AlertGroup, *, timezone: str
    ) -> tuple[AlertIncident, Found] | None:
        """The alert whose thread said "back to normal" while its event went on, and the part of the event that
        came back: of `group`, the latest to begin in that alert's series, after it (a sale alerted at midnight
        whose night calmed down and whose day doubled again). None while any of the event is still open (its end
        is followed up as usual). Such a part is not alerted again (`_same_event`), but it is not left unsaid."""
        started_at = to_utc(group.primary.incident.start, timezone)
        event = await self._same_event(subscription, group, started_at=started_at)
        if any(incident.closed_at is None for incident in event):
            return None
        told = [incident for incident in event if incident.message_ts is not None]
        stored = max(told, key=lambda incident: aware_utc(incident.started_at), default=None)
        if stored is None:
            return None
        parts = [item for item in (group.primary, *group.also) if item.series.spec.key == stored.metric]
        part = max(parts, key=lambda item: item.incident.start, default=None)
        if part is None or to_utc(part.incident.start, timezone) <= aware_utc(stored.started_at):
            return None
        return stored, part

    async def _came_back(
        self,
        subscription: ScheduledSubscription,
        group: AlertGroup,
        *,
        stored: AlertIncident,
        part: Found,
        client: AsyncWebClient,
        timezone: str,
    ) -> PostOutcome:
        """Say in `stored`'s thread that its event came back, and keep `part` open there, so that its own end is
        followed up in the same thread."""
        incident, spec = part.incident, part.series.spec
        started_at = to_utc(incident.start, timezone)

        async def prepare() -> SlackPost | None:
            if await self._silenced(subscription, group):
                return None
            await self._store(
                subscription,
                part,
                timezone=timezone,
                summary=stored.summary,
                keys=stored.similar_keys,
                message_ts=stored.message_ts,
            )
            text = messages.came_back(
                label=spec.label,
                direction=incident.direction,
                start=incident.start,
                expected=incident.expected,
                actual=incident.actual,
                hourly=spec.granularity == "hourly",
            )
            return SlackPost(text=text)

        return await self._wiring.poster.post_once(
            client=client,
            workspace_id=subscription.workspace_id,
            subscription_id=subscription.id,
            period=f"return:{incident.fingerprint}:{started_at.isoformat()}",
            channel_id=subscription.channel_id,
            thread_ts=stored.message_ts,
            prepare=prepare,
        )

    # ------------------------------------------------------------------------------------------------ posting

    async def _store(
        self,
        subscription: ScheduledSubscription,
        found: Found,
        *,
        timezone: str,
        summary: str,
        keys: str,
        message_ts: str | None = None,
    ) -> AlertIncident:
        """Store `found` as alerted (open until its follow-up), in the thread `message_ts` when it has one."""
        incident = found.incident
        async with self._wiring.database.session() as session:
            return await create_incident(
                session=session,
                incident=AlertIncident(
                    workspace_id=subscription.workspace_id,
                    subscription_id=subscription.id,
                    channel_id=subscription.channel_id,
                    fingerprint=incident.fingerprint,
                    metric=found.series.spec.key,
                    direction=incident.direction,
                    severity=incident.severity,
                    started_at=to_utc(incident.start, timezone),
                    opened_at=self._wiring.clock(),
                    message_ts=message_ts,
                    summary=summary,
                    similar_keys=keys,
                ),
            )

    async def _alert(
        self,
        subscription: ScheduledSubscription,
        group: AlertGroup,
        *,
        client: AsyncWebClient,
        ctx: ToolContext,
        scanned: Scan,
        timezone: str,
        sample: bool,
    ) -> PostOutcome:
        primary = group.primary
        incident = primary.incident
        started_at = to_utc(incident.start, timezone)
        returning = await self._returning(subscription, group, timezone=timezone)
        if returning is not None:
            stored, part = returning
            return await self._came_back(
                subscription, group, stored=stored, part=part, client=client, timezone=timezone
            )
        period = f"alert:{incident.fingerprint}:{started_at.isoformat()}"
        created: list[AlertIncident] = []

        async def prepare() -> SlackPost | None:
            if await self._suppressed(subscription, group, started_at=started_at):
                return None
            drafted = await draft(group, ctx=ctx, scanned=scanned, sensitivity=subscription.sensitivity, sample=sample)
            keys = "\n".join(similar_keys(group))
            stored = await self._store(subscription, primary, timezone=timezone, summary=drafted.headline, keys=keys)
            created.append(stored)
            assert stored.id is not None
            blocks = messages.alert_blocks(lines=drafted.lines, context=drafted.context, incident_id=stored.id)
            return SlackPost(text=drafted.headline, blocks=blocks)

        outcome = await self._wiring.poster.post_once(
            client=client,
            workspace_id=subscription.workspace_id,
            subscription_id=subscription.id,
            period=period,
            channel_id=subscription.channel_id,
            prepare=prepare,
        )
        if outcome.message_ts is not None and created:
            assert created[0].id is not None
            async with self._wiring.database.session() as session:
                await set_incident_message(session=session, incident_id=created[0].id, message_ts=outcome.message_ts)
            if outcome.result is PostResult.POSTED and self._chart is not None:
                await self._upload_chart(client, subscription.channel_id, primary, thread_ts=outcome.message_ts)
        return outcome

    async def _follow_up(
        self, subscription: ScheduledSubscription, *, found: Sequence[Found], client: AsyncWebClient, timezone: str
    ) -> list[PostOutcome]:
        async with self._wiring.database.session() as session:
            incidents = await open_incidents(session=session, subscription_id=subscription.id)
        outcomes = []
        for stored in incidents:
            assert stored.id is not None
            parts = event_parts(stored, found, timezone=timezone)
            first, last = closest(stored, parts, timezone=timezone), event_end(parts, timezone=timezone)
            if first is None or last is None or last.incident.end is None or stored.message_ts is None:
                continue
            end = last.incident.end
            hourly = last.series.spec.granularity == "hourly"
            stayed = settled(last)
            if last.incident.superseded_by is not None:
                # It ended because a new incident opened (the values fell to near zero, or turned sharply the other
                # way): "back to normal" would be false.
                text = messages.superseded(at=end, hourly=hourly, by=last.incident.superseded_by)
            elif stayed is not None:  # the detector got used to it; the series' own past did not
                label, way = last.series.spec.label, last.incident.direction
                text = messages.settled(label=label, direction=way, relative=stayed.relative, since=end, hourly=hourly)
            else:
                text = messages.recovered(since=end, affected=end - first.incident.start, hourly=hourly)
            follow_up = SlackPost(text=text)
            outcome = await self._wiring.poster.post_once(
                client=client,
                workspace_id=subscription.workspace_id,
                subscription_id=subscription.id,
                period=f"recovery:{stored.id}",  # one follow-up per incident, a recovery or a supersession
                channel_id=subscription.channel_id,
                thread_ts=stored.message_ts,
                prepare=_ready(follow_up),
            )
            async with self._wiring.database.session() as session:
                await close_incident(session=session, incident_id=stored.id, now=self._wiring.clock())
            outcomes.append(outcome)
        return outcomes

    async def _upload_chart(self, client: AsyncWebClient, channel_id: str, found: Found, *, thread_ts: str) -> None:
        assert self._chart is not None
        png = await self._chart(found)
        if png is None:
            return
        await self._wiring.poster.upload_chart(
            client,
            channel_id=channel_id,
            content=png,
            filename="lookout-alert.png",
            title=messages.chart_title(label=found.series.spec.label, hourly=found.series.spec.granularity == "hourly"),
            what="alert",
            thread_ts=thread_ts,
        )


def _ready(post: SlackPost) -> Callable[[], Awaitable[SlackPost | None]]:
    async def prepare() -> SlackPost | None:
        return post

    return prepare


def similarity_key(found: Found) -> str:
    """What a person means by "similar" when muting: the same metric moving the same way, hourly or daily,
    whatever shape the detector gave it."""
    spec = found.series.spec
    return f"{spec.source}:{spec.metric}|{found.incident.direction}"


def similar_keys(group: AlertGroup) -> list[str]:
    return sorted({similarity_key(item) for item in (group.primary, *group.also)})
