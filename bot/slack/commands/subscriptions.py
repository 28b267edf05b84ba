"""`/lookout digest`, `alerts`, `subscriptions`, `unsubscribe`: manage a channel's digest and alert subscriptions.

Before saving, the bot checks that it can post in the channel; the leader's scheduler notices the change within
one lease renewal (it polls a fingerprint of the subscriptions).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access.policy import Capability
from bot.digest.kpis import chosen
from bot.platform.slack.channels import externally_shared
from bot.slack.commands.base import CommandRequest, Subcommand
from bot.slack.commands.digest_words import DigestWords, WordsProblem, parse_digest_words
from bot.subscriptions import manage, rollups, rules
from bot.subscriptions.manage import DEFAULT_TIME, DEFAULT_TIMEZONE, PostingProblem
from bot.text import rollups as rollup_words
from bot.text import rules as rule_messages
from bot.text import subscriptions as messages
from storage.tables.schedule import DigestCadence, Sensitivity, SubscriptionKind
from tools.targets import PropertyRef

log = logging.getLogger(__name__)
_ESCAPED_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
_PLAIN_CHANNEL = re.compile(r"^#([a-z0-9][a-z0-9._\-]{0,79})$")
_LIST_PAGES = 20


class CommandProblem(Exception):
    """The person's input cannot be used; the message is ready to show (already escaped)."""


@dataclass(frozen=True)
class ChannelRef:
    id: str | None
    name: str | None  # from a plain `#name`, to look up


def parse_channel(word: str) -> ChannelRef | None:
    """`<#C123|name>` (escaped by Slack), `<#C123>`, a bare `C123…` id, or a plain `#name`."""
    if match := _ESCAPED_CHANNEL.match(word):
        return ChannelRef(id=match.group(1), name=None)
    if _CHANNEL_ID.match(word):
        return ChannelRef(id=word, name=None)
    if match := _PLAIN_CHANNEL.match(word.lower()):
        return ChannelRef(id=None, name=match.group(1))
    return None


