"""What Lookout keeps, and for how long: the retention purge, and everything stored about one workspace (export
and purge, for the operator).

Every table that hangs off a workspace has a `workspace_id` column with ON DELETE CASCADE, so "everything about a
workspace" is read from the table metadata and a new table is exported and purged without anyone listing it here.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from storage.tables.access import SettingsChange
from storage.tables.agent import AgentAnswer, AgentConversation, AgentFeedback, ModelUsage
from storage.tables.base import aware_utc, rowcount
from storage.tables.core import Workspace

# Columns never exported: Fernet ciphertext of tokens and PKCE verifiers (`*_enc`).
SECRET_SUFFIX = "_enc"


def first_kept_month(now: datetime, *, months: int) -> str:
    """The oldest "YYYY-MM" kept when `months` calendar months are kept, the current one included."""
    index = now.year * 12 + (now.month - 1) - (months - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


async def purge_expired(*, session: AsyncSession, text_before: datetime, usage_from_month: str) -> dict[str, int]:
    """Delete, in every workspace, conversations (their text and tool results) last touched before `text_before`
    with the records of answers made then (blanking the text copied into votes on them), and model usage rows and settings-change entries from before `usage_from_month`. Returns rows deleted by table."""
    year, month = (int(part) for part in usage_from_month.split("-"))
    usage_start = datetime(year, month, 1, tzinfo=text_before.tzinfo)
    conversations = await session.execute(
        delete(AgentConversation).where(col(AgentConversation.updated_at) < text_before)
    )
    # What an answer was made of is conversation text too; a vote keeps its rating and model, loses its text.
    answers = await session.execute(delete(AgentAnswer).where(col(AgentAnswer.created_at) < text_before))
    feedback = await session.execute(
        update(AgentFeedback)
        .where(col(AgentFeedback.created_at) < text_before)
        .where(
            (col(AgentFeedback.question) != "")
            | (col(AgentFeedback.tool_calls_json) != "[]")
            | (col(AgentFeedback.comment) != "")
        )
        .values(question="", tool_calls_json="[]", comment="")
    )
    usage = await session.execute(delete(ModelUsage).where(col(ModelUsage.month) < usage_from_month))
    trail = await session.execute(delete(SettingsChange).where(col(SettingsChange.created_at) < usage_start))
    return {
        "agentconversation": rowcount(conversations),
        "agentanswer": rowcount(answers),
        "agentfeedback": rowcount(feedback),
        "modelusage": rowcount(usage),
        "settingschange": rowcount(trail),
    }


def workspace_tables() -> list[Table]:
    """Every table with rows owned by one workspace, in dependency order."""
    return [table for table in SQLModel.metadata.sorted_tables if "workspace_id" in table.c]


def secret_columns() -> list[str]:
    """`table.column` of every column that is never exported."""
    return [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.c
        if column.name.endswith(SECRET_SUFFIX)
    ]


async def workspace_rows(*, session: AsyncSession, workspace_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row stored about the workspace, by table, without secrets; JSON text columns (`*_json`) decoded."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in workspace_tables():
        columns = [column for column in table.c if not column.name.endswith(SECRET_SUFFIX)]
        order = list(table.primary_key.columns)
        result = await session.execute(select(*columns).where(table.c.workspace_id == workspace_id).order_by(*order))
        rows[table.name] = [_plain(dict(row._mapping)) for row in result]
    return rows


async def count_workspace_rows(*, session: AsyncSession, workspace_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in workspace_tables():
        result = await session.execute(
            select(func.count()).select_from(table).where(table.c.workspace_id == workspace_id)
        )
        counts[table.name] = int(result.scalar_one())
    return counts


def workspace_record(workspace: Workspace) -> dict[str, Any]:
    return _plain(workspace.model_dump())


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, datetime):
            value = aware_utc(value).isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif name.endswith("_json") and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[name] = value
    return out
