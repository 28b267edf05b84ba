"""Every sentence about the Google connection that a person can read in Slack: problems, connecting, status, App
Home, disconnecting, sample data. Choosing a property or site: `bot.text.google_choices`; the pages a browser
sees after signing in: `bot.text.google_pages`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.text.escape import escape, in_code, inert

Blocks = list[dict[str, Any]]  # Block Kit JSON, exactly as Slack takes it

# Action ids of the buttons and menus below; the action handlers in `bot.slack.actions.google` listen for them.
ACTION_CONNECT = "google_connect"
ACTION_CONNECT_LINK = "google_connect_link"
ACTION_DISCONNECT = "google_disconnect"
ACTION_STOP_SAMPLE = "google_stop_sample"  # App Home, on sample data: like `/lookout disconnect`
ACTION_PICK_PROPERTY = "google_pick_property"
ACTION_PICK_SITE = "google_pick_site"
# The picker's block_id carries where the choice applies: "google_scope:" (workspace) or "google_scope:C123".
SCOPE_BLOCK_PREFIX = "google_scope:"

PROPERTY_ID_HELP = "GA4 → Admin → Property details (e.g. 123456789)"
MAX_PICKER_OPTIONS = 100  # Slack's limit per static menu


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def _button(
    text: str, *, action_id: str, value: str = "", url: str | None = None, style: str | None = None
) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": _plain(text), "action_id": action_id}
    if value:
        button["value"] = value
    if url is not None:
        button["url"] = url
    if style is not None:
        button["style"] = style
    return button


def _when(value: datetime | None) -> str:
    """A timestamp every Slack client shows in the reader's own timezone."""
    if value is None:
        return "never"
    epoch = int(value.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{value:%Y-%m-%d %H:%M} UTC>"


# --- Problems (message keys used by bot.google.problems) --------------------------------------------------------

NOT_CONFIGURED = (
    "Google isn't set up on this Lookout yet: an admin needs to set `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET`."
)
NOT_CONNECTED = (
    "Google isn't connected for this workspace yet. Run `/lookout connect` to connect it — it takes one click."
)
NO_PROPERTY = (
    "Which GA4 property should I use? Run `/lookout property <id>` with the numeric property ID "
    f"({PROPERTY_ID_HELP}), or `/lookout connect` to pick from a list."
)
NO_SITE = "Which Search Console site should I use? Run `/lookout site <url>` (e.g. `sc-domain:example.com`)."
UNAVAILABLE = "Google didn't answer just now. Please try again in a minute."
CONSENT_UNBOUND = (
    "I can't hand out a Google consent link yet: this Lookout can't check who opens it. An admin needs to set "
    "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (the app's Basic Information → App Credentials) and restart Lookout."
)
ACCESS_DENIED = (
    "The connected Google account can't read this GA4 property or Search Console site any more. Ask for access "
    "(GA4 → Admin → Property access management), or choose another with `/lookout property` or `/lookout site`."
)
CLIENT_REJECTED = (
    "Google refused this Lookout server's OAuth client, so I can't read Google data right now. Your Google "
    "connection is fine, there's nothing to reconnect: an admin must fix `GOOGLE_CLIENT_ID` / "
    "`GOOGLE_CLIENT_SECRET` on the Lookout server (`lookout doctor` checks them)."
)
TOKEN_REJECTED = (
    "Google rejected the access it had just granted me, so I can't read Google data right now. Your Google "
    "connection is fine, there's nothing to reconnect: an admin should check the Lookout server's clock (NTP) "
    "and `GOOGLE_TOKEN_URL`."
)
QUOTA_EXHAUSTED = "Google's request quota for this property is used up for now. Please try again in an hour."


def reconnect_needed(workspace_name: str) -> str:
    whose = f"{escape(workspace_name)}'s" if workspace_name else "this workspace's"
    return (
        f"I can't read {whose} Google Analytics any more — the access was revoked or has expired. "
        "Run `/lookout connect` to reconnect Google."
    )


def reconnect_prompt(workspace_name: str) -> tuple[str, Blocks]:
    """The reply to a question asked while the grant is revoked or expired: the same words, with the button that
    DMs a fresh consent link (the action the App Home's Reconnect button uses)."""
    text = reconnect_needed(workspace_name)
    blocks = [
        _section(text),
        {"type": "actions", "elements": [_button("Reconnect Google", action_id=ACTION_CONNECT, style="primary")]},
    ]
    return text, blocks


RECONNECT_KEYS = ("google.reconnect_needed",)  # only Google's own invalid_grant
NO_PROPERTY_KEY = "google.no_property"


def problem_text(key: str, *, workspace_name: str = "") -> str:
    """The text for a `GoogleProblem.key` or a Google tool's `ToolUserError` key (`tools.errors`), shown instead of
    an error."""
    texts = {
        "google.not_configured": NOT_CONFIGURED,
        "google.consent_unbound": CONSENT_UNBOUND,
        "google.not_connected": NOT_CONNECTED,
        "google.reconnect_needed": reconnect_needed(workspace_name),
        "google.client_rejected": CLIENT_REJECTED,
        "google.token_rejected": TOKEN_REJECTED,
        "google.no_property": NO_PROPERTY,
        "google.no_site": NO_SITE,
        "google.access_denied": ACCESS_DENIED,
        "google.quota_exhausted": QUOTA_EXHAUSTED,
        "google.unavailable": UNAVAILABLE,
    }
    return texts.get(key, UNAVAILABLE)


def reconnect_dm(workspace_name: str) -> tuple[str, Blocks]:
    """The one DM sent to the person who connected, when Google stops accepting the grant."""
    whose = f"{escape(workspace_name)}'s" if workspace_name else "this workspace's"
    text = (
        f"I can't read {whose} Google Analytics any more — the access was revoked or has expired "
        "(a password change, removed access, or a Google app in Testing mode). Reconnect to keep answers, "
        "digests and alerts going."
    )
    blocks = [
        _section(text),
        {"type": "actions", "elements": [_button("Reconnect Google", action_id=ACTION_CONNECT, style="primary")]},
    ]
    return text, blocks


# --- Connecting ---------------------------------------------------------------------------------------------


def connect_prompt(
    authorization_url: str, *, reconnect: bool = False, already_connected: bool = False, sample: bool = False
) -> tuple[str, Blocks]:
    label = "Reconnect Google" if reconnect else "Connect Google"
    text = f"{label}: Lookout asks Google for *read-only* access to Analytics and Search Console for this workspace."
    if sample:
        text = f"{text}\n{SAMPLE_REPLACED_NOTE}"
    if already_connected:
        text = (
            "Google is already connected for this workspace. Connect again to switch Google accounts or to grant "
            "access that is missing; the current connection keeps working until you do."
        )
    blocks = [
        _section(text),
        {
            "type": "actions",
            "elements": [_button(label, action_id=ACTION_CONNECT_LINK, url=authorization_url, style="primary")],
        },
        _context("The button works for 10 minutes. Keep both boxes ticked on Google's consent screen."),
    ]
    return text, blocks


SCOPE_NAMES = {
    "https://www.googleapis.com/auth/analytics.readonly": "Google Analytics (read-only)",
    "https://www.googleapis.com/auth/webmasters.readonly": "Search Console (read-only)",
}


def consent_denied_dm() -> str:
    return "Google wasn't connected: the consent screen was cancelled. Run `/lookout connect` whenever you're ready."


def scopes_missing_dm(missing: list[str], *, connected: bool) -> str:
    names = " and ".join(SCOPE_NAMES.get(scope, scope) for scope in missing)
    if connected:
        return (
            f"Google is connected, but without {names}, so I can't use it. "
            "Run `/lookout connect` again and leave every box ticked on Google's consent screen."
        )
    return (
        f"Google wasn't connected: access to {names} was not granted. "
        "Run `/lookout connect` again and leave every box ticked on Google's consent screen."
    )


def connected_dm(*, email: str | None) -> str:
    who = f" as {escape(email)}" if email else ""
    return f"✅ Google is connected{who}."


def auto_selected(*, property_label: str | None, site_url: str | None) -> str:
    parts = []
    if property_label:
        parts.append(f"GA4 property *{inert(property_label)}*")
    if site_url:
        parts.append(f"Search Console site `{in_code(escape(site_url))}`")
    if not parts:
        return ""
    return "I'll use the " + " and the ".join(parts) + " for this workspace (the only ones this account can see)."


def nothing_visible(*, properties: bool, sites: bool) -> str:
    missing = []
    if not properties:
        missing.append("no GA4 property")
    if not sites:
        missing.append("no Search Console site")
    return (
        "This Google account can see " + " and ".join(missing) + ". Ask someone with access to add this account, "
        "or run `/lookout connect` again with another Google account."
    )


# --- Status, disconnect, App Home ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StatusView:
    """What `/lookout status` and the App Home show about Google."""

    configured: bool
    connected: bool
    healthy: bool = False
    connected_by: str | None = None
    connected_at: datetime | None = None
    email: str | None = None
    scopes_missing: tuple[str, ...] = ()
    last_success_at: datetime | None = None
    default_property: str | None = None
    default_site: str | None = None
    channel_id: str | None = None
    channel_property: str | None = None
    channel_site: str | None = None
    sample: bool = False  # on the built-in sample property (`/lookout connect demo`) instead of Google


def _sample_lines(view: StatusView) -> list[str]:
    next_step = (
        "Next: run `/lookout connect` to use your own GA4 and Search Console; it replaces the sample data."
        if view.configured
        else "Next: to use your own GA4 and Search Console, an admin of this Lookout server sets "
        "`GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET`, then anyone who can change settings runs `/lookout connect`."
    )
    return [
        "*Google:* not connected · this workspace is on *sample data*: the built-in Demo Store, not your "
        "property. Answers, digests and alerts come from it and say so.",
        next_step,
        "`/lookout disconnect` stops using the sample data.",
    ]


def _status_lines(view: StatusView) -> list[str]:
    if view.sample:
        return _sample_lines(view)
    if not view.configured:
        return [
            "Google isn't connected yet: an admin first needs to set `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET`, "
            "then anyone can run `/lookout connect`."
        ]
    if not view.connected:
        return [
            "Google isn't connected yet. Run `/lookout connect` to link an account, "
            "or `/lookout connect demo` to try Lookout on sample data first."
        ]
    health = "✅ working" if view.healthy else "⚠️ access revoked or expired — reconnect needed"
    who = f"<@{escape(view.connected_by)}>" if view.connected_by else "someone"
    account = f" as {escape(view.email)}" if view.email else ""
    lines = [
        f"*Google:* {health}",
        f"Connected by {who}{account} on {_when(view.connected_at)}",
        f"Last successful Google call: {_when(view.last_success_at)}",
        f"Workspace property: {inert(view.default_property) if view.default_property else 'not chosen'}"
        f" · site: {escape(view.default_site) if view.default_site else 'not chosen'}",
    ]
    if view.channel_id:
        if view.channel_property or view.channel_site:
            own_property = inert(view.channel_property) if view.channel_property else "workspace's"
            own_site = escape(view.channel_site) if view.channel_site else "workspace's"
            lines.append(f"<#{escape(view.channel_id)}> uses property: {own_property} · site: {own_site}")
        else:
            lines.append(f"<#{escape(view.channel_id)}> uses the workspace's property and site.")
    if view.scopes_missing:
        names = " and ".join(SCOPE_NAMES.get(scope, scope) for scope in view.scopes_missing)
        lines.append(f"⚠️ Not granted: {names}. Run `/lookout connect` to grant it.")
    return lines


def status(view: StatusView) -> tuple[str, Blocks]:
    lines = _status_lines(view)
    text = "\n".join(lines)
    return text, [_section(text)]


def home_blocks(view: StatusView) -> Blocks:
    """The Google part of the App Home: the same status, with Connect / Reconnect / Disconnect."""
    blocks: Blocks = [_section("\n".join(_status_lines(view)))]
    if not view.configured and not view.sample:
        return blocks
    buttons: list[dict[str, Any]] = []
    if view.sample:
        if view.configured:
            buttons.append(_button("Connect Google", action_id=ACTION_CONNECT, style="primary"))
        buttons.append(_button("Stop using sample data", action_id=ACTION_STOP_SAMPLE))
    elif not view.connected:
        buttons.append(_button("Connect Google", action_id=ACTION_CONNECT, style="primary"))
    else:
        # Reconnect is always offered (to switch accounts or re-grant); it is the primary action when needed.
        needed = not view.healthy or bool(view.scopes_missing)
        buttons.append(_button("Reconnect Google", action_id=ACTION_CONNECT, style="primary" if needed else None))
        disconnect = _button("Disconnect", action_id=ACTION_DISCONNECT, style="danger")
        disconnect["confirm"] = {
            "title": _plain("Disconnect Google?"),
            "text": {"type": "mrkdwn", "text": "Lookout forgets the access and the chosen property and site."},
            "confirm": _plain("Disconnect"),
            "deny": _plain("Cancel"),
            "style": "danger",
        }
        buttons.append(disconnect)
    blocks.append({"type": "actions", "elements": buttons})
    return blocks


SUMMARY_CONNECT = "connect this workspace's Google account (`connect demo`: try it on sample data first)"
SUMMARY_STATUS = "who connected Google, the property and site, token health"
SUMMARY_PROPERTY = "choose the GA4 property (numeric ID), for the workspace or only this channel"
SUMMARY_SITE = "choose the Search Console site, for the workspace or only this channel"
SUMMARY_DISCONNECT = "revoke Google access and forget the choices (or stop using the sample data)"

DISCONNECTED = "Google is disconnected: I revoked Lookout's access and forgot the property and site choices."
NOTHING_TO_DISCONNECT = "Google isn't connected for this workspace, so there's nothing to disconnect."
SAMPLE_DISCONNECTED = (
    "This workspace no longer uses the sample data: answers, digests and alerts now need Google. "
    "Run `/lookout connect` to connect your own GA4 and Search Console."
)
SAMPLE_STARTED = (
    "This workspace now uses *sample data*: the Demo Store, an online outdoor-gear shop with 16 months of GA4 and "
    "Search Console data (a campaign, the holiday peak, and a GA4 tag that stopped firing 16 hours ago).\n"
    "Try it: mention me with a question (e.g. “why did sessions drop yesterday?”), `/lookout digest #channel` for a "
    "morning digest, `/lookout alerts #channel` for anomaly alerts. Everything made from it says “sample data”.\n"
    "When you're ready, `/lookout connect` replaces it with your own GA4 and Search Console; "
    "`/lookout disconnect` stops it."
)
SAMPLE_ALREADY = (
    "This workspace already uses the sample data. `/lookout connect` replaces it with your own GA4 and Search "
    "Console; `/lookout disconnect` stops it."
)
SAMPLE_REFUSED_CONNECTED = (
    "This workspace is already connected to Google, so I left it on its own data. To try the sample data instead, "
    "run `/lookout disconnect` first (it revokes Lookout's Google access), then `/lookout connect demo`."
)
SAMPLE_REPLACED_NOTE = "This workspace is on sample data now; connecting Google replaces it with your own data."


def disconnected_text(what: str) -> str:
    """What `/lookout disconnect` (or the button) did: "google", "sample" or "nothing" (`Disconnected`)."""
    return {"google": DISCONNECTED, "sample": SAMPLE_DISCONNECTED}.get(what, NOTHING_TO_DISCONNECT)


CONNECT_LINK_SENT = "I sent you a direct message with the button to connect Google."
USAGE = {
    "connect": "Usage: `/lookout connect` — connect this workspace's Google account — or `/lookout connect demo` "
    "to try Lookout on sample data first.",
    "status": "Usage: `/lookout status`",
    "disconnect": "Usage: `/lookout disconnect`",
}
