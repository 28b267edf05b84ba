"""Roles: Lookout managers and guest access, the settings-change trail, consent states bound by Sign in with Slack.

Consent states get a nonce and the time the right Slack user signed in (`verified_at`).

Revision ID: 0008_roles
Revises: 0007_google_token_issued_at
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_roles"
down_revision: str | None = "0007_google_token_issued_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "settingschange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", _String(length=32), nullable=False),
        sa.Column("surface", _String(length=16), nullable=False),
        sa.Column("action", _String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("settingschange") as batch:
        batch.create_index(batch.f("ix_settingschange_created_at"), ["created_at"], unique=False)
        batch.create_index(batch.f("ix_settingschange_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "workspaceaccess",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("manager_user_ids", _String(), nullable=False),
        sa.Column("manager_group_id", _String(length=32), nullable=False),
        sa.Column("manager_group_handle", _String(length=255), nullable=False),
        sa.Column("guests_may_ask", sa.Boolean(), nullable=False),
        sa.Column("updated_by", _String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workspaceaccess") as batch:
        batch.create_index(batch.f("ix_workspaceaccess_workspace_id"), ["workspace_id"], unique=True)

    # States issued before this revision have no nonce and were never verified: they can no longer complete.
    with op.batch_alter_table("googleoauthstate") as batch:
        batch.add_column(sa.Column("nonce", _String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("googleoauthstate") as batch:
        batch.drop_column("verified_at")
        batch.drop_column("nonce")
    with op.batch_alter_table("workspaceaccess") as batch:
        batch.drop_index(batch.f("ix_workspaceaccess_workspace_id"))
    op.drop_table("workspaceaccess")
    with op.batch_alter_table("settingschange") as batch:
        batch.drop_index(batch.f("ix_settingschange_workspace_id"))
        batch.drop_index(batch.f("ix_settingschange_created_at"))
    op.drop_table("settingschange")
