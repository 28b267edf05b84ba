"""Google connections: per-workspace OAuth tokens, OAuth states, property/site choices.

Revision ID: 0002_google
Revises: 0001_core
"""

from collections.abc import Sequence

revision: str = "0002_google"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
