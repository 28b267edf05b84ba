"""The tools a model may call in Lookout, in one registry."""

from __future__ import annotations

from tools.annotations import ANNOTATIONS_TOOLS
from tools.base import ToolRegistry
from tools.chart import CHART_TOOLS
from tools.context import ToolContext
from tools.explain import EXPLAIN_TOOLS
from tools.ga4_tools import GA4_TOOLS
from tools.ga4_workflows import GA4_WORKFLOW_TOOLS
from tools.gsc_tools import GSC_TOOLS
from tools.gsc_workflows import GSC_WORKFLOW_TOOLS
from tools.rules.propose import RULE_TOOLS


def default_registry() -> ToolRegistry[ToolContext]:
    """ga4_run_report, ga4_compare_periods, ga4_realtime, ga4_metadata, ga4_workflow, gsc_search_analytics, gsc_compare_periods,
    gsc_inspect_url, gsc_workflow, explain_change, chart, annotations, propose_alert_rule."""
    return ToolRegistry(
        [
            *GA4_TOOLS,
            *GA4_WORKFLOW_TOOLS,
            *GSC_TOOLS,
            *GSC_WORKFLOW_TOOLS,
            *EXPLAIN_TOOLS,
            *CHART_TOOLS,
            *ANNOTATIONS_TOOLS,
            *RULE_TOOLS,
        ]
    )
