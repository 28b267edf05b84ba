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

from bot.platform.slack.channels import externally_shared
from bot.slack.views.click_context import ClickContext
from bot.slack.views.digest_fields import CadenceChoice
from bot.slack.views.subscription_form import SubscriptionForm, posting_error, read_form
from bot.subscriptions import manage, rollups
from bot.subscriptions.manage import DEFAULT_TIMEZONE
from bot.text import rollups as rollup_words
from bot.text import subscriptions as messages
from storage.tables.schedule import DigestCadence, SubscriptionKind

if TYPE_CHECKING:
    from storage.tables.core import Workspace

logger = logging.getLogger(__name__)
_MAX_ERROR = 300  # an error shows under one field: a few choices, not the whole list


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
    properties = ""
    if form is not None:
        problem = await manage.posting_problem(client, form.channel_id)
        if problem is not None:
            errors[messages.BLOCK_CHANNEL] = posting_error(problem)
        elif form.cadence is not None and form.cadence.rollup:
            assert workspace.id is not None
            properties = await _rollup_properties(
                clicks=clicks, client=client, workspace_id=workspace.id, form=form, errors=errors
            )
    if form is None or errors:
        await ack(response_action="errors", errors=errors)
        return
    failed = await _save(
        kind=kind, form=form, clicks=clicks, workspace=workspace, user_id=user_id, properties=properties
    )
    if failed is not None:
        await ack(response_action="errors", errors={messages.BLOCK_CHANNEL: failed})
        return
    await ack()
    await clicks.republish(client=client, workspace=workspace, user_id=user_id)


async def _rollup_properties(
    *, clicks: ClickContext, client: AsyncWebClient, workspace_id: int, form: SubscriptionForm, errors: dict[str, str]
) -> str:
    """A roll-up's properties as stored; what is wrong goes in `errors` (a shared channel, a name not listed)."""
    assert form.cadence is not None
    if await externally_shared(client, form.channel_id):
        errors[messages.BLOCK_CHANNEL] = rollup_words.MODAL_SHARED_CHANNEL
        return ""
    try:
        found = await rollups.resolve_properties(
            services=clicks.services,
            workspace_id=workspace_id,
            channel_id=form.channel_id,
            typed=form.cadence.properties,
        )
    except rollups.RollupProblem as problem:
        errors[rollup_words.BLOCK_PROPERTIES] = str(problem)[:_MAX_ERROR]
        return ""
    return rollups.stored(found)


async def _save(
    *,
    kind: SubscriptionKind,
    form: SubscriptionForm,
    clicks: ClickContext,
    workspace: Workspace,
    user_id: str,
    properties: str = "",
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
            rollup=choice.rollup,
            properties=properties,
        )
    except Exception:
        reference = secrets.token_hex(3)
        logger.exception("could not save a %s subscription from App Home (ref %s)", kind.value, reference)
        return messages.modal_failed(reference=reference)
    return None
