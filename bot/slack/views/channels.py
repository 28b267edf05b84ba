"""App Home's settings: the channels' digests and alerts (Edit, Remove, "Add a digest", "Add alerts" and their
modals), this month's AI usage, and the next steps still to do.

Every change goes through `bot.subscriptions.manage`, the path `/lookout digest|alerts` uses, then the Home tab is
published again for the person who made it. Who may click and submit is checked before any listener here runs
(`bot.slack.access_middleware`), which also records each change in the settings trail.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import TYPE_CHECKING, Any
from zoneinfo import available_timezones

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.slack.workspaces import resolve_owner
from bot.subscriptions import manage
from bot.subscriptions.manage import DEFAULT_TIME, DEFAULT_TIMEZONE, PostingProblem
from bot.text import subscriptions as messages
from storage.repos import agent as agent_repo
from storage.repos import google as google_repo
from storage.repos import schedule as schedule_repo
from storage.tables.schedule import Sensitivity, Subscription, SubscriptionKind

if TYPE_CHECKING:
    from bot.platform.services import Services
    from bot.slack.views.managers import HomePublisher
    from storage.tables.core import Workspace

logger = logging.getLogger(__name__)

Block = dict[str, Any]
# Slack allows 100 blocks in a Home view; each subscription takes two (its line and its buttons), so the list
# stops here and the rest is summarised, leaving room for the other sections.
MAX_LISTED = 20
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# ---------------------------------------------------------------------------------------------- Home sections


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def _button(text: str, *, action_id: str, value: str = "", style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": _plain(text), "action_id": action_id}
    if value:
        button["value"] = value
    if style:
        button["style"] = style
    return button


def subscription_line(subscription: Subscription) -> str:
    if subscription.kind == SubscriptionKind.DIGEST.value:
        return messages.home_digest_line(
            channel_id=subscription.channel_id, time_of_day=subscription.time_of_day, timezone=subscription.timezone
        )
    return messages.home_alerts_line(channel_id=subscription.channel_id, sensitivity=subscription.sensitivity)


def channels_blocks(*, subscriptions: list[Subscription], can_change: bool) -> list[Block]:
    """ "In your channels": one line per subscription (with Edit and Remove for managers), then the Add buttons."""
    blocks: list[Block] = [{"type": "header", "text": _plain(messages.HOME_CHANNELS_HEADER)}]
    if not subscriptions:
        empty = messages.HOME_NO_SUBSCRIPTIONS if can_change else messages.HOME_NO_SUBSCRIPTIONS_MEMBER
        blocks.append(_section(empty))
    for subscription in subscriptions[:MAX_LISTED]:
        blocks.append(_section(subscription_line(subscription)))
        if can_change:
            value = str(subscription.id)
            remove = _button(messages.REMOVE_BUTTON, action_id=messages.ACTION_REMOVE_SUBSCRIPTION, value=value)
            remove["confirm"] = {
                "title": _plain(messages.REMOVE_CONFIRM_TITLE),
                "text": {
                    "type": "mrkdwn",
                    "text": messages.remove_confirm_text(kind=subscription.kind, channel_id=subscription.channel_id),
                },
                "confirm": _plain(messages.REMOVE_CONFIRM),
                "deny": _plain(messages.REMOVE_DENY),
                "style": "danger",
            }
            edit = _button(messages.EDIT_BUTTON, action_id=messages.ACTION_EDIT_SUBSCRIPTION, value=value)
            blocks.append({"type": "actions", "block_id": f"subscription:{value}", "elements": [edit, remove]})
    if len(subscriptions) > MAX_LISTED:
        more = messages.home_more_subscriptions(count=len(subscriptions) - MAX_LISTED)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    if can_change:
        add_digest = _button(messages.ADD_DIGEST_BUTTON, action_id=messages.ACTION_ADD_DIGEST, style="primary")
        add_alerts = _button(messages.ADD_ALERTS_BUTTON, action_id=messages.ACTION_ADD_ALERTS)
        blocks.append({"type": "actions", "block_id": "subscriptions:add", "elements": [add_digest, add_alerts]})
    return blocks


def usage_blocks(*, services: Services, month: str, cost_usd: float, requests: int) -> list[Block]:
    """ "This month": the workspace's AI spend against the budget every workspace has (LOOKOUT_MONTHLY_BUDGET_USD)."""
    month_name = _MONTHS[int(month[5:7]) - 1]
    text = messages.home_usage(
        month_name=month_name,
        cost_usd=cost_usd,
        budget_usd=services.settings.lookout_monthly_budget_usd,
        requests=requests,
    )
    return [{"type": "header", "text": _plain(messages.HOME_USAGE_HEADER)}, _section(text)]


