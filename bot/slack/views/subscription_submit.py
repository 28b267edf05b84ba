"""Saving the digest and alerts modals: check the form and that Lookout can post in the channel (errors show under
the field), save through `bot.subscriptions.manage` (the path `/lookout digest|alerts` uses), publish Home again.

Who may submit is checked before these listeners run (`bot.slack.access_middleware`), which also records each
change in the settings trail.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.views.click_context import ClickContext
from bot.slack.views.digest_fields import CadenceChoice
from bot.slack.views.subscription_form import SubscriptionForm, posting_error, read_form
from bot.subscriptions import manage
from bot.subscriptions.manage import DEFAULT_TIMEZONE
from bot.text import subscriptions as messages
from storage.tables.schedule import DigestCadence, SubscriptionKind

if TYPE_CHECKING:
    from storage.tables.core import Workspace

logger = logging.getLogger(__name__)


def register(app: AsyncApp, *, clicks: ClickContext) -> None:
    services = clicks.services

    @app.view(messages.VIEW_DIGEST)
    async def save_digest(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        async with services.background.track():
            await submit(
                kind=SubscriptionKind.DIGEST, ack=ack, body=body, client=client, context=context, clicks=clicks
            )

    @app.view(messages.VIEW_ALERTS)
    async def save_alerts(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        async with services.background.track():
            await submit(
                kind=SubscriptionKind.ALERTS, ack=ack, body=body, client=client, context=context, clicks=clicks
            )


async def submit(
    *,
    kind: SubscriptionKind,
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    clicks: ClickContext,
) -> None:
    """Save the submitted modal, or answer Slack with the errors to show under its fields."""
    found = await clicks.workspace_and_user(body=body, context=context)
    if found is None:
        await ack()
        return
    workspace, user_id = found
    form, errors = read_form(kind=kind, view=body.get("view") or {})
    if form is not None:
        problem = await manage.posting_problem(client, form.channel_id)
        if problem is not None:
            errors[messages.BLOCK_CHANNEL] = posting_error(problem)
    if form is None or errors:
        await ack(response_action="errors", errors=errors)
        return
    failed = await _save(kind=kind, form=form, clicks=clicks, workspace=workspace, user_id=user_id)
    if failed is not None:
        await ack(response_action="errors", errors={messages.BLOCK_CHANNEL: failed})
        return
    await ack()
    await clicks.republish(client=client, workspace=workspace, user_id=user_id)


async def _save(
    *, kind: SubscriptionKind, form: SubscriptionForm, clicks: ClickContext, workspace: Workspace, user_id: str
) -> str | None:
    """Store the subscription; on failure, the error to show (with a reference to find it in the logs)."""
    services = clicks.services
    assert workspace.id is not None
    timezone = form.timezone
    if kind is SubscriptionKind.ALERTS:
        # Alerts read hourly series in the property's own day, as `/lookout alerts` stores them.
        timezone = (
            await manage.property_timezone(services=services, workspace_id=workspace.id, channel_id=form.channel_id)
            or DEFAULT_TIMEZONE
        )
    choice = form.cadence or CadenceChoice(cadence=DigestCadence.DAILY, weekday=0, kpis="")
    try:
        await manage.save_subscription(
            services=services,
            workspace_id=workspace.id,
            channel_id=form.channel_id,
            kind=kind,
            time_of_day=form.time_of_day,
            timezone=timezone,
            sensitivity=form.sensitivity,
            user_id=user_id,
            replaces=form.replaces,
            cadence=choice.cadence,
            weekday=choice.weekday,
            kpis=choice.kpis,
        )
    except Exception:
        reference = secrets.token_hex(3)
        logger.exception("could not save a %s subscription from App Home (ref %s)", kind.value, reference)
        return messages.modal_failed(reference=reference)
    return None
