"""Who may change a workspace's Lookout settings beyond its Slack admins, and the trail of settings changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from storage.tables.base import timestamp_column, utcnow, workspace_fk_column


class WorkspaceAccess(SQLModel, table=True):
    """The "Lookout managers" an admin named in App Home, and whether guests may ask questions.

    Workspace admins and owners, and the person who installed Lookout, are managers without being listed here.
    """

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column(unique=True))
    manager_user_ids: str = Field(default="")  # space-separated Slack user ids
    manager_group_id: str = Field(default="", max_length=32)  # one Slack user group (S…), "" for none
    manager_group_handle: str = Field(default="", max_length=255)  # its @handle when chosen, for display only
    guests_may_ask: bool = False
    updated_by: str = Field(default="", max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class SettingsChange(SQLModel, table=True):
    """One settings change: who, what, when, and from which surface (slash, app_home, modal, action)."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    user_id: str = Field(max_length=32)
    surface: str = Field(max_length=16)
    action: str = Field(max_length=64)  # the subcommand, button or modal, e.g. "disconnect", "google_pick_property"
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))  # what was asked for, as given
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
