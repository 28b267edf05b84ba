"""App Home's "In your channels" section: one line per digest, alerts subscription or alert rule, Edit and Remove for
managers, then the "Add a digest", "Add alerts" and "Add a rule" buttons (their listeners:
`bot.slack.views.subscription_buttons`, `bot.slack.views.rule_modal`)."""

from __future__ import annotations

from bot.slack.views.block_kit import Block, button, plain, section
from bot.text import rollups as rollup_words
from bot.text import rules as rule_messages
from bot.text import subscriptions as messages
from storage.tables.schedule import Subscription, SubscriptionKind

# Slack allows 100 blocks in a Home view; each subscription takes two (its line and its buttons), so the list
# stops here and the rest is summarised, leaving room for the other sections.
MAX_LISTED = 20


def subscription_line(subscription: Subscription, *, rules: dict[int, str]) -> str:
    """`rules`: each rule's description (`bot.text.rules.describe_rule`) by its subscription id."""
    # Imported here: the roll-up module reads GA4 (google-analytics-data, gRPC), which App Home must not load at
    # start-up (tests/bot/main/test_serve.py).
    from bot.digest.rollup import chosen_ids

    if subscription.kind == SubscriptionKind.RULE.value:
        description = rules.get(subscription.id or 0, "")
        return rule_messages.home_rule_line(channel_id=subscription.channel_id, description=description)
    if subscription.kind == SubscriptionKind.DIGEST.value:
        return messages.home_digest_line(
            channel_id=subscription.channel_id,
            time_of_day=subscription.time_of_day,
            timezone=subscription.timezone,
            cadence=subscription.cadence,
            weekday=subscription.weekday,
            rollup=rollup_words.listed(count=len(chosen_ids(subscription.properties))) if subscription.rollup else None,
        )
    return messages.home_alerts_line(channel_id=subscription.channel_id, sensitivity=subscription.sensitivity)


def channels_blocks(
    *, subscriptions: list[Subscription], can_change: bool, rules: dict[int, str] | None = None
) -> list[Block]:
    """ "In your channels": one line per subscription (with Edit and Remove for managers), then the Add buttons."""
    blocks: list[Block] = [{"type": "header", "text": plain(messages.HOME_CHANNELS_HEADER)}]
    if not subscriptions:
        empty = messages.HOME_NO_SUBSCRIPTIONS if can_change else messages.HOME_NO_SUBSCRIPTIONS_MEMBER
        blocks.append(section(empty))
    described = rules or {}
    for subscription in subscriptions[:MAX_LISTED]:
        line = subscription_line(subscription, rules=described)
        blocks.append(section(line))
        if can_change:
            blocks.append(_edit_and_remove(subscription, line=line))
    if len(subscriptions) > MAX_LISTED:
        more = messages.home_more_subscriptions(count=len(subscriptions) - MAX_LISTED)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    if can_change:
        add_digest = button(messages.ADD_DIGEST_BUTTON, action_id=messages.ACTION_ADD_DIGEST, style="primary")
        add_alerts = button(messages.ADD_ALERTS_BUTTON, action_id=messages.ACTION_ADD_ALERTS)
        add_rule = button(rule_messages.ADD_RULE_BUTTON, action_id=rule_messages.ACTION_ADD_RULE)
        elements = [add_digest, add_alerts, add_rule]
        blocks.append({"type": "actions", "block_id": "subscriptions:add", "elements": elements})
    return blocks


def _edit_and_remove(subscription: Subscription, *, line: str) -> Block:
    """A subscription's Edit and Remove buttons; Remove asks first (`line`: how the section above words it)."""
    value = str(subscription.id)
    remove = button(messages.REMOVE_BUTTON, action_id=messages.ACTION_REMOVE_SUBSCRIPTION, value=value)
    remove["confirm"] = {
        "title": plain(messages.REMOVE_CONFIRM_TITLE),
        "text": {
            "type": "mrkdwn",
            "text": rule_messages.home_remove_confirm(line=line)
            if subscription.kind == SubscriptionKind.RULE.value
            else messages.remove_confirm_text(
                kind=subscription.kind, channel_id=subscription.channel_id, cadence=subscription.cadence
            ),
        },
        "confirm": plain(messages.REMOVE_CONFIRM),
        "deny": plain(messages.REMOVE_DENY),
        "style": "danger",
    }
    edit = button(messages.EDIT_BUTTON, action_id=messages.ACTION_EDIT_SUBSCRIPTION, value=value)
    return {"type": "actions", "block_id": f"subscription:{value}", "elements": [edit, remove]}
