"""Google connections per workspace: the encrypted grant, single-use OAuth states, property and site choices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables.base import timestamp_column, utcnow, workspace_fk_column


class ConnectionStatus(StrEnum):
    HEALTHY = "healthy"
    NEEDS_RECONNECT = "needs_reconnect"


class GoogleConnection(SQLModel, table=True):
    """One workspace's Google grant. Tokens are Fernet ciphertext; plaintext never reaches the database.

    `refresh_lease_*` is a compare-and-swap lease so only one process refreshes the access token at a time.
    """

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column(unique=True))
    refresh_token_enc: str
    access_token_enc: str | None = None
    access_token_expires_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # When the access token was asked for: with the expiry, its lifetime, which sets when to renew it.
    access_token_issued_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    scopes: str = Field(default="")  # space-separated, as granted by Google
    google_email: str | None = Field(default=None, max_length=320)
    connected_by_user_id: str = Field(max_length=32)
    connected_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    status: str = Field(default=ConnectionStatus.HEALTHY.value, max_length=32)
    reconnect_notified_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    last_success_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    refresh_lease_owner: str | None = Field(default=None, max_length=64)
    refresh_lease_until: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class GoogleOAuthState(SQLModel, table=True):
    """A single-use `state` for the Google consent flow, binding the workspace and the person who asked."""

    state: str = Field(primary_key=True, max_length=128)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    user_id: str = Field(max_length=32)
    channel_id: str = Field(default="", max_length=32)
    code_verifier_enc: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    expires_at: datetime = Field(sa_column=timestamp_column(index=True))
    used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # Sign in with Slack binds the consent to its person: the id_token must carry this nonce, and only a state
    # created once the right Slack user signed in (`verified_at` set) may complete at Google's callback.
    nonce: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    verified_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class GoogleChoice(SQLModel, table=True):
    """The GA4 property and Search Console site a workspace uses; `channel_id` "" is the workspace default.

    A channel row overrides the default field by field (a channel may pick only its own property).
    """

    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", name="uq_googlechoice_workspace_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    channel_id: str = Field(default="", max_length=32)
    property_id: str | None = Field(default=None, max_length=32)  # numeric, without "properties/"
    property_name: str | None = Field(default=None, max_length=255)
    property_timezone: str | None = Field(default=None, max_length=64)
    property_currency: str | None = Field(default=None, max_length=8)
    site_url: str | None = Field(default=None, max_length=512)
    chosen_by_user_id: str = Field(default="", max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
