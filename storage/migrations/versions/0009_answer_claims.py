"""Answer claims: a lease and a done mark, so an abandoned mention is taken over or apologised for.

Rows claimed before this revision have no lease and count as done.

Revision ID: 0009_answer_claims
Revises: 0008_roles
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_answer_claims"
down_revision: str | None = "0008_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processedevent") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch.add_column(sa.Column("thread_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch.create_index(batch.f("ix_processedevent_lease_until"), ["lease_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processedevent") as batch:
        batch.drop_index(batch.f("ix_processedevent_lease_until"))
        batch.drop_column("thread_ts")
        batch.drop_column("channel_id")
        batch.drop_column("done_at")
        batch.drop_column("lease_until")
