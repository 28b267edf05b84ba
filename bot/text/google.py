"""Every sentence about the Google connection that a person can read: Slack texts, Block Kit, callback pages."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.text.escape import escape, inert

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
        parts.append(f"Search Console site `{escape(site_url)}`")
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


@dataclass(frozen=True, kw_only=True)
class PickerProperty:
    property_id: str
    display_name: str
    account_name: str


def picker(
    *,
    properties: list[PickerProperty],
    sites: list[str],
    channel_id: str = "",
    current_property: str | None = None,
    current_site: str | None = None,
) -> tuple[str, Blocks]:
    """Menus to choose the property and site; `channel_id` "" applies the choice to the whole workspace."""
    where = "this workspace" if not channel_id else f"<#{escape(channel_id)}>"
    text = f"Which GA4 property and Search Console site should I use for {where}?"
    blocks: Blocks = [_section(text)]
    elements: list[dict[str, Any]] = []
    if properties:
        groups: dict[str, list[dict[str, Any]]] = {}
        for prop in properties[:MAX_PICKER_OPTIONS]:
            option = {
                "text": _plain(f"{prop.display_name} ({prop.property_id})"),
                "value": prop.property_id,
            }
            groups.setdefault(prop.account_name or "Account", []).append(option)
        menu: dict[str, Any] = {
            "type": "static_select",
            "action_id": ACTION_PICK_PROPERTY,
            "placeholder": _plain("GA4 property"),
            "option_groups": [{"label": _plain(name), "options": options} for name, options in groups.items()],
        }
        initial = next(
            (o for options in groups.values() for o in options if current_property and o["value"] == current_property),
            None,
        )
        if initial is not None:
            menu["initial_option"] = initial
        elements.append(menu)
    if sites:
        options = [{"text": _plain(site), "value": site[:150]} for site in sites[:MAX_PICKER_OPTIONS]]
        menu = {
            "type": "static_select",
            "action_id": ACTION_PICK_SITE,
            "placeholder": _plain("Search Console site"),
            "options": options,
        }
        initial = next((o for o in options if current_site and o["value"] == current_site), None)
        if initial is not None:
            menu["initial_option"] = initial
        elements.append(menu)
    if elements:
        blocks.append({"type": "actions", "block_id": SCOPE_BLOCK_PREFIX + channel_id, "elements": elements})
    if len(properties) > MAX_PICKER_OPTIONS or len(sites) > MAX_PICKER_OPTIONS:
        blocks.append(_context("Not in the list? Use `/lookout property <id>` or `/lookout site <url>`."))
    return text, blocks


# --- Choosing a property or site ----------------------------------------------------------------------------

PROPERTY_USAGE = (
    "Usage: `/lookout property <GA4 property id> [here]` — the numeric ID from "
    f"{PROPERTY_ID_HELP}. Add `here` to use it only in this channel; `/lookout property reset here` removes the "
    "channel's own choice."
)
SITE_USAGE = (
    "Usage: `/lookout site <Search Console site> [here]` — e.g. `sc-domain:example.com` or "
    "`https://www.example.com/`. Add `here` to use it only in this channel."
)


def measurement_id_refused(value: str) -> str:
    return (
        f"`{inert(value)}` is a measurement ID. I need the numeric property ID: {PROPERTY_ID_HELP}. "
        "Then run `/lookout property 123456789`."
    )


def universal_analytics_refused(value: str) -> str:
    return (
        f"`{inert(value)}` is a Universal Analytics ID, and Universal Analytics no longer collects data. "
        f"I need the numeric ID of a GA4 property: {PROPERTY_ID_HELP}."
    )


def not_a_property_id(value: str) -> str:
    return f"`{inert(value)}` isn't a GA4 property ID. I need the numeric property ID: {PROPERTY_ID_HELP}."


def property_not_visible(property_id: str, *, email: str | None) -> str:
    account = f" ({escape(email)})" if email else ""
    return (
        f"The connected Google account{account} can't see GA4 property `{inert(property_id)}`. "
        "Check the number, or ask for access to that property in GA4 → Admin → Property access management."
    )


def site_not_visible(site: str, *, email: str | None, available: list[str]) -> str:
    account = f" ({escape(email)})" if email else ""
    # `site` is what the person typed (the sites Google lists are shown as they are: those are verified).
    text = f"The connected Google account{account} can't see the Search Console site `{inert(site)}`."
    if available:
        listed = ", ".join(f"`{escape(s)}`" for s in available[:10])
        text += f" It can see: {listed}."
    return text


def property_chosen(*, name: str | None, property_id: str, channel_id: str) -> str:
    label = f"*{inert(name)}* (`properties/{escape(property_id)}`)" if name else f"`properties/{escape(property_id)}`"
    where = f"in <#{escape(channel_id)}>" if channel_id else "for this workspace"
    return f"Got it: I'll use GA4 property {label} {where}."


def site_chosen(*, site_url: str, channel_id: str) -> str:
    where = f"in <#{escape(channel_id)}>" if channel_id else "for this workspace"
    return f"Got it: I'll use Search Console site `{escape(site_url)}` {where}."


def channel_choice_reset(channel_id: str) -> str:
    return f"<#{escape(channel_id)}> now uses the workspace's property and site."


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


# --- The pages a browser sees after Google's (or Slack's) sign-in screens (HTML) -----------------------------

PRODUCT = "Lookout"
_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,}$")
# Whose data the pages name; every value is HTML-escaped when rendered.
ACCOUNT_LABEL = "Google account"
PROPERTY_LABEL = "GA4 property"
SITE_LABEL = "Search Console site"


@dataclass(frozen=True, kw_only=True)
class Page:
    """A finished page: the product, what happened, what is now used, the next step and a way back to Slack."""

    title: str
    body: str
    next_step: str = ""
    details: tuple[tuple[str, str], ...] = ()  # (label, value) pairs, e.g. ("Google account", "ana@acme.com")
    team_id: str = ""  # the workspace "Back to Slack" opens; "" opens Slack wherever it was

    def for_team(self, team_id: str | None) -> Page:
        return replace(self, team_id=team_id or "")

    def slack_links(self) -> tuple[str, str]:
        """The Slack app's deep link and the browser client, both opening this workspace when it is known."""
        if _TEAM_ID.match(self.team_id):
            return f"slack://open?team={self.team_id}", f"https://app.slack.com/client/{self.team_id}"
        return "slack://open", "https://app.slack.com/client"

    def render(self) -> str:
        e = html.escape
        app_link, web_link = self.slack_links()
        details = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in self.details)
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<title>{e(self.title)} · {PRODUCT}</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;"
            "color:#1d1c1d;line-height:1.5}.product{font-weight:700;color:#4a154b;letter-spacing:.02em}"
            "h1{font-size:1.4rem;margin:.3rem 0 1rem}dl{display:grid;grid-template-columns:max-content 1fr;"
            "gap:.3rem 1rem;padding:.8rem 1rem;background:#f8f8f8;border-radius:8px}dt{color:#616061}dd{margin:0;"
            "overflow-wrap:anywhere}.next{border-left:4px solid #2eb67d;padding-left:.8rem}"
            ".back{display:inline-block;background:#4a154b;color:#fff;padding:.55rem 1.1rem;border-radius:6px;"
            "text-decoration:none;font-weight:600;margin-right:1rem}</style></head><body>"
            f"<p class=product>{PRODUCT}</p><h1>{e(self.title)}</h1><p>{e(self.body)}</p>"
            + (f"<dl>{details}</dl>" if details else "")
            + (f"<p class=next><strong>Next:</strong> {e(self.next_step)}</p>" if self.next_step else "")
            + f'<p><a class=back href="{e(app_link)}">Back to Slack</a>'
            f'<a href="{e(web_link)}">Open Slack in the browser</a></p></body></html>'
        )


