"""GA4 reports done right for a model: validated names, exact dates, typed values, sized results, cached, batched.

`run_reports(ctx, specs)` is the one path to GA4 reports for every tool: names are checked against the property's
cached metadata (with renamed names mapped and close matches suggested), relative dates are resolved in the
property's time zone, identical reports come from the workspace's cache, and the rest go out in as few
`batchRunReports` calls as possible. The digest sends its own fixed requests and reads them with `read_table`.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from google.analytics.data_v1beta.types import (
    CheckCompatibilityRequest,
    Compatibility,
    DateRange,
    Dimension,
    Metadata,
    Metric,
    MetricAggregation,
    MetricType,
    RunRealtimeReportResponse,
    RunReportRequest,
    RunReportResponse,
)
from pydantic import BaseModel, Field, model_validator

from tools.base import ToolError, ToolUserError
from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange, resolve_range
from tools.errors import NO_PROPERTY, NOT_CONNECTED, google_errors
from tools.google.errors import GoogleBadRequest
from tools.google.ga4 import Ga4Api, property_name

METADATA_TTL = 3600.0
REPORT_TTL = 300.0
DEFAULT_LIMIT = 250
MAX_LIMIT = 10_000

# Names models often use from Universal Analytics or from before GA4 renamed them, mapped to today's API names.
RENAMED: dict[str, str] = {
    "conversions": "keyEvents",
    "sessionConversionRate": "sessionKeyEventRate",
    "userConversionRate": "userKeyEventRate",
    "conversionRate": "sessionKeyEventRate",
    "users": "totalUsers",
    "pageviews": "screenPageViews",
    "pageViews": "screenPageViews",
    "views": "screenPageViews",
    "pageviewsPerSession": "screenPageViewsPerSession",
    "avgSessionDuration": "averageSessionDuration",
    "revenue": "totalRevenue",
    "transactions": "ecommercePurchases",
    "transactionRevenue": "purchaseRevenue",
    "channelGrouping": "sessionDefaultChannelGroup",
    "defaultChannelGroup": "sessionDefaultChannelGroup",
    "defaultChannelGrouping": "sessionDefaultChannelGroup",
    "channel": "sessionDefaultChannelGroup",
    "sourceMedium": "sessionSourceMedium",
    "source": "sessionSource",
    "medium": "sessionMedium",
    "device": "deviceCategory",
    "landingPagePath": "landingPage",
}

TYPE_NAMES = {
    MetricType.TYPE_INTEGER: "integer",
    MetricType.TYPE_FLOAT: "float",
    MetricType.TYPE_SECONDS: "seconds",
    MetricType.TYPE_MILLISECONDS: "milliseconds",
    MetricType.TYPE_MINUTES: "minutes",
    MetricType.TYPE_HOURS: "hours",
    MetricType.TYPE_STANDARD: "standard",
    MetricType.TYPE_CURRENCY: "currency",
}
ADDITIVE_TYPES = {"integer", "currency", "seconds", "milliseconds", "minutes", "hours"}


# ----- catalog ---------------------------------------------------------------------------------------------------


class Ga4Field(BaseModel):
    """One dimension or metric of the property, custom ones included."""

    api_name: str
    ui_name: str
    kind: Literal["dimension", "metric"]
    type: str | None = None
    category: str = ""
    custom: bool = False
    description: str = ""
    deprecated_names: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Ga4Catalog:
    """The property's fields from getMetadata, and how to turn a model's guess into a valid name."""

    dimensions: dict[str, Ga4Field]
    metrics: dict[str, Ga4Field]

    @classmethod
    def from_metadata(cls, metadata: Metadata) -> Ga4Catalog:
        dimensions = {
            d.api_name: Ga4Field(
                api_name=d.api_name,
                ui_name=d.ui_name,
                kind="dimension",
                category=d.category,
                custom=d.custom_definition,
                description=d.description,
                deprecated_names=list(d.deprecated_api_names),
            )
            for d in metadata.dimensions
        }
        metrics = {
            m.api_name: Ga4Field(
                api_name=m.api_name,
                ui_name=m.ui_name,
                kind="metric",
                type=TYPE_NAMES.get(m.type_, "standard"),
                category=m.category,
                custom=m.custom_definition,
                description=m.description,
                deprecated_names=list(m.deprecated_api_names),
            )
            for m in metadata.metrics
        }
        return cls(dimensions=dimensions, metrics=metrics)

    def fields(self) -> list[Ga4Field]:
        return [*self.dimensions.values(), *self.metrics.values()]

    def resolve(self, name: str, kind: Literal["dimension", "metric"], notes: list[str]) -> str:
        """The valid API name for `name`, or a ToolError naming the closest valid ones."""
        own = self.dimensions if kind == "dimension" else self.metrics
        other = self.metrics if kind == "dimension" else self.dimensions
        raw = name.strip().removeprefix("ga:")
        if raw in own:
            return raw
        for field_ in own.values():
            if raw in field_.deprecated_names:
                notes.append(f"{raw} is now called {field_.api_name}; used {field_.api_name}.")
                return field_.api_name
        renamed = RENAMED.get(raw)
        if renamed in own:
            notes.append(f"{raw} is not a GA4 {kind}; used {renamed}.")
            return renamed
        by_case = {key.lower(): key for key in own}
        if raw.lower() in by_case:
            fixed = by_case[raw.lower()]
            notes.append(f"{raw} is spelled {fixed} in GA4; used {fixed}.")
            return fixed
        if raw in other:
            raise ToolError(
                f"{raw} is a {'metric' if kind == 'dimension' else 'dimension'}, not a {kind}. Move it to the {'metrics' if kind == 'dimension' else 'dimensions'} list."
            )
        close = [by_case[c] for c in difflib.get_close_matches(raw.lower(), list(by_case), n=5, cutoff=0.55)]
        close += [c for c in own if raw.lower() in c.lower() and c not in close][: 5 - len(close)]
        hint = f" Closest valid {kind}s: {', '.join(close)}." if close else ""
        raise ToolError(f"Unknown {kind} {raw!r} for this property.{hint} Use ga4_metadata to search all {kind}s.")

    def metric_type(self, name: str) -> str:
        metric = self.metrics.get(name)
        return metric.type or "standard" if metric else "standard"


def require_ga4(ctx: ToolContext) -> tuple[Ga4Api, str]:
    if ctx.ga4 is None:
        raise ToolUserError(NOT_CONNECTED, "no Google connection")
    if not ctx.property_id:
        raise ToolUserError(NO_PROPERTY, "no GA4 property chosen")
    return ctx.ga4, property_name(ctx.property_id)


async def load_catalog(ctx: ToolContext) -> Ga4Catalog:
    """The property's metadata, from the workspace cache for an hour."""
    ga4, resource = require_ga4(ctx)

    async def fetch() -> Ga4Catalog:
        async with google_errors():
            return Ga4Catalog.from_metadata(await ga4.get_metadata(resource))

    return await ctx.cache.get_or_fetch(f"ga4:metadata:{resource}", fetch, ttl=METADATA_TTL)


