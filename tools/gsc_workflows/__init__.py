"""Search Console workflows marketers run every week, behind one tool (`gsc_workflow`) so the tool list stays short.

Each workflow is a few searchAnalytics queries (or URL inspections, or sitemaps.list) and a ranking that a person
would otherwise do in a spreadsheet: striking-distance queries, cannibalization, pages losing clicks, the index
status of the top pages, sitemaps, and search appearances.

`inputs` (the tool's input), `queries` (striking distance, cannibalization, losing pages), `indexing` (index status,
sitemaps), `appearances`, and `tool` (which workflow runs, and the tool definition).
"""

from tools.gsc_workflows.appearances import AppearanceRow, Appearances, appearances
from tools.gsc_workflows.indexing import (
    INSPECT_AT_ONCE,
    IndexStatus,
    InspectedPage,
    SitemapOut,
    Sitemaps,
    index_status,
    sitemaps,
)
from tools.gsc_workflows.inputs import MAX_INSPECTIONS, GscWorkflowInput, SearchType, Workflow
from tools.gsc_workflows.queries import (
    ROWS,
    Cannibalization,
    CannibalizedQuery,
    LosingPage,
    LosingPages,
    QueryPageRow,
    StrikingDistance,
    cannibalization,
    losing_pages,
    striking_distance,
)
from tools.gsc_workflows.tool import GSC_WORKFLOW_DESCRIPTION, GSC_WORKFLOW_TOOLS, gsc_workflow

__all__ = [
    "GSC_WORKFLOW_DESCRIPTION",
    "GSC_WORKFLOW_TOOLS",
    "INSPECT_AT_ONCE",
    "MAX_INSPECTIONS",
    "ROWS",
    "AppearanceRow",
    "Appearances",
    "Cannibalization",
    "CannibalizedQuery",
    "GscWorkflowInput",
    "IndexStatus",
    "InspectedPage",
    "LosingPage",
    "LosingPages",
    "QueryPageRow",
    "SearchType",
    "SitemapOut",
    "Sitemaps",
    "StrikingDistance",
    "Workflow",
    "appearances",
    "cannibalization",
    "gsc_workflow",
    "index_status",
    "losing_pages",
    "sitemaps",
    "striking_distance",
]
