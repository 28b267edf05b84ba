"""Calling a tool the way the agent does, for the tool tests."""

from __future__ import annotations

import json
from typing import Any

from tools.base import ToolRegistry
from tools.context import ToolContext


async def run(
    registry: ToolRegistry[ToolContext], name: str, args: dict[str, object], ctx: ToolContext
) -> dict[str, object]:
    """Tool `name`'s result for `args`; fails the test if the tool answered an error."""
    outcome = await registry.run(name, args, ctx)
    assert not outcome.is_error, outcome.content
    result: dict[str, object] = json.loads(outcome.content)
    return result


async def gsc_workflow(registry: ToolRegistry[ToolContext], ctx: ToolContext, **args: object) -> dict[str, Any]:
    """The `gsc_workflow` tool's result for `args`; fails the test if the tool answered an error."""
    outcome = await registry.run("gsc_workflow", args, ctx)
    assert not outcome.is_error, outcome.content
    result: dict[str, Any] = json.loads(outcome.content)
    return result
