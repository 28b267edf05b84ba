"""Why a workspace cannot read Google right now, as typed errors that carry a message key, never raw text.

They subclass `ToolUserError`, so a tool that asks for credentials or a target simply lets them rise and the
agent shows the matching text from `bot.text.google` instead of an error.
"""

from __future__ import annotations

from tools.base import ToolUserError


class GoogleProblem(ToolUserError):
    """A Google problem only a person can fix."""

    key = "google.problem"
    # Which kind of Google auth failure this is, for the one log line an operator reads (see `AuthFailure`).
    failure = "other"

    def __init__(self, detail: str = "") -> None:
        super().__init__(self.key, detail)


class GoogleNotConfigured(GoogleProblem):
    """GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET are not set on this Lookout."""

    key = "google.not_configured"


class ConsentCannotBeBound(GoogleProblem):
    """Sign in with Slack is not configured (no SLACK_CLIENT_ID / SLACK_CLIENT_SECRET), so a consent link could not
    be tied to the person who asked for it; no link is handed out."""

    key = "google.consent_unbound"


class GoogleNotConnected(GoogleProblem):
    """Nobody has connected Google for this workspace yet (or it was disconnected)."""

    key = "google.not_connected"


class ReconnectNeeded(GoogleProblem):
    """Google answered `invalid_grant`: the access was revoked or expired; someone must connect again.

    Only Google's own `invalid_grant` raises this: nothing else may tell a person their grant is dead.
    """

    key = "google.reconnect_needed"
    failure = "invalid_grant"


class GoogleClientRejected(GoogleProblem):
    """Google refused this Lookout's OAuth client (`invalid_client`, `unauthorized_client`): a wrong or deleted
    GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET. An admin fixes the server; reconnecting would not help."""

    key = "google.client_rejected"
    failure = "invalid_client"


class GoogleTokenRejected(GoogleProblem):
    """Google rejected access tokens it had just issued, or issued them already expired by this server's clock:
    the server's clock (or whatever sits at GOOGLE_TOKEN_URL) is off. The grant itself is fine."""

    key = "google.token_rejected"
    failure = "clock"


class NoPropertyChosen(GoogleProblem):
    """Connected, but no GA4 property (and no Search Console site) has been chosen for this channel."""

    key = "google.no_property"


class GoogleUnavailable(GoogleProblem):
    """Google could not be reached, was too slow, or answered 5xx/429 or garbage; trying again shortly may work."""

    key = "google.unavailable"
    failure = "transient"