# ----- input models ---------------------------------------------------------------------------------------------


class StringFilter(BaseModel):
    match_type: Literal["EXACT", "BEGINS_WITH", "ENDS_WITH", "CONTAINS", "FULL_REGEXP", "PARTIAL_REGEXP"] = "EXACT"
    value: str
    case_sensitive: bool = False


class InListFilter(BaseModel):
    values: list[str] = Field(min_length=1)
    case_sensitive: bool = False


class NumericFilter(BaseModel):
    operation: Literal["EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL"]
    value: float


class BetweenFilter(BaseModel):
    from_value: float
    to_value: float


class FieldFilter(BaseModel):
    """One condition on one field; set exactly one of the four filter kinds."""

    field_name: str
    string_filter: StringFilter | None = None
    in_list_filter: InListFilter | None = None
    numeric_filter: NumericFilter | None = None
    between_filter: BetweenFilter | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> FieldFilter:
        kinds = [self.string_filter, self.in_list_filter, self.numeric_filter, self.between_filter]
        if sum(kind is not None for kind in kinds) != 1:
            raise ValueError("set exactly one of string_filter, in_list_filter, numeric_filter, between_filter")
        return self


class FilterExpressionList(BaseModel):
    expressions: list[FilterExpression] = Field(min_length=1)


