"""Typed GA4 reads for the bot's own features (digests, alerts): metric series by day or by hour over a date range,
and one dimension's breakdown over compared ranges.

They take the model's tools' path (`ReportSpec` → `prepare` → `run` → `ParsedReport`): the same checks, the same
`batchRunReports` batching and cache, the same quota notes and the same error mapping (`ToolError` for a request
Google rejects, `ToolUserError` for what a person must fix). Several reads needed together go out in one
`batchRunReports` (`read_reports`). Reads of standard fields only (`CORE_CATALOG`: every digest's and alert's)
make no getMetadata call to check them; one naming anything else (an alert rule on a custom metric or dimension)
is checked against the property's own metadata, cached for an hour.

The digests, the anomaly alerts and the alert rules people write all read GA4 through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from tools.context import ToolContext
from tools.dates import DateRangeInput
from tools.ga4_report.catalog import CORE_CATALOG, Ga4Catalog
from tools.ga4_report.results import ParsedReport
from tools.ga4_report.run import run_reports
from tools.ga4_report.spec import FieldFilter, FilterExpression, MetricOrderBy, OrderBy, ReportSpec, StringFilter
from tools.rows import Value


class Ga4Read(Protocol):
    """One report of a batch: how to ask for it."""

    def spec(self) -> ReportSpec: ...


@dataclass(frozen=True, kw_only=True)
class NamedRange:
    """A date range of a breakdown, named so its rows can be told apart (GA4 echoes the name)."""

    name: str
    start: date
    end: date


@dataclass(frozen=True, kw_only=True)
class Only:
    """The rows where one dimension has exactly one value (`sessionDefaultChannelGroup` = `Organic Search`)."""

    dimension: str
    value: str

    def expression(self) -> FilterExpression:
        return FilterExpression(
            filter=FieldFilter(
                field_name=self.dimension, string_filter=StringFilter(match_type="EXACT", value=self.value)
            )
        )


@dataclass(frozen=True, kw_only=True)
class DailySeries:
    """`metrics` by day from `start` to `end` (inclusive), for the rows of `only` when given; days GA4 leaves out
    (no data) are missing."""

    metrics: tuple[str, ...]
    start: date
    end: date
    only: Only | None = None

    def spec(self) -> ReportSpec:
        days = (self.end - self.start).days + 1
        return ReportSpec(
            metrics=list(self.metrics),
            dimensions=["date"],
            date_ranges=[_range(self.start, self.end)],
            limit=days + 5,
            dimension_filter=self.only.expression() if self.only is not None else None,
        )

    def read(self, report: ParsedReport) -> dict[str, dict[date, float]]:
        """{metric: {day: value}}."""
        series: dict[str, dict[date, float]] = {name: {} for name in self.metrics}
        for row in report.rows:
            when = date.fromisoformat(str(row["date"]))  # YYYYMMDD; ~20x cheaper than strptime, 91 rows a digest
            for name in self.metrics:
                series[name][when] = number(row.get(name, 0))
        return series


@dataclass(frozen=True, kw_only=True)
class HourlySeries:
    """`metrics` by hour over the days `start` to `end`, in the property's wall-clock hours (naive datetimes, as GA4
    reports them), for the rows of `only` when given; hours GA4 leaves out (no data) are missing."""

    metrics: tuple[str, ...]
    start: date
    end: date
    only: Only | None = None

    def spec(self) -> ReportSpec:
        days = (self.end - self.start).days + 1
        return ReportSpec(
            metrics=list(self.metrics),
            dimensions=["dateHour"],
            date_ranges=[_range(self.start, self.end)],
            limit=24 * days + 24,
            dimension_filter=self.only.expression() if self.only is not None else None,
        )

    def read(self, report: ParsedReport) -> dict[str, dict[datetime, float]]:
        """{metric: {hour: value}}."""
        series: dict[str, dict[datetime, float]] = {name: {} for name in self.metrics}
        for row in report.rows:
            stamp = datetime.strptime(str(row["dateHour"]), "%Y%m%d%H")
            for name in self.metrics:
                series[name][stamp] = series[name].get(stamp, 0.0) + number(row.get(name, 0))
        return series


@dataclass(frozen=True, kw_only=True)
class Breakdown:
    """`metric` by the values of one `dimension`, in each of `ranges`; the `limit` largest by `metric` when
    `top` is set, else GA4's own order."""

    dimension: str
    metric: str
    ranges: tuple[NamedRange, ...]
    limit: int
    top: bool = False

    def spec(self) -> ReportSpec:
        return ReportSpec(
            metrics=[self.metric],
            dimensions=[self.dimension],
            date_ranges=[_range(r.start, r.end, name=r.name) for r in self.ranges],
            order_bys=[OrderBy(metric=MetricOrderBy(metric_name=self.metric), desc=True)] if self.top else [],
            limit=self.limit,
        )

    def read(self, report: ParsedReport) -> dict[str, dict[str, float]]:
        """{range name: {dimension value: metric}}; every range is present, empty when it had no rows."""
        values: dict[str, dict[str, float]] = {r.name: {} for r in self.ranges}
        only = self.ranges[0].name
        for row in report.rows:
            # With several ranges GA4 adds a `dateRange` dimension holding the range's name.
            which = values.setdefault(str(row.get("dateRange", only)), {})
            label = str(row[self.dimension])
            which[label] = which.get(label, 0.0) + number(row.get(self.metric, 0))
        return values


@dataclass(frozen=True, kw_only=True)
class Totals:
    """`metrics` summed over each of `ranges`, no dimension (a roll-up digest's line for one property)."""

    metrics: tuple[str, ...]
    ranges: tuple[NamedRange, ...]

    def spec(self) -> ReportSpec:
        return ReportSpec(
            metrics=list(self.metrics), date_ranges=[_range(r.start, r.end, name=r.name) for r in self.ranges]
        )

    def read(self, report: ParsedReport) -> dict[str, dict[str, float]]:
        """{range name: {metric: total}}; 0 for a range GA4 had no data in."""
        single = len(self.ranges) == 1  # GA4 names the ranges only when there are several
        return {
            r.name: {name: report.total(name, None if single else r.name) for name in self.metrics} for r in self.ranges
        }


async def read_reports(ctx: ToolContext, reads: Sequence[Ga4Read]) -> list[ParsedReport]:
    """The reports `reads` ask for, in one `batchRunReports` call (or one `runReport` for a single read), in order."""
    specs = [read.spec() for read in reads]
    return await run_reports(ctx, specs, catalog=_catalog(specs))


def _catalog(specs: Sequence[ReportSpec]) -> Ga4Catalog | None:
    """`CORE_CATALOG` when the reports name only standard fields, else None: the property's own metadata."""
    for spec in specs:
        dimensions = list(spec.dimensions)
        if spec.dimension_filter is not None and spec.dimension_filter.filter is not None:
            dimensions.append(spec.dimension_filter.filter.field_name)
        if any(name not in CORE_CATALOG.dimensions for name in dimensions):
            return None
        if any(name not in CORE_CATALOG.metrics for name in spec.metrics):
            return None
    return CORE_CATALOG


def number(value: Value) -> float:
    """A typed metric value as a float; GA4's rare non-numeric values count as 0."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return 0.0
    return float(value)


def _range(start: date, end: date, *, name: str | None = None) -> DateRangeInput:
    return DateRangeInput(start_date=start.isoformat(), end_date=end.isoformat(), name=name)
