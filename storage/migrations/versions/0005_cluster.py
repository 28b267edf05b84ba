"""Replicas: scheduler lease.

Revision ID: 0005_cluster
Revises: 0004_schedule
"""

from collections.abc import Sequence

revision: str = "0005_cluster"
down_revision: str | None = "0004_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
