"""Workspaces, their Slack installations, Slack OAuth states and the event-dedupe ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables.base import timestamp_column, utcnow, workspace_fk_column


class Workspace(SQLModel, table=True):
    """One Slack workspace (or org-wide install), keyed by (enterprise_id, team_id).

    `enterprise_id` is "" rather than NULL outside Enterprise Grid so the unique key holds on every database
    (NULLs never collide in a unique constraint).
    """

    __table_args__ = (UniqueConstraint("enterprise_id", "team_id", name="uq_workspace_enterprise_team"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: str = Field(default="", max_length=32)
    team_id: str = Field(default="", max_length=32)
    name: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    uninstalled_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # Set by `/lookout connect demo`: until Google is connected, the workspace reads the built-in sample property.
    sample_data_since: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class SlackInstallation(SQLModel, table=True):
    """The bot's credentials in one workspace; tokens are Fernet ciphertext, never plaintext.

    `refresh_lease_*` is a compare-and-swap lease so only one process rotates the bot token at a time: Slack
    accepts a refresh token once, so a second concurrent refresh would leave that process with a dead token.
    """

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column(unique=True))
    app_id: str | None = Field(default=None, max_length=32)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str = Field(default="")
    bot_token_enc: str
    bot_refresh_token_enc: str | None = None
    bot_token_expires_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    installer_user_id: str | None = Field(default=None, max_length=32)
    is_enterprise_install: bool = False
    installed_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    refresh_lease_owner: str | None = Field(default=None, max_length=64)
    refresh_lease_until: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class SlackOAuthState(SQLModel, table=True):
    """A single-use `state` for the "Add to Slack" flow."""

    state: str = Field(primary_key=True, max_length=128)
    expires_at: datetime = Field(sa_column=timestamp_column(index=True))


class ProcessedEvent(SQLModel, table=True):
    """A claim on one piece of incoming work; the unique key makes the first claimant win across processes.

    Keys look like `event:<event_id>` (a retried delivery) or `message:<team>:<channel>:<ts>` (the same user
    message arriving as both `app_mention` and `message`).
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True)
    team_id: str = Field(default="", max_length=32, index=True)
    received_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
    # At least once for the person, one answer in the thread: a claim is in progress until `done_at`, its holder
    # renewing `lease_until` while it works. One whose lease ran out unfinished (its process died) is taken over
    # by Slack's redelivery, or swept: the thread gets one apology. Rows without a lease are plain dedupe marks.
    lease_until: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True, index=True))
    done_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # Where to apologise for an abandoned message claim (its channel and thread).
    channel_id: str | None = Field(default=None, max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