NEXT_CONNECT_AGAIN = "In Slack, run /lookout connect (or click Connect Google in Lookout's Home tab) for a fresh link."


def page_connected(*, email: str | None, property_label: str | None, site_url: str | None) -> Page:
    """Google is connected: the account, and the property and site Lookout will read (or that one is to choose)."""
    details = (
        (ACCOUNT_LABEL, email or "the account you chose on Google's screen"),
        (PROPERTY_LABEL, property_label or "not chosen yet"),
        (SITE_LABEL, site_url or "not chosen yet"),
    )
    if property_label and site_url:
        next_step = (
            "Back in Slack, @-mention Lookout with a question, e.g. “how did traffic do last week?”, "
            "or open Lookout's Home tab to add a morning digest and anomaly alerts."
        )
    else:
        next_step = (
            "Back in Slack, choose the GA4 property and Search Console site in the message Lookout just sent you "
            "(or run /lookout property and /lookout site)."
        )
    return Page(
        title="Google is connected",
        body="Lookout can now read this workspace's Google Analytics and Search Console data (read-only).",
        details=details,
        next_step=next_step,
    )


PAGE_INVALID_STATE = Page(
    title="This link has expired",
    body="Connection links work for 10 minutes, and this one is older (or isn't a link Lookout made). "
    "Nothing was changed.",
    next_step=NEXT_CONNECT_AGAIN,
)
PAGE_ALREADY_USED = Page(
    title="This link was already used",
    body="Each connection link works once, and this one has been used already, so nothing was changed now. "
    "If you just connected Google, you're all set.",
    next_step="In Slack, /lookout status shows the connection; /lookout connect gives you a new link to connect again.",
)
PAGE_DENIED = Page(
    title="Google wasn't connected",
    body="Google's consent screen was cancelled, so Lookout has no access to your Google data. Nothing was changed.",
    next_step="When you're ready, run /lookout connect in Slack and click Allow on Google's screen.",
)
PAGE_EXCHANGE_FAILED = Page(
    title="Google didn't confirm the sign-in",
    body="Google didn't accept this sign-in, so nothing was stored.",
    next_step=NEXT_CONNECT_AGAIN,
)
PAGE_SIGN_IN_CANCELLED = Page(
    title="Not connected",
    body="Signing in with Slack was cancelled, so nothing was connected.",
    next_step="Open the same link again when you're ready: it works for 10 minutes.",
)
PAGE_SIGN_IN_FAILED = Page(
    title="Slack didn't confirm who you are",
    body="Slack didn't confirm your sign-in, so nothing was connected.",
    next_step="Open the link again, or run /lookout connect in Slack for a new one.",
)
PAGE_WRONG_PERSON = Page(
    title="This link is for someone else",
    body="This Google connection link was made for another person in Slack, so it can't be used from your account "
    "and nothing was connected.",
    next_step="If you are a Lookout manager, run /lookout connect in Slack to get your own link; otherwise ask the "
    "person who shared it to open it themselves.",
)
PAGE_NOT_CONFIGURED = Page(
    title="Google isn't set up",
    body="This Lookout has no Google client configured, so it can't connect Google yet.",
    next_step="An admin of this Lookout server needs to set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET "
    "(lookout doctor checks them).",
)


def page_scopes_missing(missing: list[str], *, connected: bool, email: str | None = None) -> Page:
    names = " and ".join(SCOPE_NAMES.get(scope, scope) for scope in missing)
    account = ((ACCOUNT_LABEL, email),) if email else ()
    again = "In Slack, run /lookout connect again and leave every box ticked on Google's screen."
    if connected:
        return Page(
            title="Connected, with something missing",
            body=f"Google is connected, but without {names}, so Lookout can't read that part.",
            details=(*account, ("Not granted", names)),
            next_step=again,
        )
    return Page(
        title="Google wasn't connected",
        body=f"Lookout needs {names}, which was not granted, so nothing was connected.",
        details=(*account, ("Not granted", names)),
        next_step=again,
    )