class FilterExpression(BaseModel):
    """GA4 FilterExpression: exactly one of and_group, or_group, not_expression, filter."""

    and_group: FilterExpressionList | None = None
    or_group: FilterExpressionList | None = None
    not_expression: FilterExpression | None = None
    filter: FieldFilter | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> FilterExpression:
        kinds = [self.and_group, self.or_group, self.not_expression, self.filter]
        if sum(kind is not None for kind in kinds) != 1:
            raise ValueError("set exactly one of and_group, or_group, not_expression, filter")
        return self

    def field_names(self) -> list[str]:
        if self.filter is not None:
            return [self.filter.field_name]
        group = self.and_group or self.or_group
        if group is not None:
            return [name for child in group.expressions for name in child.field_names()]
        return self.not_expression.field_names() if self.not_expression else []

    def renamed(self, mapping: dict[str, str]) -> FilterExpression:
        data = self.model_dump(exclude_none=True)
        _rename_fields(data, mapping)
        return FilterExpression.model_validate(data)

    def to_wire(self) -> dict[str, object]:
        """The proto-plus mapping: numbers become GA4 NumericValue objects."""
        data = self.model_dump(exclude_none=True)
        _numbers_to_wire(data)
        return data


FilterExpressionList.model_rebuild()


def _numbers_to_wire(node: object) -> None:
    if isinstance(node, dict):
        numeric = node.get("numeric_filter")
        if isinstance(numeric, dict):
            numeric["value"] = {"double_value": numeric["value"]}
        between = node.get("between_filter")
        if isinstance(between, dict):
            between["from_value"] = {"double_value": between["from_value"]}
            between["to_value"] = {"double_value": between["to_value"]}
        for key, value in node.items():
            if key not in ("numeric_filter", "between_filter"):
                _numbers_to_wire(value)
    elif isinstance(node, list):
        for value in node:
            _numbers_to_wire(value)


def _rename_fields(node: object, mapping: dict[str, str]) -> None:
    if isinstance(node, dict):
        if "field_name" in node and node["field_name"] in mapping:
            node["field_name"] = mapping[node["field_name"]]
        for value in node.values():
            _rename_fields(value, mapping)
    elif isinstance(node, list):
        for value in node:
            _rename_fields(value, mapping)


class MetricOrderBy(BaseModel):
    metric_name: str


class DimensionOrderBy(BaseModel):
    dimension_name: str
    order_type: Literal["ALPHANUMERIC", "CASE_INSENSITIVE_ALPHANUMERIC", "NUMERIC"] = "ALPHANUMERIC"


class OrderBy(BaseModel):
    """Sort by one metric or one dimension."""

    metric: MetricOrderBy | None = None
    dimension: DimensionOrderBy | None = None
    desc: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> OrderBy:
        if (self.metric is None) == (self.dimension is None):
            raise ValueError("set exactly one of metric or dimension")
        return self


class ReportSpec(BaseModel):
    """One GA4 report. Field names follow the GA4 Data API in snake_case."""

    metrics: list[str] = Field(
        min_length=1, max_length=10, description="GA4 metric API names, e.g. sessions, keyEvents."
    )
    date_ranges: list[DateRangeInput] = Field(min_length=1, max_length=4, description="1 to 4 date ranges.")
    dimensions: list[str] = Field(default_factory=list, max_length=9, description="GA4 dimension API names, e.g. date.")
    dimension_filter: FilterExpression | None = None
    metric_filter: FilterExpression | None = None
    order_bys: list[OrderBy] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT, description="Most rows to fetch (default 250).")


# ----- results ---------------------------------------------------------------------------------------------------

Value = str | int | float


class MetricHeader(BaseModel):
    name: str
    type: str


class ReportTotals(BaseModel):
    date_range: str | None = None
    values: dict[str, int | float]


