"""The GA4 tools a model calls: reports, period comparisons, realtime and the property's field catalog."""

from __future__ import annotations

import re
from typing import Any, Literal

from google.analytics.data_v1beta.types import (
    Dimension,
    Metric,
    MetricAggregation,
    MinuteRange,
    RunRealtimeReportRequest,
)
from pydantic import BaseModel, Field

from tools.base import Tool, ToolError
from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange, resolve_periods
from tools.errors import google_errors
from tools.ga4_report import (
    FilterExpression,
    Ga4Field,
    MetricHeader,
    ReportResult,
    ReportSpec,
    ReportTotals,
    Value,
    load_catalog,
    parse_value,
    read_table,
    require_ga4,
    run_report,
    trim_rows,
)
from tools.retarget import on_named_target
from tools.targets import OnProperty

REALTIME_TTL = 30.0

# ----- ga4_run_report ----------------------------------------------------------------------------------------------


class Ga4RunReportInput(ReportSpec, OnProperty):
    """Arguments of ga4_run_report (GA4 Data API field names in snake_case)."""


async def ga4_run_report(args: Ga4RunReportInput, ctx: ToolContext) -> ReportResult:
    report = await run_report(ctx, args)
    return report.to_result(ctx.result_budget_chars)


GA4_RUN_REPORT_DESCRIPTION = """Run one GA4 Data API report on the workspace's GA4 property.
Use GA4 API names: metrics like sessions, totalUsers, newUsers, engagedSessions, engagementRate, keyEvents,
sessionKeyEventRate, screenPageViews, purchaseRevenue, totalRevenue; dimensions like date, sessionDefaultChannelGroup,
sessionSourceMedium, deviceCategory, country, landingPage, pagePath, pageTitle. Up to 4 date_ranges (YYYY-MM-DD,
today, yesterday, NdaysAgo); with several ranges each row carries a dateRange value. Totals per range are always
returned; rows are capped to fit (see more_rows and row_count). Values are typed; currency and time_zone are stated.
Call ga4_metadata to find other or custom fields."""


# ----- ga4_compare_periods -----------------------------------------------------------------------------------------


class Ga4ComparePeriodsInput(OnProperty):
    metrics: list[str] = Field(min_length=1, max_length=5, description="GA4 metric API names; rows sort by the first.")
    current: DateRangeInput = Field(description="The period to explain, e.g. 7daysAgo to yesterday.")
    previous: DateRangeInput | None = Field(
        default=None, description="The period to compare with; default: the same number of days just before."
    )
    dimensions: list[str] = Field(default_factory=list, max_length=3, description="Break the change down by these.")
    dimension_filter: FilterExpression | None = None
    limit: int = Field(default=50, ge=1, le=1000, description="Most segments to fetch.")


class MetricChange(BaseModel):
    current: int | float
    previous: int | float
    change: int | float
    change_pct: float | None = Field(description="Percentage change; null when the previous value is 0.")


class ComparisonRow(BaseModel):
    dimensions: dict[str, str]
    metrics: dict[str, MetricChange]


class ComparisonResult(BaseModel):
    property_id: str
    current: ResolvedDateRange
    previous: ResolvedDateRange
    time_zone: str | None = None
    currency: str | None = None
    metrics: list[MetricHeader]
    totals: dict[str, MetricChange]
    rows: list[ComparisonRow]
    row_count: int
    rows_shown: int
    more_rows: str | None = None
    notes: list[str] = Field(default_factory=list)


def change(current: float, previous: float, kind: str) -> MetricChange:
    delta = current - previous
    pct = round(100.0 * delta / previous, 1) if previous else None
    cur = parse_value(str(current), kind)
    prev = parse_value(str(previous), kind)
    diff = parse_value(str(delta), kind)
    assert not isinstance(cur, str) and not isinstance(prev, str) and not isinstance(diff, str)
    return MetricChange(current=cur, previous=prev, change=diff, change_pct=pct)


def _number(value: Value | None) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


