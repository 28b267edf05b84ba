"""Weekly and monthly digests: a digest's cadence, weekday and KPIs; one digest per channel and cadence.

Existing subscriptions become daily digests (and alerts, whose cadence is unused), exactly as before.

Revision ID: 0012_digest_cadence
Revises: 0011_sample_data
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_digest_cadence"
down_revision: str | None = "0011_sample_data"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.add_column(
            sa.Column("cadence", sqlmodel.sql.sqltypes.AutoString(length=8), server_default="daily", nullable=False)
        )
        batch.add_column(sa.Column("weekday", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(
            sa.Column("kpis", sqlmodel.sql.sqltypes.AutoString(length=400), server_default="", nullable=False)
        )
        batch.drop_constraint("uq_subscription_channel_kind", type_="unique")
        batch.create_unique_constraint(
            "uq_subscription_channel_kind_cadence", ["workspace_id", "channel_id", "kind", "cadence"]
        )


def downgrade() -> None:
    # Only daily digests existed before: the weekly and monthly ones go (with their claims, by cascade).
    op.execute("DELETE FROM subscription WHERE cadence <> 'daily'")
    with op.batch_alter_table("subscription") as batch:
        batch.drop_constraint("uq_subscription_channel_kind_cadence", type_="unique")
        batch.create_unique_constraint("uq_subscription_channel_kind", ["workspace_id", "channel_id", "kind"])
        batch.drop_column("kpis")
        batch.drop_column("weekday")
        batch.drop_column("cadence")
