"""What each Slack surface needs, and which roles have it: the one table of who may do what.

Every `/lookout` subcommand declares its `Capability` (`bot.slack.commands.base.Subcommand.needs`, SETTINGS unless it says
otherwise). Buttons and modals are looked up here by `action_id` / `callback_id`; anything not listed changes
settings, so a new button or modal is for managers until it is added below as something everyone may use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.text import access as access_messages
from bot.text import agent as agent_messages
from bot.text import alerts as alert_messages
from bot.text import google as google_messages
from bot.text import notes as note_messages
from bot.text import rules as rule_messages
from bot.text import subscriptions as subscription_messages


class Capability(StrEnum):
    EVERYONE = "everyone"  # read status and help, vote on answers, answer an alert ("Expected", "Mute")
    ASK = "ask"  # get analytics data: questions, "Ask Lookout why", add notes (guests only when an admin allows it)
    SETTINGS = "settings"  # connect, connect demo, disconnect, property, site, digests, alerts, rules, others' notes
    ADMIN = "admin"  # name the Lookout managers and allow guests: workspace admins and owners only


class Surface(StrEnum):
    """Where a request came from, as the settings-change trail records it."""

    SLASH = "slash"
    APP_HOME = "app_home"
    MODAL = "modal"
    ACTION = "action"  # a button or menu in a message


@dataclass(frozen=True, kw_only=True)
class Role:
    """One person's standing in one workspace."""

    admin: bool  # workspace admin or owner, or Enterprise Grid org admin or owner
    manager: bool  # named in App Home, in the named user group, or the person who installed Lookout
    guest: bool  # multi- or single-channel guest


def allows(role: Role, capability: Capability, *, guests_may_ask: bool) -> bool:
    if capability is Capability.EVERYONE:
        return True
    if capability is Capability.ASK:
        return not role.guest or guests_may_ask
    if capability is Capability.ADMIN:
        return role.admin
    return role.admin or (role.manager and not role.guest)


# Buttons and menus everyone may use; every other action_id needs SETTINGS.
ACTION_NEEDS: dict[str, Capability] = {
    google_messages.ACTION_CONNECT_LINK: Capability.EVERYONE,  # a link: the consent page checks who opens it
    alert_messages.ACTION_EXPECTED: Capability.EVERYONE,
    alert_messages.ACTION_MUTE: Capability.EVERYONE,
    alert_messages.ACTION_ASK: Capability.ASK,
    agent_messages.ACTION_FEEDBACK: Capability.EVERYONE,
    agent_messages.ACTION_FEEDBACK_UP: Capability.EVERYONE,
    agent_messages.ACTION_FEEDBACK_DOWN: Capability.EVERYONE,
    access_messages.ACTION_EDIT_MANAGERS: Capability.ADMIN,
    # A follow-up button asks a question, like a mention does.
    **{agent_messages.follow_up_action(index): Capability.ASK for index in range(agent_messages.MAX_FOLLOW_UPS)},
    # App Home's channels section (listed although SETTINGS is the default, so the table names every surface)
    subscription_messages.ACTION_ADD_DIGEST: Capability.SETTINGS,
    subscription_messages.ACTION_ADD_ALERTS: Capability.SETTINGS,
    subscription_messages.ACTION_EDIT_SUBSCRIPTION: Capability.SETTINGS,
    subscription_messages.ACTION_REMOVE_SUBSCRIPTION: Capability.SETTINGS,
    # Creating the alert rule a model proposed under its answer: the person's click, never the model, sets it.
    rule_messages.ACTION_CREATE_RULE: Capability.SETTINGS,
    rule_messages.ACTION_ADD_RULE: Capability.SETTINGS,
}
# Buttons that only open a modal: checked like any other, but the trail records the modal's submission instead.
OPENS_A_MODAL: frozenset[str] = frozenset(
    {
        access_messages.ACTION_EDIT_MANAGERS,
        subscription_messages.ACTION_ADD_DIGEST,
        subscription_messages.ACTION_ADD_ALERTS,
        subscription_messages.ACTION_EDIT_SUBSCRIPTION,
        rule_messages.ACTION_ADD_RULE,
    }
)
# Modal submissions by callback_id; every other one needs SETTINGS.
VIEW_NEEDS: dict[str, Capability] = {
    access_messages.VIEW_MANAGERS: Capability.ADMIN,
    agent_messages.VIEW_FEEDBACK_REASON: Capability.EVERYONE,
    subscription_messages.VIEW_DIGEST: Capability.SETTINGS,
    subscription_messages.VIEW_ALERTS: Capability.SETTINGS,
    note_messages.VIEW_ADD_NOTE: Capability.ASK,
    rule_messages.VIEW_RULE: Capability.SETTINGS,
}
# Shortcuts by callback_id (checked by their listener: the middleware sees buttons and modals only).
SHORTCUT_NEEDS: dict[str, Capability] = {
    note_messages.SHORTCUT_ADD_NOTE: Capability.ASK,
}


def action_needs(action_id: str) -> Capability:
    return ACTION_NEEDS.get(action_id, Capability.SETTINGS)


def view_needs(callback_id: str) -> Capability:
    return VIEW_NEEDS.get(callback_id, Capability.SETTINGS)


def interaction_surface(body: dict[str, Any]) -> Surface:
    """A modal submission or a click in a modal, a click in App Home, or a click in a message."""
    if body.get("type") == "view_submission":
        return Surface.MODAL
    view = body.get("view") or {}
    if view.get("type") == "home":
        return Surface.APP_HOME
    if view.get("type") == "modal":
        return Surface.MODAL
    return Surface.ACTION