async def ga4_compare_periods(args: Ga4ComparePeriodsInput, ctx: ToolContext) -> ComparisonResult:
    current, previous = resolve_periods(args.current, args.previous, today=ctx.property_today())
    spec = ReportSpec(
        metrics=args.metrics,
        dimensions=args.dimensions,
        date_ranges=[current.as_input(), previous.as_input()],
        dimension_filter=args.dimension_filter,
        limit=args.limit * 4,
    )
    report = await run_report(ctx, spec)
    kinds = {m.name: m.type for m in report.metrics}
    names = [m.name for m in report.metrics]
    dims = [d for d in report.dimensions if d != "dateRange"]
    paired: dict[tuple[str, ...], dict[str, dict[str, float]]] = {}
    for row in report.rows:
        key = tuple(str(row[d]) for d in dims)
        period = str(row.get("dateRange", "current"))
        paired.setdefault(key, {}).setdefault(period, {}).update({m: _number(row.get(m)) for m in names})
    rows = []
    for key, periods in paired.items():
        cur = periods.get("current", {})
        prev = periods.get("previous", {})
        rows.append(
            ComparisonRow(
                dimensions=dict(zip(dims, key, strict=True)),
                metrics={m: change(cur.get(m, 0.0), prev.get(m, 0.0), kinds[m]) for m in names},
            )
        )
    first = names[0]
    rows.sort(key=lambda r: abs(float(r.metrics[first].change)), reverse=True)
    rows = rows[: args.limit]
    totals = {m: change(report.total(m, "current"), report.total(m, "previous"), kinds[m]) for m in names}
    shown = len(trim_rows((r.model_dump() for r in rows), ctx.result_budget_chars))
    more = f"{len(paired) - shown} more segments not shown." if len(paired) > shown else None
    return ComparisonResult(
        property_id=report.property_id,
        current=current,
        previous=previous,
        time_zone=report.time_zone,
        currency=report.currency,
        metrics=report.metrics,
        totals=totals,
        rows=rows[:shown],
        row_count=len(paired),
        rows_shown=shown,
        more_rows=more,
        notes=report.notes,
    )


# ----- ga4_realtime ------------------------------------------------------------------------------------------------

RealtimeDimension = Literal[
    "country", "deviceCategory", "unifiedScreenName", "minutesAgo", "platform", "city", "eventName"
]
RealtimeMetric = Literal["activeUsers", "screenPageViews", "eventCount", "keyEvents"]


def _active_users() -> list[RealtimeMetric]:
    return ["activeUsers"]


class Ga4RealtimeInput(OnProperty):
    metrics: list[RealtimeMetric] = Field(default_factory=_active_users, min_length=1, max_length=4)
    dimensions: list[RealtimeDimension] = Field(default_factory=list, max_length=3)
    minutes: int = Field(default=30, ge=1, le=30, description="How many of the last minutes to cover (max 30).")
    limit: int = Field(default=25, ge=1, le=1000)


class RealtimeResult(BaseModel):
    property_id: str
    window: str
    dimensions: list[str]
    metrics: list[MetricHeader]
    rows: list[dict[str, Value]]
    totals: ReportTotals
    row_count: int
    rows_shown: int
    more_rows: str | None = None


async def ga4_realtime(args: Ga4RealtimeInput, ctx: ToolContext) -> RealtimeResult:
    ga4, resource = require_ga4(ctx)
    request = RunRealtimeReportRequest(
        property=resource,
        dimensions=[Dimension(name=d) for d in args.dimensions],
        metrics=[Metric(name=m) for m in args.metrics],
        minute_ranges=[MinuteRange(start_minutes_ago=args.minutes - 1, end_minutes_ago=0)],
        metric_aggregations=[MetricAggregation.TOTAL],
        limit=args.limit,
    )
    key = f"ga4:realtime:{resource}:{RunRealtimeReportRequest.to_json(request, sort_keys=True, indent=None)}"

    async def fetch() -> RealtimeResult:
        async with google_errors():
            response = await ga4.run_realtime_report(request)
        table = read_table(response)
        metrics = table.metrics
        rows = table.typed_rows()
        total_values: dict[str, int | float] = dict.fromkeys((m.name for m in metrics), 0)
        if table.totals:
            for header, value in zip(metrics, table.totals[0][1], strict=True):
                parsed = parse_value(value, header.type)
                total_values[header.name] = parsed if not isinstance(parsed, str) else 0
        shown = trim_rows(rows, ctx.result_budget_chars)
        count = int(response.row_count)
        return RealtimeResult(
            property_id=resource.removeprefix("properties/"),
            window=f"the last {args.minutes} minutes",
            dimensions=table.dimensions,
            metrics=metrics,
            rows=shown,
            totals=ReportTotals(values=total_values),
            row_count=count,
            rows_shown=len(shown),
            more_rows=f"{count - len(shown)} more rows not shown." if count > len(shown) else None,
        )

    return await ctx.cache.get_or_fetch(key, fetch, ttl=REALTIME_TTL)