class ReportResult(BaseModel):
    """A GA4 report sized for a model: totals always, rows up to a size budget, exact dates and units stated."""

    property_id: str
    date_ranges: list[ResolvedDateRange]
    time_zone: str | None = None
    currency: str | None = None
    dimensions: list[str]
    metrics: list[MetricHeader]
    rows: list[dict[str, Value]]
    totals: list[ReportTotals]
    row_count: int
    rows_shown: int
    more_rows: str | None = None
    notes: list[str] = Field(default_factory=list)


@dataclass
class ParsedReport:
    """Every fetched row, typed; `to_result` trims it for a model."""

    property_id: str
    date_ranges: list[ResolvedDateRange]
    time_zone: str | None
    currency: str | None
    dimensions: list[str]
    metrics: list[MetricHeader]
    rows: list[dict[str, Value]]
    totals: list[ReportTotals]
    row_count: int
    notes: list[str] = field(default_factory=list)

    def total(self, metric: str, date_range: str | None = None) -> float:
        for totals in self.totals:
            if date_range is None or totals.date_range == date_range:
                return float(totals.values.get(metric, 0))
        return 0.0

    def to_result(self, budget_chars: int) -> ReportResult:
        shown = trim_rows(self.rows, budget_chars)
        more = None
        if self.row_count > len(shown):
            fetched_note = "" if len(self.rows) == self.row_count else f" ({len(self.rows)} fetched)"
            more = (
                f"{self.row_count - len(shown)} more rows not shown{fetched_note}; "
                "narrow with a filter, fewer dimensions or order_bys + limit."
            )
        return ReportResult(
            property_id=self.property_id,
            date_ranges=self.date_ranges,
            time_zone=self.time_zone,
            currency=self.currency,
            dimensions=self.dimensions,
            metrics=self.metrics,
            rows=shown,
            totals=self.totals,
            row_count=self.row_count,
            rows_shown=len(shown),
            more_rows=more,
            notes=self.notes,
        )


def trim_rows(rows: Iterable[dict[str, Value]], budget_chars: int) -> list[dict[str, Value]]:
    """As many leading rows as fit in `budget_chars` of JSON; reads `rows` only as far as that."""
    kept: list[dict[str, Value]] = []
    used = 0
    for row in rows:
        size = len(json.dumps(row, ensure_ascii=False)) + 2
        if kept and used + size > budget_chars:
            break
        kept.append(row)
        used += size
    return kept


def parse_value(raw: str, kind: str) -> Value:
    """A metric value by its declared type: integers as int, money to cents, durations to 0.1 s, ratios to 4 places."""
    try:
        number = float(raw)
    except ValueError:
        return raw
    if kind == "integer":
        return round(number)
    if kind == "currency":
        return round(number, 2)
    if kind in ("seconds", "milliseconds", "minutes", "hours"):
        return round(number, 1)
    return round(number, 4)


RawRow = tuple[list[str], list[str]]


@dataclass(frozen=True)
class RawTable:
    """A GA4 report's headers, and each row's (dimension values, metric values) as the API sent them."""

    dimensions: list[str]
    metrics: list[MetricHeader]
    rows: list[RawRow]
    totals: list[RawRow]

    def typed_rows(self) -> list[dict[str, Value]]:
        """Each row as {dimension: value, metric: value typed by `parse_value`}."""
        typed = []
        for dimension_values, metric_values in self.rows:
            item: dict[str, Value] = dict(zip(self.dimensions, dimension_values, strict=True))
            for header, value in zip(self.metrics, metric_values, strict=True):
                item[header.name] = parse_value(value, header.type)
            typed.append(item)
        return typed


def read_table(response: RunReportResponse | RunRealtimeReportResponse) -> RawTable:
    """The report's headers and values, read through the raw protobuf message.

    proto-plus wraps every field access: reading 10,000 rows through it costs ~10x what the raw message does.
    """
    raw: Any = type(response).pb(response)
    return RawTable(
        dimensions=[header.name for header in raw.dimension_headers],
        metrics=[MetricHeader(name=h.name, type=TYPE_NAMES.get(h.type_, "standard")) for h in raw.metric_headers],
        rows=[_raw_row(row) for row in raw.rows],
        totals=[_raw_row(row) for row in raw.totals],
    )


