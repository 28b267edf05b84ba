"""Why a workspace cannot read Google right now, as typed errors that carry a message key, never raw text.

They subclass `ToolUserError`, so a tool that asks for credentials or a target simply lets them rise and the
agent shows the matching text from `bot.messages.google` instead of an error.
"""

from __future__ import annotations

from tools.base import ToolUserError


class GoogleProblem(ToolUserError):
    """A Google problem only a person can fix."""

    key = "google.problem"

    def __init__(self, detail: str = "") -> None:
        super().__init__(self.key, detail)


class GoogleNotConfigured(GoogleProblem):
    """GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET are not set on this Lookout."""

    key = "google.not_configured"


class GoogleNotConnected(GoogleProblem):
    """Nobody has connected Google for this workspace yet (or it was disconnected)."""

    key = "google.not_connected"


class ReconnectNeeded(GoogleProblem):
    """Google answered `invalid_grant`: the access was revoked or expired; someone must connect again."""

    key = "google.reconnect_needed"


class NoPropertyChosen(GoogleProblem):
    """Connected, but no GA4 property (and no Search Console site) has been chosen for this channel."""

    key = "google.no_property"


class GoogleUnavailable(GoogleProblem):
    """Google could not be reached or answered an unexpected error; trying again later may work."""

    key = "google.unavailable"
