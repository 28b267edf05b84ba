"""All tables, imported here so `SQLModel.metadata` (Alembic's target) knows every one of them."""

from storage.tables.core import ProcessedEvent, SlackInstallation, SlackOAuthState, Workspace
from storage.tables.google import GoogleChoice, GoogleConnection, GoogleOAuthState
from storage.tables.schedule import AlertFeedback, AlertIncident, PostClaim, SchedulerLease, Subscription

__all__ = [
    "AlertFeedback",
    "AlertIncident",
    "GoogleChoice",
    "GoogleConnection",
    "GoogleOAuthState",
    "PostClaim",
    "ProcessedEvent",
    "SchedulerLease",
    "SlackInstallation",
    "SlackOAuthState",
    "Subscription",
    "Workspace",
]
