"""All tables, imported here so `SQLModel.metadata` (Alembic's target) knows every one of them."""

from storage.tables.access import SettingsChange, WorkspaceAccess
from storage.tables.agent import AgentAnswer, AgentConversation, AgentFeedback, ModelUsage
from storage.tables.core import ProcessedEvent, SlackInstallation, SlackOAuthState, Workspace
from storage.tables.google import GoogleChoice, GoogleConnection, GoogleOAuthState
from storage.tables.notes import Note
from storage.tables.rules import AlertRule
from storage.tables.schedule import AlertFeedback, AlertIncident, PostClaim, SchedulerLease, Subscription

__all__ = [
    "AgentAnswer",
    "AgentConversation",
    "AgentFeedback",
    "AlertFeedback",
    "AlertIncident",
    "AlertRule",
    "GoogleChoice",
    "GoogleConnection",
    "GoogleOAuthState",
    "ModelUsage",
    "Note",
    "PostClaim",
    "ProcessedEvent",
    "SchedulerLease",
    "SettingsChange",
    "SlackInstallation",
    "SlackOAuthState",
    "Subscription",
    "Workspace",
    "WorkspaceAccess",
]