async def resolve_channel(client: AsyncWebClient, ref: ChannelRef) -> str:
    """The channel id for `ref`; a plain `#name` is looked up among the channels the bot can see."""
    if ref.id is not None:
        return ref.id
    assert ref.name is not None
    cursor: str | None = None
    for _ in range(_LIST_PAGES):
        try:
            page = await client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
            )
        except SlackApiError as error:
            log.warning("conversations.list failed: %s", error.response.get("error"))
            break
        for item in page.get("channels") or []:
            if item.get("name") == ref.name:
                return str(item["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    raise CommandProblem(messages.unknown_channel(name=f"#{ref.name}"))


async def check_can_post(client: AsyncWebClient, channel_id: str) -> None:
    """Raise `CommandProblem` with how to invite the bot when it cannot post in the channel."""
    problem = await manage.posting_problem(client, channel_id)
    if problem is PostingProblem.CANNOT_SEE:
        raise CommandProblem(messages.cannot_see_channel(channel_id=channel_id))
    if problem is PostingProblem.ARCHIVED:
        raise CommandProblem(messages.archived(channel_id=channel_id))
    if problem is PostingProblem.NOT_A_MEMBER:
        raise CommandProblem(messages.not_a_member(channel_id=channel_id))


async def _channel_from(request: CommandRequest, usage_line: str) -> str:
    ref = parse_channel(request.args[0]) if request.args else None
    if ref is None:
        raise CommandProblem(messages.usage(usage_line, problem=messages.NEED_CHANNEL))
    return await resolve_channel(request.client, ref)


async def _property_timezone(request: CommandRequest, channel_id: str) -> str | None:
    return await manage.property_timezone(
        services=request.services, workspace_id=request.workspace_id, channel_id=channel_id
    )


async def _rollup_properties(request: CommandRequest, channel_id: str, words: DigestWords) -> list[PropertyRef]:
    """A roll-up's properties ([] for every one listed), after refusing a channel shared with other organisations."""
    if await externally_shared(request.client, channel_id):
        raise CommandProblem(rollup_words.SHARED_CHANNEL)
    try:
        found = await rollups.resolve_properties(
            services=request.services, workspace_id=request.workspace_id, channel_id=channel_id, typed=words.properties
        )
    except rollups.RollupProblem as problem:
        raise CommandProblem(str(problem)) from None
    return found


async def _run_digest(request: CommandRequest) -> None:
    """`/lookout digest #channel …`: save the channel's digest of that cadence (a roll-up when the words say so).

    Kept whole because it is the command's one story: read the words, check the channel, pick the timezone, save,
    confirm in the words of what was saved.
    """
    picked: list[PropertyRef] = []
    try:
        channel_id = await _channel_from(request, messages.DIGEST_USAGE)
        try:
            words = parse_digest_words(request.args[1:])
        except WordsProblem as problem:
            raise CommandProblem(messages.usage(messages.DIGEST_USAGE, problem=str(problem))) from None
        await check_can_post(request.client, channel_id)
        if words.rollup:
            picked = await _rollup_properties(request, channel_id, words)
    except CommandProblem as problem:
        await request.respond(str(problem))
        return
    notes: list[str] = []
    timezone = words.timezone
    from_property = False
    if timezone is None:
        timezone = await _property_timezone(request, channel_id)
        from_property = timezone is not None
        if timezone is None:
            timezone = DEFAULT_TIMEZONE
            notes.append(messages.digest_timezone_guessed(timezone=timezone))
    time_of_day = words.time_of_day or DEFAULT_TIME
    saved = await manage.save_subscription(
        services=request.services,
        workspace_id=request.workspace_id,
        channel_id=channel_id,
        kind=SubscriptionKind.DIGEST,
        time_of_day=time_of_day,
        timezone=timezone,
        sensitivity=Sensitivity.MEDIUM.value,
        user_id=request.user_id,
        cadence=words.cadence,
        weekday=words.weekday,
        kpis=words.kpis,
        rollup=words.rollup,
        properties=rollups.stored(picked),
    )
    if words.rollup:
        schedule = messages.cadence_phrase(
            cadence=words.cadence.value, weekday=words.weekday, time_of_day=time_of_day, timezone=timezone
        )
        confirmation = rollup_words.subscribed(
            channel_id=channel_id,
            schedule=schedule,
            which=rollup_words.which_properties(names=[ref.label for ref in picked]),
        )
    elif words.cadence is DigestCadence.DAILY:
        confirmation = messages.digest_subscribed(
            channel_id=channel_id, time_of_day=time_of_day, timezone=timezone, from_property=from_property
        )
    else:
        confirmation = messages.periodic_subscribed(
            channel_id=channel_id,
            cadence=words.cadence.value,
            weekday=words.weekday,
            time_of_day=time_of_day,
            timezone=timezone,
            from_property=from_property,
            kpis=", ".join(kpi.label for kpi in chosen(saved.kpis)),
        )
    await request.respond("\n".join([confirmation, *notes]))


async def _run_alerts(request: CommandRequest) -> None:
    try:
        channel_id = await _channel_from(request, messages.ALERTS_USAGE)
        sensitivity = Sensitivity.MEDIUM
        if len(request.args) > 2:
            words = " ".join(request.args[2:])
            raise CommandProblem(messages.usage(messages.ALERTS_USAGE, problem=messages.unexpected_words(words=words)))
        if len(request.args) == 2:
            try:
                sensitivity = Sensitivity(request.args[1].lower())
            except ValueError:
                problem = messages.bad_sensitivity(value=request.args[1])
                raise CommandProblem(messages.usage(messages.ALERTS_USAGE, problem=problem)) from None
        await check_can_post(request.client, channel_id)
    except CommandProblem as problem:
        await request.respond(str(problem))
        return
    await manage.save_subscription(
        services=request.services,
        workspace_id=request.workspace_id,
        channel_id=channel_id,
        kind=SubscriptionKind.ALERTS,
        time_of_day=DEFAULT_TIME,
        timezone=await _property_timezone(request, channel_id) or DEFAULT_TIMEZONE,
        sensitivity=sensitivity.value,
        user_id=request.user_id,
    )
    await request.respond(messages.alerts_subscribed(channel_id=channel_id, sensitivity=sensitivity.value))


async def _run_list(request: CommandRequest) -> None:
    # Imported here: the roll-up module reads GA4 (google-analytics-data, gRPC), which `/lookout` must not load at
    # start-up (tests/bot/main/test_serve.py).
    from bot.digest.rollup import chosen_ids

    subscriptions = await manage.list_subscriptions(services=request.services, workspace_id=request.workspace_id)
    if not subscriptions:
        await request.respond(messages.NO_SUBSCRIPTIONS)
        return
    stored_rules = {
        stored.id: stored
        for stored in await rules.list_rules(services=request.services, workspace_id=request.workspace_id)
    }
    lines = [messages.subscriptions_header()]
    for subscription in subscriptions:
        assert subscription.id is not None
        if subscription.kind == SubscriptionKind.DIGEST.value:
            line = messages.digest_line(
                channel_id=subscription.channel_id,
                time_of_day=subscription.time_of_day,
                timezone=subscription.timezone,
                cadence=subscription.cadence,
                weekday=subscription.weekday,
                rollup=rollup_words.listed(count=len(chosen_ids(subscription.properties)))
                if subscription.rollup
                else None,
            )
        elif subscription.kind == SubscriptionKind.RULE.value:
            if (stored := stored_rules.get(subscription.id)) is None:
                continue
            line = rule_messages.rule_line(
                channel_id=subscription.channel_id, description=rules.describe_stored(stored)
            )
        else:
            line = messages.alerts_line(channel_id=subscription.channel_id, sensitivity=subscription.sensitivity)
        lines.append(messages.with_id(line, subscription_id=subscription.id))
    lines.append(messages.LIST_FOOTER)
    await request.respond("\n".join(lines))


async def _run_unsubscribe(request: CommandRequest) -> None:
    if len(request.args) == 1 and request.args[0].isdigit():
        await _unsubscribe_id(request, int(request.args[0]))
        return
    try:
        channel_id = await _channel_from(request, messages.UNSUBSCRIBE_USAGE)
    except CommandProblem as problem:
        await request.respond(str(problem))
        return
    count = await manage.remove_channel(
        services=request.services, workspace_id=request.workspace_id, channel_id=channel_id
    )
    await request.respond(messages.unsubscribed(channel_id=channel_id, count=count))


async def _unsubscribe_id(request: CommandRequest, subscription_id: int) -> None:
    """`/lookout unsubscribe ID`: one digest, alerts or rule, by the id `/lookout subscriptions` shows."""
    stored = await rules.get_rule(services=request.services, workspace_id=request.workspace_id, rule_id=subscription_id)
    removed = await manage.remove_subscription(
        services=request.services, workspace_id=request.workspace_id, subscription_id=subscription_id
    )
    if removed is None:
        await request.respond(messages.no_such_id(subscription_id=subscription_id))
        return
    what = (
        rule_messages.home_rule_line(channel_id=removed.channel_id, description=rules.describe_stored(stored))
        if stored is not None
        else None
    )
    await request.respond(
        messages.unsubscribed_one(
            subscription_id=subscription_id,
            kind="rollup" if removed.rollup else removed.kind,
            channel_id=removed.channel_id,
            rule=what,
        )
    )


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(name="digest", usage=messages.DIGEST_USAGE, summary=messages.DIGEST_SUMMARY, run=_run_digest),
    Subcommand(name="alerts", usage=messages.ALERTS_USAGE, summary=messages.ALERTS_SUMMARY, run=_run_alerts),
    Subcommand(
        name="subscriptions",
        usage=messages.SUBSCRIPTIONS_USAGE,
        summary=messages.SUBSCRIPTIONS_SUMMARY,
        run=_run_list,
        needs=Capability.EVERYONE,
    ),
    Subcommand(
        name="unsubscribe", usage=messages.UNSUBSCRIBE_USAGE, summary=messages.UNSUBSCRIBE_SUMMARY, run=_run_unsubscribe
    ),
]
