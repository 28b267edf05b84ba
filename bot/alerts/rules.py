"""The scheduled check of one alert rule: read its two windows, judge them (`tools.rules`), post one alert when the
rule is breached and a note in that alert's thread when it holds again.

One alert per breach: while the rule stays breached its incident stays open and nothing more is posted; a
"Mute 7 days" answer (`bot.slack.actions.alerts`) skips new alerts until it expires. Posting goes through the same
exactly-once claims as digests and anomaly alerts, so restarts and replicas never double an alert or a note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.matching import to_utc
from bot.alerts.wiring import CheckWiring
from bot.google.problems import GoogleProblem
from bot.scheduler.posting import PostOutcome, SlackPost
from bot.text import alerts as alert_messages
from bot.text import rules as messages
from storage.repos.rules import get_rule
from storage.repos.schedule import (
    ScheduledSubscription,
    active_feedback,
    close_incident,
    create_incident,
    open_incidents,
    set_incident_message,
)
from storage.tables.base import aware_utc
from storage.tables.rules import RuleCondition, RuleSource
from storage.tables.schedule import AlertIncident
from tools.base import ToolError, ToolUserError
from tools.cache import ResultCache
from tools.google.errors import GoogleApiError
from tools.rules.evaluate import Verdict, evaluate
from tools.rules.read import Reading, read_rule
from tools.rules.spec import RuleSpec, spec_of

log = logging.getLogger(__name__)


def rule_fingerprint(rule_id: int) -> str:
    """What a rule's incidents and mutes are filed under."""
    return f"rule:{rule_id}"


def is_rule_incident(incident: AlertIncident) -> bool:
    return incident.fingerprint.startswith("rule:")


@dataclass(frozen=True, kw_only=True)
class RuleCheck:
    """What one check found and did: the reading and verdict (None when there was nothing to read), the alert and
    recovery notes it posted (or found posted)."""

    reading: Reading | None = None
    verdict: Verdict | None = None
    alert: PostOutcome | None = None
    recoveries: tuple[PostOutcome, ...] = ()


@dataclass(frozen=True, kw_only=True)
class _Judged:
    subscription: ScheduledSubscription
    spec: RuleSpec
    reading: Reading
    verdict: Verdict
    timezone: str
    sample: bool


