"""The alert buttons (anomaly alerts and rule alerts): "Expected" and "Mute 7 days" store an answer that suppresses similar alerts; "Ask Lookout
why" hands the alert to the agent in the alert's thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.incoming import IncomingMessage, MessageHandler
from bot.platform.slack.workspaces import resolve_owner
from bot.text import alerts as messages
from bot.text import rules as rule_messages
from storage.db import Database
from storage.repos.schedule import add_feedback, close_incident, get_incident
from storage.tables.schedule import AlertFeedback, AlertIncident, FeedbackKind

if TYPE_CHECKING:
    from bot.platform.services import Services

log = logging.getLogger(__name__)

SUPPRESS_FOR = {FeedbackKind.EXPECTED: timedelta(days=3), FeedbackKind.MUTE: timedelta(days=7)}


async def record_feedback(
    *,
    database: Database,
    clock: Callable[[], datetime],
    workspace_id: int,
    incident_id: int,
    kind: FeedbackKind,
    user_id: str,
) -> AlertIncident | None:
    """Store the answer for every series the incident moved (similar = same metric and direction); "Expected" closes
    the incident (no recovery follow-up for something planned). None when the incident is not this workspace's."""
    now = clock()
    async with database.session() as session:
        incident = await get_incident(session=session, workspace_id=workspace_id, incident_id=incident_id)
        if incident is None:
            return None
        for fingerprint in filter(None, incident.similar_keys.split("\n")):
            await add_feedback(
                session=session,
                feedback=AlertFeedback(
                    workspace_id=workspace_id,
                    subscription_id=incident.subscription_id,
                    incident_id=incident_id,
                    fingerprint=fingerprint,
                    kind=kind.value,
                    user_id=user_id,
                    created_at=now,
                    expires_at=now + SUPPRESS_FOR[kind],
                ),
            )
        if kind is FeedbackKind.EXPECTED:
            await close_incident(session=session, incident_id=incident_id, now=now)
        return incident


def register(app: AsyncApp, *, services: Services, handler: MessageHandler) -> None:
    """Listen for the three alert buttons (action ids in `bot.text.alerts`)."""

    @app.action(messages.ACTION_EXPECTED)
    async def expected(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            await _feedback(services, body, context, client, FeedbackKind.EXPECTED)

    @app.action(messages.ACTION_MUTE)
    async def mute(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            await _feedback(services, body, context, client, FeedbackKind.MUTE)

    @app.action(messages.ACTION_ASK)
    async def ask(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            await _ask(services, body, context, client, handler)


async def _context(services: Services, body: dict[str, Any], context: AsyncBoltContext) -> tuple[Any, int, str] | None:
    workspace = await resolve_owner(services=services, context=context)
    actions = body.get("actions") or []
    user_id = str((body.get("user") or {}).get("id", ""))
    if workspace is None or workspace.id is None or not actions or not user_id:
        return None
    try:
        incident_id = int(actions[0].get("value", ""))
    except ValueError:
        return None
    return workspace, incident_id, user_id


async def _feedback(
    services: Services, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, kind: FeedbackKind
) -> None:
    found = await _context(services, body, context)
    if found is None:
        return
    workspace, incident_id, user_id = found
    incident = await record_feedback(
        database=services.database,
        clock=services.clock,
        workspace_id=workspace.id,
        incident_id=incident_id,
        kind=kind,
        user_id=user_id,
    )
    if incident is None or incident.message_ts is None:
        return
    if kind is FeedbackKind.EXPECTED:
        note = messages.marked_expected(user_id=user_id)
    else:
        # Imported here: the rule checks import the digest and GA4 report path (google-analytics-data, gRPC), which
        # the front door must not load at start-up for one button.
        from bot.alerts.rules import is_rule_incident

        note = (
            rule_messages.rule_muted(user_id=user_id) if is_rule_incident(incident) else messages.muted(user_id=user_id)
        )
    original = (body.get("message") or {}).get("blocks") or []
    blocks = [block for block in original if block.get("type") != "actions"]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    try:
        await client.chat_update(
            channel=incident.channel_id, ts=incident.message_ts, text=incident.summary, blocks=blocks
        )
    except SlackApiError as error:
        log.warning("could not update the alert message: %s", error.response.get("error"))


async def _ask(
    services: Services,
    body: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    handler: MessageHandler,
) -> None:
    found = await _context(services, body, context)
    if found is None:
        return
    workspace, incident_id, user_id = found
    async with services.database.session() as session:
        incident = await get_incident(session=session, workspace_id=workspace.id, incident_id=incident_id)
    if incident is None or incident.message_ts is None:
        return
    message = IncomingMessage(
        workspace=workspace,
        channel_id=incident.channel_id,
        user_id=user_id,
        text=messages.ask_question(summary=incident.summary),
        ts=incident.message_ts,
        thread_ts=incident.message_ts,
        is_dm=False,
        bot_user_id=None,
        team_id=str((body.get("user") or {}).get("team_id") or workspace.team_id),
        enterprise_id=workspace.enterprise_id or None,
    )
    await handler(message=message, client=client)
