"""Slack token rotation: a refresh lease on the installation so one process at a time rotates a bot token.

Revision ID: 0006_slack_token_lease
Revises: 0005_cluster
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_slack_token_lease"
down_revision: str | None = "0005_cluster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slackinstallation") as batch:
        batch.add_column(sa.Column("refresh_lease_owner", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("refresh_lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slackinstallation") as batch:
        batch.drop_column("refresh_lease_until")
        batch.drop_column("refresh_lease_owner")
