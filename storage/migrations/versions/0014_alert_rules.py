"""Alert rules: a table for what each rule watches, and a channel may have several rules.

The one-per-channel unique key becomes a partial unique index that leaves rules out.

Revision ID: 0014_alert_rules
Revises: 0013_notes
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014_alert_rules"
down_revision: str | None = "0013_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_PER_CHANNEL = "kind <> 'rule'"


def upgrade() -> None:
    op.create_table(
        "alertrule",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("condition", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("percent", sa.Boolean(), nullable=False),
        sa.Column("window", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("dimension_value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscription.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
    with op.batch_alter_table("alertrule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alertrule_workspace_id"), ["workspace_id"], unique=False)

    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_constraint("uq_subscription_channel_kind_cadence", type_="unique")
        batch_op.create_index(
            "uq_subscription_channel_kind_cadence",
            ["workspace_id", "channel_id", "kind", "cadence"],
            unique=True,
            sqlite_where=sa.text(ONE_PER_CHANNEL),
            postgresql_where=sa.text(ONE_PER_CHANNEL),
        )


def downgrade() -> None:
    op.execute("DELETE FROM subscription WHERE kind = 'rule'")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index("uq_subscription_channel_kind_cadence")
        batch_op.create_unique_constraint(
            "uq_subscription_channel_kind_cadence", ["workspace_id", "channel_id", "kind", "cadence"]
        )

    with op.batch_alter_table("alertrule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alertrule_workspace_id"))

    op.drop_table("alertrule")
