"""All tables, imported here so `SQLModel.metadata` (Alembic's target) knows every one of them."""

from storage.tables.core import ProcessedEvent, SlackInstallation, SlackOAuthState, Workspace

__all__ = ["ProcessedEvent", "SlackInstallation", "SlackOAuthState", "Workspace"]