def next_steps(
    *, connected: bool, property_and_site: bool, asked: bool, subscriptions: list[Subscription], sample: bool = False
) -> list[str]:
    """The set-up steps not done yet, in order; empty once everything is set up (the section then disappears).

    On sample data (`/lookout connect demo`) connecting Google stays the first step, and there is nothing to choose
    until then: the Demo Store has its property and site."""
    kinds = {subscription.kind for subscription in subscriptions}
    steps = [
        (connected, messages.STEP_CONNECT_FROM_SAMPLE if sample else messages.STEP_CONNECT),
        (property_and_site or sample, messages.STEP_CHOOSE),
        (asked, messages.STEP_ASK),
        (SubscriptionKind.DIGEST.value in kinds, messages.STEP_DIGEST),
        (SubscriptionKind.ALERTS.value in kinds, messages.STEP_ALERTS),
    ]
    return [text for done, text in steps if not done]


async def settings_home_blocks(
    *, services: Services, workspace: Workspace, can_change: bool
) -> tuple[list[Block], list[Block], list[str]]:
    """The channels section, the usage section and the next steps still open, from one read of the database."""
    assert workspace.id is not None
    month = agent_repo.month_of(services.clock())
    async with services.database.session() as session:
        subscriptions = await schedule_repo.list_subscriptions(session=session, workspace_id=workspace.id)
        usage = await agent_repo.usage_for_month(session=session, workspace_id=workspace.id, month=month)
        ever_asked = bool(usage) or await agent_repo.has_usage(session=session, workspace_id=workspace.id)
        connection = await google_repo.get_connection(session=session, workspace_id=workspace.id)
        sample = await google_repo.sample_data_since(session=session, workspace_id=workspace.id) is not None
        default = await google_repo.get_choice(
            session=session, workspace_id=workspace.id, channel_id=google_repo.DEFAULT_CHANNEL
        )
    steps = next_steps(
        connected=connection is not None,
        property_and_site=default is not None and bool(default.property_id) and bool(default.site_url),
        asked=ever_asked,
        subscriptions=subscriptions,
        sample=sample,
    )
    channels = channels_blocks(subscriptions=subscriptions, can_change=can_change)
    spend = usage_blocks(
        services=services,
        month=month,
        cost_usd=sum(row.cost_usd for row in usage),
        requests=sum(row.requests for row in usage),
    )
    return channels, spend, steps


# ---------------------------------------------------------------------------------------------------- modals


# The timezones the digest modal offers, by region: one or more per UTC offset where people work, ≤100 in all
# (Slack's limit for a select menu). The property's and the subscription's own zone are added when missing, and
# `/lookout digest` still takes any IANA name.
COMMON_TIMEZONES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("UTC", ("UTC",)),
    (
        "Americas",
        (
            "Pacific/Honolulu",
            "America/Anchorage",
            "America/Los_Angeles",
            "America/Vancouver",
            "America/Tijuana",
            "America/Phoenix",
            "America/Denver",
            "America/Edmonton",
            "America/Chicago",
            "America/Mexico_City",
            "America/Winnipeg",
            "America/Guatemala",
            "America/Costa_Rica",
            "America/New_York",
            "America/Toronto",
            "America/Bogota",
            "America/Lima",
            "America/Panama",
            "America/Havana",
            "America/Caracas",
            "America/Halifax",
            "America/Santo_Domingo",
            "America/Puerto_Rico",
            "America/Santiago",
            "America/La_Paz",
            "America/Asuncion",
            "America/Sao_Paulo",
            "America/Argentina/Buenos_Aires",
            "America/Montevideo",
            "America/St_Johns",
        ),
    ),
    (
        "Europe",
        (
            "Atlantic/Reykjavik",
            "Europe/Lisbon",
            "Europe/London",
            "Europe/Dublin",
            "Europe/Madrid",
            "Europe/Paris",
            "Europe/Brussels",
            "Europe/Amsterdam",
            "Europe/Berlin",
            "Europe/Zurich",
            "Europe/Rome",
            "Europe/Vienna",
            "Europe/Prague",
            "Europe/Warsaw",
            "Europe/Stockholm",
            "Europe/Oslo",
            "Europe/Copenhagen",
            "Europe/Budapest",
            "Europe/Belgrade",
            "Europe/Athens",
            "Europe/Bucharest",
            "Europe/Helsinki",
            "Europe/Kyiv",
            "Europe/Istanbul",
            "Europe/Moscow",
        ),
    ),
    (
        "Africa and Middle East",
        (
            "Africa/Casablanca",
            "Africa/Lagos",
            "Africa/Algiers",
            "Africa/Cairo",
            "Africa/Johannesburg",
            "Africa/Nairobi",
            "Asia/Jerusalem",
            "Asia/Beirut",
            "Asia/Riyadh",
            "Asia/Dubai",
            "Asia/Tehran",
            "Asia/Baku",
        ),
    ),
    (
        "Asia and Pacific",
        (
            "Asia/Karachi",
            "Asia/Tashkent",
            "Asia/Kolkata",
            "Asia/Kathmandu",
            "Asia/Dhaka",
            "Asia/Almaty",
            "Asia/Yangon",
            "Asia/Bangkok",
            "Asia/Jakarta",
            "Asia/Ho_Chi_Minh",
            "Asia/Singapore",
            "Asia/Kuala_Lumpur",
            "Asia/Manila",
            "Asia/Hong_Kong",
            "Asia/Shanghai",
            "Asia/Taipei",
            "Asia/Seoul",
            "Asia/Tokyo",
            "Australia/Perth",
            "Australia/Darwin",
            "Australia/Adelaide",
            "Australia/Brisbane",
            "Australia/Sydney",
            "Australia/Melbourne",
            "Pacific/Guam",
            "Pacific/Auckland",
            "Pacific/Fiji",
        ),
    ),
)


