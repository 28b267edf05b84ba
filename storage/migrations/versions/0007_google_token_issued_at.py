"""Google access tokens keep when they were issued, so their renewal scales with their lifetime.

Revision ID: 0007_google_token_issued_at
Revises: 0006_slack_token_lease
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_google_token_issued_at"
down_revision: str | None = "0006_slack_token_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("googleconnection") as batch:
        batch.add_column(sa.Column("access_token_issued_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("googleconnection") as batch:
        batch.drop_column("access_token_issued_at")
