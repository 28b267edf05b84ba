"""A GA4 response read into typed rows and totals, and sized for a model (`ParsedReport.to_result`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.analytics.data_v1beta.types import (
    RunRealtimeReportResponse,
    RunReportResponse,
)
from pydantic import BaseModel, Field

from tools.context import ToolContext
from tools.dates import ResolvedDateRange
from tools.ga4_report.catalog import TYPE_NAMES
from tools.ga4_report.prepare import PreparedReport
from tools.rows import Value, trim_rows


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


def parse_response(response: RunReportResponse, prepared: PreparedReport, ctx: ToolContext) -> ParsedReport:
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