def _raw_row(row: Any) -> RawRow:
    return [value.value for value in row.dimension_values], [value.value for value in row.metric_values]


# ----- running ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    request: RunReportRequest
    ranges: list[ResolvedDateRange]
    notes: list[str]
    key: str


def _prepare(spec: ReportSpec, catalog: Ga4Catalog, *, ctx: ToolContext, resource: str) -> _Prepared:
    notes: list[str] = []
    today = ctx.property_today()
    metrics = [catalog.resolve(name, "metric", notes) for name in spec.metrics]
    dimensions = [
        name if name == "dateRange" else catalog.resolve(name, "dimension", notes) for name in spec.dimensions
    ]
    if len(set(metrics)) != len(metrics) or len(set(dimensions)) != len(dimensions):
        raise ToolError("Each metric and dimension may appear only once.")
    ranges = []
    for index, spec_range in enumerate(spec.date_ranges):
        if spec_range.name and spec_range.name.startswith(("date_range_", "RESERVED_")):
            raise ToolError("A date range name may not start with 'date_range_' or 'RESERVED_'; leave it out instead.")
        # Unnamed ranges are called date_range_N by GA4 itself; the name is echoed so rows can be matched.
        name = spec_range.name or (f"date_range_{index}" if len(spec.date_ranges) > 1 else None)
        ranges.append(resolve_range(spec_range, today=today, name=name))
    mapping: dict[str, str] = {}
    dimension_filter = None
    if spec.dimension_filter is not None:
        for name in spec.dimension_filter.field_names():
            mapping[name] = catalog.resolve(name, "dimension", notes)
        dimension_filter = spec.dimension_filter.renamed(mapping)
    metric_filter = None
    if spec.metric_filter is not None:
        for name in spec.metric_filter.field_names():
            mapping[name] = catalog.resolve(name, "metric", notes)
        metric_filter = spec.metric_filter.renamed(mapping)
    order_bys = []
    for order in spec.order_bys:
        data = order.model_dump(exclude_none=True)
        if order.metric is not None:
            resolved = catalog.resolve(order.metric.metric_name, "metric", notes)
            if resolved not in metrics:
                raise ToolError(f"order_bys metric {resolved} must also be in metrics.")
            data["metric"]["metric_name"] = resolved
        elif order.dimension is not None:
            name = order.dimension.dimension_name
            resolved = name if name == "dateRange" else catalog.resolve(name, "dimension", notes)
            if resolved not in dimensions and not (resolved == "dateRange" and len(ranges) > 1):
                raise ToolError(f"order_bys dimension {resolved} must also be in dimensions.")
            data["dimension"]["dimension_name"] = resolved
        order_bys.append(data)
    request = RunReportRequest(
        property=resource,
        dimensions=[Dimension(name=name) for name in dimensions],
        metrics=[Metric(name=name) for name in metrics],
        date_ranges=[
            DateRange(start_date=r.start_date.isoformat(), end_date=r.end_date.isoformat(), name=spec_range.name or "")
            for r, spec_range in zip(ranges, spec.date_ranges, strict=True)
        ],
        dimension_filter=dimension_filter.to_wire() if dimension_filter else None,
        metric_filter=metric_filter.to_wire() if metric_filter else None,
        order_bys=order_bys,
        limit=spec.limit or DEFAULT_LIMIT,
        metric_aggregations=[MetricAggregation.TOTAL],
    )
    key = f"ga4:report:{resource}:{RunReportRequest.to_json(request, sort_keys=True, indent=None)}"
    return _Prepared(request=request, ranges=ranges, notes=notes, key=key)


