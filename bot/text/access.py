"""What people read about who may change Lookout's settings: refusals, the guest decline, App Home's managers
section and modal, and the settings-change trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.text.escape import escape, in_code

Block = dict[str, Any]

ACTION_EDIT_MANAGERS = "lookout_edit_managers"
VIEW_MANAGERS = "lookout_managers"
BLOCK_MANAGERS = "managers"
BLOCK_GROUP = "manager_group"
BLOCK_GUESTS = "guests"
ELEMENT_MANAGERS = "managers_select"
ELEMENT_GROUP = "group_select"
ELEMENT_GUESTS = "guests_checkbox"
GUESTS_ALLOWED_VALUE = "guests_may_ask"
NO_GROUP_VALUE = "none"
HOME_TRAIL_ENTRIES = 10


@dataclass(frozen=True, kw_only=True)
class Managers:
    """Who may change settings besides workspace admins and owners (ids and handle as stored, unescaped)."""

    user_ids: Sequence[str]
    group_id: str
    group_handle: str
    installer_id: str | None
    guests_may_ask: bool


def _who(managers: Managers) -> str:
    parts = ["workspace admins and owners"]
    if managers.installer_id:
        parts.append(f"<@{escape(managers.installer_id)}> (who installed Lookout)")
    parts.extend(f"<@{escape(user_id)}>" for user_id in managers.user_ids if user_id != managers.installer_id)
    if managers.group_handle:
        parts.append(f"members of @{escape(managers.group_handle)}")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def settings_refused(managers: Managers) -> str:
    return (
        f":lock: Only Lookout managers can change Lookout's settings: {_who(managers)}. Nothing was changed. "
        "Ask one of them to do it, or ask a workspace admin to add you as a manager in Lookout's App Home."
    )


ADMIN_ONLY = (
    ":lock: Only workspace admins and owners can choose Lookout's managers and guest access. Nothing was changed."
)
GUEST_DECLINED = (
    "Sorry, I only share analytics data with full members of this workspace, and guests aren't included here. "
    "A workspace admin can let guests ask questions in Lookout's App Home."
)
ROLE_UNKNOWN = "I couldn't check your role with Slack just now, so I didn't do anything. Please try again in a minute."
REFUSED_VIEW_TITLE = "Not changed"
REFUSED_VIEW_CLOSE = "Close"

# ---------------------------------------------------------------- App Home


HOME_ACCESS_HEADER = "Who can change settings"


def home_access_line(managers: Managers) -> str:
    guests = "yes" if managers.guests_may_ask else "no (an admin can allow it)"
    return f"Lookout managers: {_who(managers)}.\nGuests may ask questions: {guests}."


HOME_ACCESS_MEMBER_NOTE = "Anyone here can ask questions, read the status and answer alerts."
EDIT_MANAGERS_BUTTON = "Choose managers"
HOME_TRAIL_HEADER = "Recent settings changes"
HOME_TRAIL_EMPTY = "_No settings changes recorded yet._"

SURFACE_NAMES = {"slash": "slash command", "app_home": "App Home", "modal": "form", "action": "button"}
# Buttons and forms by their ids, as a person would name them (slash commands show as typed).
ACTION_NAMES = {
    VIEW_MANAGERS: "Lookout managers",
    "google_connect": "Connect Google",
    "google_disconnect": "Disconnect Google",
    "google_stop_sample": "Stop using sample data",
    "google_pick_property": "GA4 property",
    "google_pick_site": "Search Console site",
    "lookout_digest_modal": "Digest (daily, weekly or monthly)",
    "lookout_alerts_modal": "Anomaly alerts",
    "lookout_remove_subscription": "Remove a digest or alerts",
}


def trail_line(*, user_id: str, surface: str, action: str, detail: str, at: datetime) -> str:
    """One change: when (in the reader's time zone), who, what, from where."""
    stamp = int(at.timestamp())
    when = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{at.strftime('%Y-%m-%d %H:%M UTC')}>"
    what = escape(ACTION_NAMES.get(action, action))
    said = f" `{in_code(escape(detail[:150]))}`" if detail else ""
    return f"• {when} · <@{escape(user_id)}> · {what}{said} · {SURFACE_NAMES.get(surface, escape(surface))}"


# ---------------------------------------------------------------- the managers modal

MODAL_TITLE = "Lookout managers"
MODAL_SUBMIT = "Save"
MODAL_CLOSE = "Cancel"
MODAL_INTRO = (
    "Workspace admins and owners can always change Lookout's settings, and so can the person who installed it. "
    "Choose who else may connect Google, pick the property and site, and set up digests, alerts and rules."
)
MODAL_MANAGERS_LABEL = "Managers"
MODAL_GROUP_LABEL = "Or everyone in a user group"
MODAL_NO_GROUP = "No user group"
MODAL_GROUPS_UNAVAILABLE = "_User groups couldn't be listed (Lookout needs the `usergroups:read` scope for them)._"
MODAL_GUESTS_LABEL = "Guests"
MODAL_GUESTS_OPTION = "Let guests ask questions and see analytics data"


def managers_saved(managers: Managers) -> str:
    return f"Saved. {home_access_line(managers)}"
