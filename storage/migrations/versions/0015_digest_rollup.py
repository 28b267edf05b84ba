"""Roll-up digests: a digest may report every GA4 property the workspace's Google grant reads (or a chosen few).

Existing digests are not roll-ups and read all properties the grant lists when they become one.

Revision ID: 0015_digest_rollup
Revises: 0014_alert_rules
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015_digest_rollup"
down_revision: str | None = "0014_alert_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.add_column(sa.Column("rollup", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch.add_column(
            sa.Column("properties", sqlmodel.sql.sqltypes.AutoString(length=1000), server_default="", nullable=False)
        )


def downgrade() -> None:
    # Roll-ups did not exist before: they go (with their claims, by cascade) rather than become plain digests.
    op.execute("DELETE FROM subscription WHERE rollup")
    with op.batch_alter_table("subscription") as batch:
        batch.drop_column("properties")
        batch.drop_column("rollup")
