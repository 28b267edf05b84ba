"""The `gsc_workflow` tool: checks the search type applies, then runs the chosen workflow."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tools.base import Tool, ToolError
from tools.context import ToolContext
from tools.gsc_tools import (
    require_gsc,
)
from tools.gsc_workflows.appearances import appearances
from tools.gsc_workflows.indexing import index_status, sitemaps
from tools.gsc_workflows.inputs import GscWorkflowInput
from tools.gsc_workflows.queries import cannibalization, losing_pages, striking_distance
from tools.retarget import on_named_target

_RUN = {
    "striking_distance": striking_distance,
    "cannibalization": cannibalization,
    "losing_pages": losing_pages,
    "index_status": index_status,
    "sitemaps": sitemaps,
    "appearances": appearances,
}


async def gsc_workflow(args: GscWorkflowInput, ctx: ToolContext) -> BaseModel:
    require_gsc(ctx)
    if args.search_type != "web" and args.workflow not in ("losing_pages", "appearances"):
        raise ToolError(f"search_type applies to losing_pages and appearances only, not {args.workflow}.")
    result: BaseModel = await _RUN[args.workflow](args, ctx)
    return result


GSC_WORKFLOW_DESCRIPTION = """Search Console workflows (default: last 28 days with data). striking_distance: queries
at position 8-20 with many impressions, low CTR; cannibalization: queries 2+ pages compete for; losing_pages: most
clicks lost vs previous period, likely cause; index_status: URL inspection of top pages (max 20, quota);
sitemaps: status, errors; appearances: clicks by search appearance. Discover/googleNews: no queries or position."""
GSC_WORKFLOW_TOOLS: list[Tool[Any, ToolContext]] = [
    Tool(
        name="gsc_workflow",
        description=GSC_WORKFLOW_DESCRIPTION,
        input_model=GscWorkflowInput,
        run=on_named_target(gsc_workflow),
    ),
]
