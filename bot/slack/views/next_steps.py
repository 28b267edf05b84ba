"""App Home's "Next steps": the set-up steps a workspace has not done yet, each gone once it is done."""

from __future__ import annotations

from bot.text import subscriptions as messages
from storage.tables.schedule import Subscription, SubscriptionKind


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