def timezone_option_groups(*, include: tuple[str, ...] = ()) -> list[Block]:
    """The common timezones as option groups, plus `include` (e.g. the property's zone) under "Yours" when they
    are not among them; zones this machine's timezone database lacks are left out."""
    known = available_timezones() | {"UTC"}
    offered = {zone for _, zones in COMMON_TIMEZONES for zone in zones}
    extra = [zone for zone in dict.fromkeys(include) if zone and zone not in offered and zone in known]
    groups: list[Block] = []
    if extra:
        groups.append({"label": _plain("Yours"), "options": [_option(z.replace("_", " "), z) for z in extra]})
    for label, zones in COMMON_TIMEZONES:
        options = [_option(zone.replace("_", " "), zone) for zone in zones if zone in known]
        groups.append({"label": _plain(label), "options": options})
    return groups


def _option(text: str, value: str) -> Block:
    return {"text": _plain(text), "value": value}


def _initial_timezone(groups: list[Block], timezone: str) -> Block | None:
    for group in groups:
        for option in group["options"]:
            if option["value"] == timezone:
                return dict(option)
    return None


def _channel_input(channel_id: str | None) -> Block:
    element: Block = {
        "type": "conversations_select",
        "action_id": messages.ELEMENT,
        "placeholder": _plain(messages.CHANNEL_PLACEHOLDER),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if channel_id:
        element["initial_conversation"] = channel_id
    return {
        "type": "input",
        "block_id": messages.BLOCK_CHANNEL,
        "label": _plain(messages.CHANNEL_LABEL),
        "hint": _plain(messages.CHANNEL_HINT),
        "element": element,
    }


def _modal(*, callback_id: str, title: str, blocks: list[Block], subscription_id: int | None) -> Block:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title),
        "submit": _plain(messages.MODAL_SAVE),
        "close": _plain(messages.MODAL_CANCEL),
        # Which subscription an Edit changes; the submission checks it still belongs to the workspace.
        "private_metadata": json.dumps({"subscription_id": subscription_id}),
        "blocks": blocks,
    }


def digest_modal(
    *, channel_id: str | None, time_of_day: str, timezone: str, from_property: bool, subscription_id: int | None
) -> Block:
    groups = timezone_option_groups(include=(timezone,))
    timezone_select: Block = {"type": "static_select", "action_id": messages.ELEMENT, "option_groups": groups}
    if (initial := _initial_timezone(groups, timezone)) is not None:
        timezone_select["initial_option"] = initial
    timezone_input: Block = {
        "type": "input",
        "block_id": messages.BLOCK_TIMEZONE,
        "label": _plain(messages.TIMEZONE_LABEL),
        "element": timezone_select,
    }
    if from_property:
        timezone_input["hint"] = _plain(messages.TIMEZONE_HINT_FROM_PROPERTY)
    blocks = [
        _section(messages.DIGEST_MODAL_INTRO),
        _channel_input(channel_id),
        {
            "type": "input",
            "block_id": messages.BLOCK_TIME,
            "label": _plain(messages.TIME_LABEL),
            "element": {"type": "timepicker", "action_id": messages.ELEMENT, "initial_time": time_of_day},
        },
        timezone_input,
    ]
    return _modal(
        callback_id=messages.VIEW_DIGEST,
        title=messages.DIGEST_MODAL_TITLE,
        blocks=blocks,
        subscription_id=subscription_id,
    )


