"""GA4 reports done right for a model: validated names, exact dates, typed values, sized results, cached, batched.

`run_reports(ctx, specs)` is the one path to GA4 reports for every tool: names are checked against the property's
cached metadata (with renamed names mapped and close matches suggested), relative dates are resolved in the
property's time zone, identical reports come from the workspace's cache, and the rest go out in as few
`batchRunReports` calls as possible. The digest and alerts read through it too, with the typed reads of `series`
(metric series by day or hour, a dimension's breakdown over compared ranges).

In the order a report flows through them: `catalog` (the property's fields and how a guessed name becomes a valid
one), `spec` (what a tool asks for), `prepare` (a spec checked against the catalog, as a GA4 request),
`results` (a GA4 response, typed and sized for a model), `run` (cache, batch, explain errors); `series` (the
bot's own fixed reads on that path).
"""

from tools.ga4_report.catalog import (
    ADDITIVE_TYPES,
    METADATA_TTL,
    RENAMED,
    TYPE_NAMES,
    Ga4Catalog,
    Ga4Field,
    load_catalog,
    require_ga4,
)
from tools.ga4_report.prepare import DEFAULT_LIMIT
from tools.ga4_report.results import (
    MetricHeader,
    ParsedReport,
    RawRow,
    RawTable,
    ReportResult,
    ReportTotals,
    parse_value,
    read_table,
)
from tools.ga4_report.run import REPORT_TTL, run_report, run_reports
from tools.ga4_report.spec import (
    MAX_LIMIT,
    BetweenFilter,
    DimensionOrderBy,
    FieldFilter,
    FilterExpression,
    FilterExpressionList,
    InListFilter,
    MetricOrderBy,
    NumericFilter,
    OrderBy,
    ReportSpec,
    StringFilter,
)
from tools.rows import Value, trim_rows

__all__ = [
    "ADDITIVE_TYPES",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "METADATA_TTL",
    "RENAMED",
    "REPORT_TTL",
    "TYPE_NAMES",
    "BetweenFilter",
    "DimensionOrderBy",
    "FieldFilter",
    "FilterExpression",
    "FilterExpressionList",
    "Ga4Catalog",
    "Ga4Field",
    "InListFilter",
    "MetricHeader",
    "MetricOrderBy",
    "NumericFilter",
    "OrderBy",
    "ParsedReport",
    "RawRow",
    "RawTable",
    "ReportResult",
    "ReportSpec",
    "ReportTotals",
    "StringFilter",
    "Value",
    "load_catalog",
    "parse_value",
    "read_table",
    "require_ga4",
    "run_report",
    "run_reports",
    "trim_rows",
]
