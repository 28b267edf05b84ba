"""App Home's subscription buttons: "Add a digest" and "Add alerts" open their modals, Edit opens one filled in,
Remove deletes (all for managers: `bot.access.policy` lists them; `bot.slack.access_middleware` checks first).

Every change goes through `bot.subscriptions.manage`, the path `/lookout digest|alerts` uses, then the Home tab is
published again for the person who made it.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.views.click_context import ClickContext
from bot.slack.views.rule_modal import edit_rule_modal
from bot.slack.views.subscription_modals import alerts_modal, edit_modal, new_digest_modal
from bot.subscriptions import manage, rules
from bot.text import subscriptions as messages
from storage.repos import schedule as schedule_repo
from storage.tables.schedule import Sensitivity, SubscriptionKind


def register(app: AsyncApp, *, clicks: ClickContext) -> None:
    _register_add(app, clicks=clicks)
    _register_edit_and_remove(app, clicks=clicks)


def _register_add(app: AsyncApp, *, clicks: ClickContext) -> None:
    services = clicks.services

    @app.action(messages.ACTION_ADD_DIGEST)
    async def add_digest(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            found = await clicks.workspace_and_user(body=body, context=context)
            if found is None:
                return
            assert found[0].id is not None
            view = await new_digest_modal(services=services, workspace_id=found[0].id)
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(messages.ACTION_ADD_ALERTS)
    async def add_alerts(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            if await clicks.workspace_and_user(body=body, context=context) is None:
                return
            view = alerts_modal(channel_id=None, sensitivity=Sensitivity.MEDIUM.value, subscription_id=None)
            await client.views_open(trigger_id=body["trigger_id"], view=view)


def _register_edit_and_remove(app: AsyncApp, *, clicks: ClickContext) -> None:
    services = clicks.services

    @app.action(messages.ACTION_EDIT_SUBSCRIPTION)
    async def edit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            clicked = await clicks.clicked_subscription(body=body, context=context)
            if clicked is None:
                return
            async with services.database.session() as session:
                subscription = await schedule_repo.get_subscription(
                    session=session, workspace_id=clicked.workspace_id, subscription_id=clicked.subscription_id
                )
            if subscription is None:  # removed meanwhile (another manager, a slash command): show what is left
                await clicks.republish(client=client, workspace=clicked.workspace, user_id=clicked.user_id)
                return
            if subscription.kind == SubscriptionKind.RULE.value:
                stored = await rules.get_rule(
                    services=services, workspace_id=clicked.workspace_id, rule_id=clicked.subscription_id
                )
                view = edit_modal(subscription) if stored is None else edit_rule_modal(stored)
            else:
                view = edit_modal(subscription)
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(messages.ACTION_REMOVE_SUBSCRIPTION)
    async def remove(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            clicked = await clicks.clicked_subscription(body=body, context=context)
            if clicked is None:
                return
            await manage.remove_subscription(
                services=services, workspace_id=clicked.workspace_id, subscription_id=clicked.subscription_id
            )
            await clicks.republish(client=client, workspace=clicked.workspace, user_id=clicked.user_id)