def _parse(response: RunReportResponse, prepared: _Prepared, ctx: ToolContext) -> ParsedReport:
    table = read_table(response)
    dimensions, metrics = table.dimensions, table.metrics
    rows = table.typed_rows()
    totals = []
    for labels, raw_values in table.totals:
        date_range = labels[dimensions.index("dateRange")] if "dateRange" in dimensions else None
        values = {
            header.name: parse_value(value, header.type) for header, value in zip(metrics, raw_values, strict=True)
        }
        totals.append(
            ReportTotals(date_range=date_range, values={k: v for k, v in values.items() if not isinstance(v, str)})
        )
    if not totals:
        totals = [
            ReportTotals(date_range=r.name, values=dict.fromkeys([m.name for m in metrics], 0)) for r in prepared.ranges
        ]
    notes = list(prepared.notes)
    if response.metadata.subject_to_thresholding:
        notes.append("GA4 applied thresholding to protect user privacy: small rows may be withheld.")
    if response.metadata.data_loss_from_other_row:
        notes.append("Some rows were grouped into '(other)' by GA4 because of high cardinality.")
    return ParsedReport(
        property_id=prepared.request.property.removeprefix("properties/"),
        date_ranges=prepared.ranges,
        time_zone=response.metadata.time_zone or ctx.timezone,
        currency=response.metadata.currency_code or ctx.currency,
        dimensions=dimensions,
        metrics=metrics,
        rows=rows,
        totals=totals,
        row_count=int(response.row_count),
        notes=notes,
    )


async def _explain_incompatibility(ga4: Ga4Api, request: RunReportRequest, error: GoogleBadRequest) -> ToolError:
    """Turn GA4's terse incompatibility error into which fields clash and what would work instead."""
    check = CheckCompatibilityRequest(
        property=request.property,
        dimensions=list(request.dimensions),
        metrics=list(request.metrics),
        compatibility_filter=Compatibility.INCOMPATIBLE,
    )
    async with google_errors():
        answer = await ga4.check_compatibility(check)
    requested = {d.name for d in request.dimensions} | {m.name for m in request.metrics}
    clashing = [c.dimension_metadata.api_name for c in answer.dimension_compatibilities] + [
        c.metric_metadata.api_name for c in answer.metric_compatibilities
    ]
    in_request = [name for name in clashing if name in requested]
    detail = f" Incompatible here: {', '.join(in_request)}." if in_request else ""
    return ToolError(
        f"GA4 cannot combine these dimensions and metrics: {error.message}{detail} "
        "Item-scoped fields (itemName, itemRevenue, …) only combine with other item-scoped or date fields; "
        "split the question into separate reports."
    )


async def run_reports(ctx: ToolContext, specs: Sequence[ReportSpec]) -> list[ParsedReport]:
    """Run several reports needed together: cached ones from the workspace cache, the rest in batchRunReports."""
    ga4, resource = require_ga4(ctx)
    catalog = await load_catalog(ctx)
    prepared = [_prepare(spec, catalog, ctx=ctx, resource=resource) for spec in specs]
    results: list[ParsedReport | None] = [None] * len(prepared)
    missing: list[int] = []
    for index, item in enumerate(prepared):
        found, value = ctx.cache.peek(item.key)
        if found:
            results[index] = _parse(value, item, ctx)
        else:
            missing.append(index)
    if missing:
        requests = [prepared[i].request for i in missing]
        try:
            async with google_errors():
                if len(requests) == 1:
                    responses = [await ga4.run_report(requests[0])]
                else:
                    responses = await ga4.batch_run_reports(resource, requests)
        except ToolError as error:
            cause = error.__cause__
            if isinstance(cause, GoogleBadRequest) and "incompatible" in cause.message.lower():
                explained = await asyncio.gather(*(_explain_incompatibility(ga4, r, cause) for r in requests))
                pinned = [e for e in explained if "Incompatible here" in str(e)]
                raise (pinned or explained)[0] from cause
            raise
        for index, response in zip(missing, responses, strict=True):
            ctx.cache.put(prepared[index].key, response, ttl=REPORT_TTL)
            results[index] = _parse(response, prepared[index], ctx)
    parsed = [r for r in results if r is not None]
    status = ga4.quota_status(resource)
    if status is not None and status.low:
        for report in parsed:
            report.notes.append(status.describe())
    return parsed


async def run_report(ctx: ToolContext, spec: ReportSpec) -> ParsedReport:
    return (await run_reports(ctx, [spec]))[0]
