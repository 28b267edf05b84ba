"""A small tool set for loop tests (the real GA4/Search Console tools are tested with the Google fake)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from tests.bot.llm.conftest import fakes, provider_name
from tools.base import Tool, ToolError, ToolRegistry, ToolUserError

__all__ = ["agent_app", "dataset", "fakes", "google", "provider_name"]

DAILY_SESSIONS = {"2026-11-16": 4210, "2026-11-17": 3980, "2026-11-18": 4402}


@dataclass
class LoopContext:
    calls: list[str] = field(default_factory=list)
    delay: float = 0.0
    needs_reconnect: bool = False
    # Calls that must all be running before any of them returns (a test of parallelism that no clock decides).
    together: asyncio.Barrier | None = None


class SessionsInput(BaseModel):
    """Sessions per day for a date range."""

    metric: Literal["sessions", "users"]
    start_date: str
    end_date: str


class SessionsResult(BaseModel):
    rows: list[dict[str, str]]


async def run_sessions(args: SessionsInput, ctx: LoopContext) -> SessionsResult:
    ctx.calls.append(f"{args.start_date}..{args.end_date}")
    if ctx.needs_reconnect:
        raise ToolUserError("google.reconnect_needed")
    if ctx.delay:
        await asyncio.sleep(ctx.delay)
    if ctx.together is not None:
        # Generous: only a loop that runs calls one after another waits this long (and then the test fails).
        await asyncio.wait_for(ctx.together.wait(), timeout=30)
    if args.start_date > args.end_date:
        raise ToolError("start_date must not be after end_date.")
    rows = [
        {"date": day, args.metric: str(value)}
        for day, value in DAILY_SESSIONS.items()
        if args.start_date <= day <= args.end_date
    ]
    return SessionsResult(rows=rows)


def registry() -> ToolRegistry[LoopContext]:
    return ToolRegistry(
        [
            Tool(
                name="daily_sessions",
                description="Sessions (or users) per day.",
                input_model=SessionsInput,
                run=run_sessions,
            )
        ]
    )


# The app that answers through the fake models and the fake Google, for every answer test in this folder.
from tests.bot.agent.test_slack_answers import agent_app, dataset, google  # noqa: E402
