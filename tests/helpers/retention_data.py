"""Rows on both sides of the retention limits (90 days of text, 13 months of usage), and what should remain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from storage.db import Database
from storage.tables import AgentConversation, ModelUsage, SettingsChange


def month_offset(now: datetime, months: int) -> str:
    index = now.year * 12 + (now.month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Remaining:
    threads: set[str]
    months: set[str]
    trail: set[str]


async def seed(database: Database, *, workspace_id: int, now: datetime) -> Remaining:
    """Conversations 91 and 90 days + 1 minute old (past 90 days), 89 and 1 days old (kept); usage 14 and 13 months
    back (past 13 months, the current one included), 12 back and this month (kept); trail entries likewise."""
    ages = {"t-91d": timedelta(days=91), "t-90d1m": timedelta(days=90, minutes=1), "t-89d": timedelta(days=89)}
    ages["t-1d"] = timedelta(days=1)
    months = [month_offset(now, -14), month_offset(now, -13), month_offset(now, -12), month_offset(now, 0)]
    async with database.session() as session:
        for thread, age in ages.items():
            session.add(
                AgentConversation(
                    workspace_id=workspace_id,
                    channel_id="C0GROWTH",
                    thread_ts=thread,
                    messages_json='[{"role": "user", "parts": [{"text": "how many sessions?"}]}]',
                    turns=1,
                    created_at=now - age,
                    updated_at=now - age,
                )
            )
        for month in months:
            session.add(
                ModelUsage(workspace_id=workspace_id, month=month, model="anthropic:m", requests=3, cost_usd=0.5)
            )
        for detail, age in (("old change", timedelta(days=400)), ("recent change", timedelta(days=30))):
            session.add(
                SettingsChange(
                    workspace_id=workspace_id,
                    user_id="U0ALICE",
                    surface="slash",
                    action="digest",
                    detail=detail,
                    created_at=now - age,
                )
            )
    return Remaining(threads={"t-89d", "t-1d"}, months=set(months[2:]), trail={"recent change"})


async def remaining(database: Database) -> Remaining:
    async with database.session() as session:
        threads = {row.thread_ts for row in (await session.execute(select(AgentConversation))).scalars()}
        months = {row.month for row in (await session.execute(select(ModelUsage))).scalars()}
        trail = {row.detail for row in (await session.execute(select(SettingsChange))).scalars()}
    return Remaining(threads=threads, months=months, trail=trail)
