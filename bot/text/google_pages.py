"""The pages a browser sees after Google's (or Slack's) sign-in screens: HTML, every value escaped."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from bot.text.google import SCOPE_NAMES

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
    """Google's screen came back without some access: connected without it, or (without the essential one) not at
    all. Either way the page names what is missing and asks to connect again with every box ticked."""
    names = " and ".join(SCOPE_NAMES.get(scope, scope) for scope in missing)
    account = ((ACCOUNT_LABEL, email),) if email else ()
    if connected:
        title, body = (
            "Connected, with something missing",
            f"Google is connected, but without {names}, so Lookout can't read that part.",
        )
    else:
        title, body = (
            "Google wasn't connected",
            f"Lookout needs {names}, which was not granted, so nothing was connected.",
        )
    return Page(
        title=title,
        body=body,
        details=(*account, ("Not granted", names)),
        next_step="In Slack, run /lookout connect again and leave every box ticked on Google's screen.",
    )
