"""Agent tables: each thread's conversation, feedback on answers, and model usage per workspace and month."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables.base import timestamp_column, utcnow, workspace_fk_column


class AgentConversation(SQLModel, table=True):
    """The provider-neutral messages of one Slack thread, so follow-ups keep context without re-reading Slack."""

    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", "thread_ts", name="uq_agentconversation_thread"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    messages_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    turns: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))


class AgentAnswer(SQLModel, table=True):
    """What one posted answer was made of: the question, the tool calls (names and arguments) and the model, so a
    vote on it carries everything an evaluation case needs. Text: purged with conversations (retention)."""

    __table_args__ = (UniqueConstraint("workspace_id", "channel_id", "message_ts", name="uq_agentanswer_message"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    message_ts: str = Field(max_length=32)
    question: str = Field(default="", sa_column=Column(Text, nullable=False))
    tool_calls_json: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    model: str = Field(default="", max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))


class AgentFeedback(SQLModel, table=True):
    """A 👍 (+1) or 👎 (-1) on one answer by one person; voting again replaces the earlier vote.

    The answer's question, tool calls and model are copied in when the vote is cast (from `AgentAnswer`), and a 👎
    may carry the person's own words on what was wrong (`comment`)."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id", "message_ts", "user_id", name="uq_agentfeedback_vote"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    channel_id: str = Field(max_length=32)
    message_ts: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    rating: int
    model: str = Field(default="", max_length=128)
    question: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    tool_calls_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class ModelUsage(SQLModel, table=True):
    """Tokens and cost of one model for one workspace in one calendar month (UTC), summed over requests."""

    __table_args__ = (UniqueConstraint("workspace_id", "month", "model", name="uq_modelusage_month_model"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(sa_column=workspace_fk_column())
    month: str = Field(max_length=7)  # "YYYY-MM"
    model: str = Field(max_length=128)  # "provider:model"
    requests: int = 0
    input_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    output_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    cached_tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    cost_usd: float = 0.0
