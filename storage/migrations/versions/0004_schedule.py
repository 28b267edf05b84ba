"""Schedules: subscriptions, post claims, alert incidents and alert feedback.

Revision ID: 0004_schedule
Revises: 0003_agent
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_schedule"
down_revision: str | None = "0003_agent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("time_of_day", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sensitivity", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "channel_id", "kind", name="uq_subscription_channel_kind"),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscription_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "alertfeedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscription.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alertfeedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alertfeedback_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alertfeedback_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_alertfeedback_subscription_id"), ["subscription_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alertfeedback_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "alertincident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("similar_keys", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscription.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "fingerprint", "started_at", name="uq_alertincident_sub_fp_start"),
    )
    with op.batch_alter_table("alertincident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alertincident_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_alertincident_subscription_id"), ["subscription_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alertincident_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "postclaim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscription.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "period", name="uq_postclaim_subscription_period"),
    )
    with op.batch_alter_table("postclaim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postclaim_subscription_id"), ["subscription_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_postclaim_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("postclaim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postclaim_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_postclaim_subscription_id"))

    op.drop_table("postclaim")
    with op.batch_alter_table("alertincident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alertincident_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_alertincident_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_alertincident_fingerprint"))

    op.drop_table("alertincident")
    with op.batch_alter_table("alertfeedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alertfeedback_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_alertfeedback_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_alertfeedback_fingerprint"))
        batch_op.drop_index(batch_op.f("ix_alertfeedback_expires_at"))

    op.drop_table("alertfeedback")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_updated_at"))

    op.drop_table("subscription")
