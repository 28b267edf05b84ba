"""Workspaces on the built-in sample property (`/lookout connect demo`): when they chose it, NULL for everyone else.

Revision ID: 0011_sample_data
Revises: 0010_answer_feedback
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_sample_data"
down_revision: str | None = "0010_answer_feedback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(sa.Column("sample_data_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspace") as batch:
        batch.drop_column("sample_data_since")