def alerts_modal(*, channel_id: str | None, sensitivity: str, subscription_id: int | None) -> Block:
    options = [
        {"text": _plain(label), "value": value, "description": _plain(description)}
        for value, label, description in messages.SENSITIVITY_OPTIONS
    ]
    initial = next((option for option in options if option["value"] == sensitivity), options[1])
    blocks = [
        _section(messages.ALERTS_MODAL_INTRO),
        _channel_input(channel_id),
        {
            "type": "input",
            "block_id": messages.BLOCK_SENSITIVITY,
            "label": _plain(messages.SENSITIVITY_LABEL),
            "element": {
                "type": "radio_buttons",
                "action_id": messages.ELEMENT,
                "options": options,
                "initial_option": initial,
            },
        },
    ]
    return _modal(
        callback_id=messages.VIEW_ALERTS,
        title=messages.ALERTS_MODAL_TITLE,
        blocks=blocks,
        subscription_id=subscription_id,
    )


async def _new_digest_modal(services: Services, workspace_id: int) -> Block:
    timezone = await manage.property_timezone(services=services, workspace_id=workspace_id, channel_id="")
    return digest_modal(
        channel_id=None,
        time_of_day=DEFAULT_TIME,
        timezone=timezone or DEFAULT_TIMEZONE,
        from_property=timezone is not None,
        subscription_id=None,
    )


def _edit_modal(subscription: Subscription) -> Block:
    if subscription.kind == SubscriptionKind.DIGEST.value:
        return digest_modal(
            channel_id=subscription.channel_id,
            time_of_day=subscription.time_of_day,
            timezone=subscription.timezone,
            from_property=False,
            subscription_id=subscription.id,
        )
    return alerts_modal(
        channel_id=subscription.channel_id, sensitivity=subscription.sensitivity, subscription_id=subscription.id
    )


# ------------------------------------------------------------------------------------------- reading a form