# ----- ga4_metadata ------------------------------------------------------------------------------------------------


class Ga4MetadataInput(OnProperty):
    search: str | None = Field(default=None, description="Words to look for in names and descriptions, e.g. 'revenue'.")
    kind: Literal["dimension", "metric", "any"] = "any"
    custom_only: bool = Field(default=False, description="Only the property's custom dimensions and metrics.")
    limit: int = Field(default=40, ge=1, le=200)


class MetadataResult(BaseModel):
    property_id: str
    fields: list[Ga4Field]
    matched: int
    shown: int


def _score(field_: Ga4Field, words: list[str]) -> int:
    name = field_.api_name.lower()
    text = " ".join([name, field_.ui_name.lower(), field_.category.lower(), field_.description.lower()])
    if not all(word in text for word in words):
        return -1
    return sum(3 if word in name else 2 if word in field_.ui_name.lower() else 1 for word in words)


async def ga4_metadata(args: Ga4MetadataInput, ctx: ToolContext) -> MetadataResult:
    _, resource = require_ga4(ctx)
    catalog = await load_catalog(ctx)
    words = [w for w in re.split(r"\W+", (args.search or "").lower()) if w]
    scored = []
    for field_ in catalog.fields():
        if args.kind != "any" and field_.kind != args.kind:
            continue
        if args.custom_only and not field_.custom:
            continue
        score = _score(field_, words)
        if score >= 0:
            scored.append((score, field_))
    scored.sort(key=lambda item: (-item[0], item[1].kind, item[1].api_name))
    fields = [field_.model_copy(update={"description": field_.description[:160]}) for _, field_ in scored[: args.limit]]
    if not fields and words:
        raise ToolError(f"No GA4 field matches {args.search!r}. Try a broader word, or kind='any'.")
    return MetadataResult(
        property_id=resource.removeprefix("properties/"), fields=fields, matched=len(scored), shown=len(fields)
    )


GA4_TOOLS: list[Tool[Any, ToolContext]] = [
    Tool(
        name="ga4_run_report",
        description=GA4_RUN_REPORT_DESCRIPTION,
        input_model=Ga4RunReportInput,
        run=on_named_target(ga4_run_report),
    ),
    Tool(
        name="ga4_compare_periods",
        description=(
            "Compare GA4 metrics between two periods (default: the same number of days just before), optionally by up "
            "to 3 dimensions. Returns totals and rows with current, previous, absolute and percentage change, sorted "
            "by the size of the change in the first metric. Use it for 'how did X change' questions."
        ),
        input_model=Ga4ComparePeriodsInput,
        run=on_named_target(ga4_compare_periods),
    ),
    Tool(
        name="ga4_realtime",
        description=(
            "GA4 realtime: active users (and views, events, key events) in the last 30 minutes, optionally by "
            "country, deviceCategory, unifiedScreenName (page title) or minutesAgo."
        ),
        input_model=Ga4RealtimeInput,
        run=on_named_target(ga4_realtime),
    ),
    Tool(
        name="ga4_metadata",
        description=(
            "Search the GA4 property's dimensions and metrics (custom ones included) by words, to find the exact API "
            "name to use in ga4_run_report. Returns api_name, ui_name, kind, type and a short description."
        ),
        input_model=Ga4MetadataInput,
        run=on_named_target(ga4_metadata),
    ),
]
