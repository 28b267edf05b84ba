"""Answer records and richer feedback: each vote keeps its question, tool calls and an optional comment.

Votes cast before this revision keep their model and get an empty question, no tool calls and no comment.

Revision ID: 0010_answer_feedback
Revises: 0009_answer_claims
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_answer_feedback"
down_revision: str | None = "0009_answer_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agentanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("thread_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("tool_calls_json", sa.Text(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "channel_id", "message_ts", name="uq_agentanswer_message"),
    )
    with op.batch_alter_table("agentanswer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agentanswer_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_agentanswer_workspace_id"), ["workspace_id"], unique=False)

    with op.batch_alter_table("agentfeedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("tool_calls_json", sa.Text(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("comment", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agentfeedback", schema=None) as batch_op:
        batch_op.drop_column("comment")
        batch_op.drop_column("tool_calls_json")
        batch_op.drop_column("question")

    with op.batch_alter_table("agentanswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agentanswer_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_agentanswer_created_at"))

    op.drop_table("agentanswer")