def _value(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    element = (values.get(block_id) or {}).get(messages.ELEMENT)
    return element if isinstance(element, dict) else {}


def _picked_channel(values: dict[str, Any]) -> str | None:
    element = _value(values, messages.BLOCK_CHANNEL)
    channel_id = str(element.get("selected_conversation") or element.get("selected_channel") or "")
    return channel_id if _CHANNEL_ID.match(channel_id) else None


def _picked_option(values: dict[str, Any], block_id: str) -> str:
    return str((_value(values, block_id).get("selected_option") or {}).get("value", ""))


def _edited_id(view: dict[str, Any]) -> int | None:
    try:
        value = json.loads(str(view.get("private_metadata") or "{}")).get("subscription_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def _posting_error(problem: PostingProblem) -> str:
    return {
        PostingProblem.NOT_A_MEMBER: messages.MODAL_NOT_A_MEMBER,
        PostingProblem.CANNOT_SEE: messages.MODAL_CANNOT_SEE,
        PostingProblem.ARCHIVED: messages.MODAL_ARCHIVED,
    }[problem]


# ------------------------------------------------------------------------------------------------ listeners


def register(app: AsyncApp, *, services: Services, publish_home: HomePublisher) -> None:
    """The App Home buttons and the two modals (all for managers: `bot.access.policy` lists them)."""

    async def _workspace_and_user(body: dict[str, Any], context: AsyncBoltContext) -> tuple[Workspace, str] | None:
        workspace = await resolve_owner(services=services, context=context)
        user_id = str((body.get("user") or {}).get("id", ""))
        if workspace is None or workspace.id is None or not user_id:
            return None
        return workspace, user_id

    async def _clicked_subscription(
        body: dict[str, Any], context: AsyncBoltContext
    ) -> tuple[Workspace, int, str, int] | None:
        """The workspace (and its id), the person and the subscription an Edit or Remove button names."""
        found = await _workspace_and_user(body, context)
        subscription_id = _clicked_id(body)
        if found is None or found[0].id is None or subscription_id is None:
            return None
        return found[0], found[0].id, found[1], subscription_id

    async def _republish(client: AsyncWebClient, workspace: Workspace, user_id: str) -> None:
        try:
            await publish_home(services=services, client=client, workspace=workspace, user_id=user_id)
        except Exception:
            logger.exception("could not publish the App Home tab after a settings change")

    @app.action(messages.ACTION_ADD_DIGEST)
    async def add_digest(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            found = await _workspace_and_user(body, context)
            if found is None:
                return
            assert found[0].id is not None
            view = await _new_digest_modal(services, found[0].id)
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(messages.ACTION_ADD_ALERTS)
    async def add_alerts(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            if await _workspace_and_user(body, context) is None:
                return
            view = alerts_modal(channel_id=None, sensitivity=Sensitivity.MEDIUM.value, subscription_id=None)
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(messages.ACTION_EDIT_SUBSCRIPTION)
    async def edit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            clicked = await _clicked_subscription(body, context)
            if clicked is None:
                return
            workspace, workspace_id, user_id, subscription_id = clicked
            async with services.database.session() as session:
                subscription = await schedule_repo.get_subscription(
                    session=session, workspace_id=workspace_id, subscription_id=subscription_id
                )
            if subscription is None:  # removed meanwhile (another manager, a slash command): show what is left
                await _republish(client, workspace, user_id)
                return
            await client.views_open(trigger_id=body["trigger_id"], view=_edit_modal(subscription))

    @app.action(messages.ACTION_REMOVE_SUBSCRIPTION)
    async def remove(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            clicked = await _clicked_subscription(body, context)
            if clicked is None:
                return
            workspace, workspace_id, user_id, subscription_id = clicked
            await manage.remove_subscription(
                services=services, workspace_id=workspace_id, subscription_id=subscription_id
            )
            await _republish(client, workspace, user_id)

    async def _submit(
        kind: SubscriptionKind, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        found = await _workspace_and_user(body, context)
        if found is None:
            await ack()
            return
        workspace, user_id = found
        assert workspace.id is not None
        view = body.get("view") or {}
        values = (view.get("state") or {}).get("values") or {}
        errors: dict[str, str] = {}
        channel_id = _picked_channel(values)
        if channel_id is None:
            errors[messages.BLOCK_CHANNEL] = messages.MODAL_NEED_CHANNEL
        time_of_day, timezone, sensitivity = DEFAULT_TIME, DEFAULT_TIMEZONE, Sensitivity.MEDIUM.value
        if kind is SubscriptionKind.DIGEST:
            time_of_day = manage.valid_time(str(_value(values, messages.BLOCK_TIME).get("selected_time") or "")) or ""
            timezone = manage.valid_timezone(_picked_option(values, messages.BLOCK_TIMEZONE)) or ""
            if not time_of_day:
                errors[messages.BLOCK_TIME] = messages.MODAL_BAD_TIME
            if not timezone:
                errors[messages.BLOCK_TIMEZONE] = messages.MODAL_BAD_TIMEZONE
        else:
            sensitivity = _picked_option(values, messages.BLOCK_SENSITIVITY)
            if sensitivity not in {level.value for level in Sensitivity}:
                errors[messages.BLOCK_SENSITIVITY] = messages.MODAL_BAD_SENSITIVITY
        if channel_id is not None and not errors:
            problem = await manage.posting_problem(client, channel_id)
            if problem is not None:
                errors[messages.BLOCK_CHANNEL] = _posting_error(problem)
        if errors or channel_id is None:
            await ack(response_action="errors", errors=errors)
            return
        if kind is SubscriptionKind.ALERTS:
            # Alerts read hourly series in the property's own day, as `/lookout alerts` stores them.
            timezone = (
                await manage.property_timezone(services=services, workspace_id=workspace.id, channel_id=channel_id)
                or DEFAULT_TIMEZONE
            )
        try:
            await manage.save_subscription(
                services=services,
                workspace_id=workspace.id,
                channel_id=channel_id,
                kind=kind,
                time_of_day=time_of_day,
                timezone=timezone,
                sensitivity=sensitivity,
                user_id=user_id,
                replaces=_edited_id(view),
            )
        except Exception:
            reference = secrets.token_hex(3)
            logger.exception("could not save a %s subscription from App Home (ref %s)", kind.value, reference)
            await ack(
                response_action="errors", errors={messages.BLOCK_CHANNEL: messages.modal_failed(reference=reference)}
            )
            return
        await ack()
        await _republish(client, workspace, user_id)

    @app.view(messages.VIEW_DIGEST)
    async def save_digest(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        async with services.background.track():
            await _submit(SubscriptionKind.DIGEST, ack, body, client, context)

    @app.view(messages.VIEW_ALERTS)
    async def save_alerts(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        async with services.background.track():
            await _submit(SubscriptionKind.ALERTS, ack, body, client, context)


def _clicked_id(body: dict[str, Any]) -> int | None:
    actions = body.get("actions") or [{}]
    value = str(actions[0].get("value", ""))
    return int(value) if value.isdigit() else None