class RuleService:
    def __init__(self, wiring: CheckWiring) -> None:
        self._wiring = wiring

    async def check(self, subscription: ScheduledSubscription) -> RuleCheck:
        """`RuleChecker.check`: one pass over one rule."""
        judged = await self._judge(subscription)
        if judged is None:
            return RuleCheck()
        try:
            client = await self._wiring.slack_client_for(subscription.workspace_id)
        except LookupError:
            return RuleCheck(reading=judged.reading, verdict=judged.verdict)
        async with self._wiring.database.session() as session:
            incidents = await open_incidents(session=session, subscription_id=subscription.id)
        if judged.verdict.breached:
            # Still the breach already alerted: silence until it recovers.
            alert = None if incidents else await self._alert(judged, client=client)
            return RuleCheck(reading=judged.reading, verdict=judged.verdict, alert=alert)
        recoveries = [await self._recover(judged, incident, client=client) for incident in incidents]
        return RuleCheck(
            reading=judged.reading, verdict=judged.verdict, recoveries=tuple(item for item in recoveries if item)
        )

    async def _judge(self, subscription: ScheduledSubscription) -> _Judged | None:
        async with self._wiring.database.session() as session:
            stored = await get_rule(
                session=session, workspace_id=subscription.workspace_id, subscription_id=subscription.id
            )
        if stored is None:
            return None
        spec = spec_of(stored.fields())
        try:
            target = await self._wiring.targets.resolve_target(
                workspace_id=subscription.workspace_id, channel_id=subscription.channel_id
            )
            clients = await self._wiring.google.clients_for(target=target)
            timezone = target.timezone or subscription.timezone or "UTC"
            # A cache of its own: each hourly check reads fresh numbers, on the path digests and alerts use.
            context = target.tool_context(
                cache=ResultCache(),
                ga4=clients.ga4 if target.property_id else None,
                gsc=clients.gsc if target.site_url else None,
                clock=self._wiring.clock,
                timezone=timezone,
            )
            reading = await read_rule(spec, ctx=context, now=self._wiring.clock(), timezone=timezone)
        except (GoogleProblem, GoogleApiError, ToolError, ToolUserError) as problem:
            # Nothing to judge without data; the Google connection tells the person who connected it.
            log.info("rule check for subscription %s skipped: %s", subscription.id, type(problem).__name__)
            return None
        if reading is None:
            return None
        return _Judged(
            subscription=subscription,
            spec=spec,
            reading=reading,
            verdict=evaluate(spec, reading),
            timezone=timezone,
            sample=target.sample,
        )

    async def _alert(self, judged: _Judged, *, client: AsyncWebClient) -> PostOutcome:
        subscription, spec, reading, verdict = judged.subscription, judged.spec, judged.reading, judged.verdict
        started_at = to_utc(reading.start, judged.timezone)
        fingerprint = rule_fingerprint(subscription.id)
        created: list[AlertIncident] = []

        async def prepare() -> SlackPost | None:
            async with self._wiring.database.session() as session:
                if await active_feedback(
                    session=session, subscription_id=subscription.id, fingerprint=fingerprint, now=self._wiring.clock()
                ):
                    return None  # muted
                headline = messages.rule_headline(
                    spec,
                    current=reading.current,
                    previous=reading.previous,
                    change=verdict.change,
                    start=reading.start,
                    severity=verdict.severity,
                )
                stored = await create_incident(
                    session=session,
                    incident=AlertIncident(
                        workspace_id=subscription.workspace_id,
                        subscription_id=subscription.id,
                        channel_id=subscription.channel_id,
                        fingerprint=fingerprint,
                        metric=spec.metric,
                        direction="down" if spec.condition in (RuleCondition.DROPS, RuleCondition.BELOW) else "up",
                        severity=verdict.severity,
                        started_at=started_at,
                        opened_at=self._wiring.clock(),
                        summary=headline,
                        similar_keys=fingerprint,
                    ),
                )
            created.append(stored)
            assert stored.id is not None
            return SlackPost(text=headline, blocks=_alert_blocks(judged, headline=headline, incident_id=stored.id))

        outcome = await self._wiring.poster.post_once(
            client=client,
            workspace_id=subscription.workspace_id,
            subscription_id=subscription.id,
            period=f"rule:{started_at.isoformat()}",
            channel_id=subscription.channel_id,
            prepare=prepare,
        )
        if outcome.message_ts is not None and created:
            assert created[0].id is not None
            async with self._wiring.database.session() as session:
                await set_incident_message(session=session, incident_id=created[0].id, message_ts=outcome.message_ts)
        return outcome

    async def _recover(self, judged: _Judged, incident: AlertIncident, *, client: AsyncWebClient) -> PostOutcome | None:
        """The note in the alert's thread, once a later window holds (a revised reading of the breached window
        itself is not a recovery)."""
        reading = judged.reading
        window_start = to_utc(reading.start, judged.timezone)
        breached_at = aware_utc(incident.started_at)
        if window_start <= breached_at or incident.message_ts is None or incident.id is None:
            return None
        text = messages.rule_recovered(
            judged.spec, current=reading.current, start=reading.start, affected=window_start - breached_at
        )
        subscription = judged.subscription
        note = SlackPost(text=text)

        async def prepare() -> SlackPost | None:
            return note

        outcome = await self._wiring.poster.post_once(
            client=client,
            workspace_id=subscription.workspace_id,
            subscription_id=subscription.id,
            period=f"recovery:{incident.id}",
            channel_id=subscription.channel_id,
            thread_ts=incident.message_ts,
            prepare=prepare,
        )
        async with self._wiring.database.session() as session:
            await close_incident(session=session, incident_id=incident.id, now=self._wiring.clock())
        return outcome


def _alert_blocks(judged: _Judged, *, headline: str, incident_id: int) -> list[dict[str, object]]:
    spec = judged.spec
    source = "GA4" if spec.source is RuleSource.GA4 else "Search Console"
    return messages.rule_alert_blocks(
        lines=[headline, messages.rule_reminder(spec, rule_id=judged.subscription.id)],
        context=messages.rule_context(
            source=source, severity=judged.verdict.severity, rule_id=judged.subscription.id, sample=judged.sample
        ),
        incident_id=incident_id,
        mute=alert_messages.ACTION_MUTE,
        ask=alert_messages.ACTION_ASK,
    )
