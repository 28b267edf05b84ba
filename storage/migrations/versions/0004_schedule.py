"""Schedules: subscriptions, post claims, alert incidents and mutes.

Revision ID: 0004_schedule
Revises: 0003_agent
"""

from collections.abc import Sequence

revision: str = "0004_schedule"
down_revision: str | None = "0003_agent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
