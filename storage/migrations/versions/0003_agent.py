"""Agent: conversations per thread, feedback, model usage.

Revision ID: 0003_agent
Revises: 0002_google
"""

from collections.abc import Sequence

revision: str = "0003_agent"
down_revision: str | None = "0002_google"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
