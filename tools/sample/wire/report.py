"""`POST :runReport`: validate the request, sum each date range's rows, filter, order, page and total them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from tools.sample.dataset import PropertyDataset
from tools.sample.wire.cube import aggregate, event_groups, split_items
from tools.sample.wire.dimensions import DIMENSIONS
from tools.sample.wire.filters import filter_fields, metric_filter
from tools.sample.wire.labels import resolve_date
from tools.sample.wire.metadata import EXPLORER_URL, incompatible_fields, validate_names
from tools.sample.wire.metrics import METRICS, MetricDef
from tools.sample.wire.protocol import ApiError, Json, enum_name


def _format_metric(value: float, kind: str) -> str:
    if kind == "TYPE_INTEGER":
        return str(round(value))
    if kind == "TYPE_CURRENCY":
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != round(value) else str(round(value))
    return repr(round(value, 10))


@dataclass
class Row:
    dims: tuple[str, ...]
    atoms: dict[str, float]
    metrics: list[float] = field(default_factory=list)


def _date_range_name(spec: Json, index: int) -> str:
    name = str(spec.get("name") or "")
    if name.startswith(("date_range_", "RESERVED_")):
        raise ApiError(400, f"Invalid dateRange name {name}: names cannot begin with date_range_ or RESERVED_.")
    return name or f"date_range_{index}"


@dataclass(frozen=True)
class _ReportRequest:
    """A `runReport` body, validated: its fields, its named date ranges and the dimensions rows are grouped by."""

    dimensions: list[str]
    metrics: list[str]
    ranges: list[tuple[str, date, date]]
    dimension_filter: Json | None
    output_dims: list[str]
    group_dims: list[str]
    metric_defs: list[MetricDef]
    atom_names: set[str]
    item_request: bool


def _report_request(dataset: PropertyDataset, body: Json) -> _ReportRequest:
    """Reject what GA4 rejects (names, compatibility, date ranges, filters), in GA4's order and words."""
    dimensions = [d["name"] for d in body.get("dimensions", [])]
    metrics = [m["name"] for m in body.get("metrics", [])]
    if not metrics and not dimensions:
        raise ApiError(400, "At least one dimension or metric is required.")
    validate_names(dimensions, metrics)
    incompatible = incompatible_fields(dimensions, metrics)
    if incompatible:
        raise ApiError(
            400,
            f"Please remove {incompatible[0]} to make the request compatible. The request's dimensions & metrics "
            f"are incompatible. To learn more, see {EXPLORER_URL}",
        )
    ranges = body.get("dateRanges", [])
    if not ranges:
        raise ApiError(400, "dateRanges is required.")
    if len(ranges) > 4:
        raise ApiError(400, "A request may have at most 4 dateRanges.")
    resolved: list[tuple[str, date, date]] = []
    for index, spec in enumerate(ranges):
        start = resolve_date(str(spec.get("startDate", "")), dataset.today)
        end = resolve_date(str(spec.get("endDate", "")), dataset.today)
        if end < start:
            raise ApiError(400, f"Invalid date range: endDate {end} is before startDate {start}.")
        resolved.append((_date_range_name(spec, index), start, end))
    dimension_filter = body.get("dimensionFilter")
    if dimension_filter and filter_fields(dimension_filter) & set(METRICS):
        raise ApiError(400, "dimensionFilter can only refer to dimensions; use metricFilter for metrics.")
    output_dims = list(dimensions)
    # Several date ranges add the dateRange dimension to every row, asked for or not.
    if len(resolved) > 1 and "dateRange" not in output_dims:
        output_dims.append("dateRange")
    group_dims = [d for d in dimensions if d != "dateRange"]
    metric_defs = [METRICS[m] for m in metrics]
    return _ReportRequest(
        dimensions=dimensions,
        metrics=metrics,
        ranges=resolved,
        dimension_filter=dimension_filter,
        output_dims=output_dims,
        group_dims=group_dims,
        metric_defs=metric_defs,
        atom_names={a for m in metric_defs for a in m.atoms} or {"sessions"},
        item_request=any(m.item_scoped for m in metric_defs) or any(DIMENSIONS[d].item_scoped for d in group_dims),
    )


def _range_rows(
    dataset: PropertyDataset, request: _ReportRequest, body: Json, *, name: str, start: date, end: date
) -> tuple[list[Row], dict[str, float]]:
    """One date range's rows (empty and metric-filtered rows dropped) and the sums of their atoms."""
    base_dims = [d for d in request.group_dims if not DIMENSIONS[d].item_scoped]
    dimension_filter = request.dimension_filter
    if "eventName" in base_dims or (dimension_filter and "eventName" in filter_fields(dimension_filter)):
        groups = event_groups(
            dataset,
            start=start,
            end=end,
            dims=base_dims,
            atom_names=request.atom_names,
            dimension_filter=dimension_filter,
        )
    else:
        groups = aggregate(
            dataset,
            start=start,
            end=end,
            dimensions=base_dims,
            atom_names=request.atom_names,
            dimension_filter=dimension_filter,
        )
    if request.item_request:
        groups = split_items(groups, base_dims, request.group_dims, items=dataset.catalog.items)
    rows: list[Row] = []
    for key, atoms in groups.items():
        dims = dict(zip(request.group_dims, key, strict=True))
        dims["dateRange"] = name
        values = [m.compute(atoms) for m in request.metric_defs]
        if not body.get("keepEmptyRows") and request.metrics and all(v == 0 for v in values):
            continue
        rows.append(Row(dims=tuple(dims[d] for d in request.output_dims), atoms=atoms, metrics=values))
    if body.get("metricFilter"):
        rows = [r for r in rows if metric_filter(body["metricFilter"], request.metrics, r.metrics)]
    total = dict.fromkeys(request.atom_names, 0.0)
    for row in rows:
        for atom in request.atom_names:
            total[atom] += row.atoms[atom]
    return rows, total


def run_report_json(dataset: PropertyDataset, body: Json, *, property_quota: Json | None) -> Json:
    """`POST :runReport` (also each request of `:batchRunReports`)."""
    request = _report_request(dataset, body)
    rows: list[Row] = []
    totals_by_range: list[tuple[str, dict[str, float]]] = []
    for name, start, end in request.ranges:
        range_rows, range_total = _range_rows(dataset, request, body, name=name, start=start, end=end)
        rows.extend(range_rows)
        totals_by_range.append((name, range_total))

    order_rows(rows, body.get("orderBys", []), request.output_dims, request.metrics)
    offset = int(body.get("offset", 0) or 0)
    limit = int(body.get("limit", 0) or 0) or 10000
    if limit > 250000:
        raise ApiError(400, "limit must not exceed 250000.")
    page = rows[offset : offset + limit]
    metric_defs = request.metric_defs
    response: Json = {
        "dimensionHeaders": [{"name": d} for d in request.output_dims],
        "metricHeaders": [{"name": m.api_name, "type": m.type} for m in metric_defs],
        "rows": [row_json(r.dims, r.metrics, metric_defs) for r in page],
        "rowCount": len(rows),
        "metadata": {"currencyCode": dataset.currency, "timeZone": dataset.timezone},
        "kind": "analyticsData#runReport",
    }
    if not page:
        del response["rows"]
    response.update(_aggregations(body, request, rows=rows, totals_by_range=totals_by_range))
    if property_quota is not None:
        response["propertyQuota"] = property_quota
    return response


def _aggregations(
    body: Json,
    request: _ReportRequest,
    *,
    rows: Sequence[Row],
    totals_by_range: Sequence[tuple[str, dict[str, float]]],
) -> Json:
    """`totals` (one row per date range), `maximums` and `minimums`, as `metricAggregations` asks."""
    out: Json = {}
    output_dims, metric_defs = request.output_dims, request.metric_defs
    aggregations = [enum_name("aggregation", a, "") for a in body.get("metricAggregations", [])]
    if "TOTAL" in aggregations:
        out["totals"] = [
            row_json(
                tuple(name if d == "dateRange" else "RESERVED_TOTAL" for d in output_dims),
                [m.compute(total) for m in metric_defs],
                metric_defs,
            )
            for name, total in totals_by_range
        ]
    for kind, label, pick in (("MAXIMUM", "RESERVED_MAX", max), ("MINIMUM", "RESERVED_MIN", min)):
        if kind in aggregations:
            out["maximums" if kind == "MAXIMUM" else "minimums"] = [
                row_json(
                    tuple(label for _ in output_dims),
                    [pick((r.metrics[i] for r in rows), default=0.0) for i in range(len(metric_defs))],
                    metric_defs,
                )
            ]
    return out


def order_rows(rows: list[Row], order_bys: Sequence[Json], dims: Sequence[str], metrics: Sequence[str]) -> None:
    if not order_bys:
        order_bys = (
            [{"metric": {"metricName": metrics[0]}, "desc": True}]
            if metrics
            else [{"dimension": {"dimensionName": dims[0]}}]
        )
    for spec in reversed(order_bys):
        desc = bool(spec.get("desc", False))
        if "metric" in spec:
            name = spec["metric"].get("metricName", "")
            if name not in metrics:
                raise ApiError(400, f"orderBys metric {name} must be one of the request's metrics.")
            position = metrics.index(name)
            rows.sort(key=lambda r: r.metrics[position], reverse=desc)
        elif "dimension" in spec:
            name = spec["dimension"].get("dimensionName", "")
            if name not in dims:
                raise ApiError(400, f"orderBys dimension {name} must be one of the request's dimensions.")
            position = dims.index(name)
            kind = enum_name("orderType", spec["dimension"].get("orderType"), "ALPHANUMERIC")
            if kind == "NUMERIC":
                rows.sort(key=lambda r: float(r.dims[position]) if _is_number(r.dims[position]) else 0.0, reverse=desc)
            elif kind == "CASE_INSENSITIVE_ALPHANUMERIC":
                rows.sort(key=lambda r: r.dims[position].lower(), reverse=desc)
            else:
                rows.sort(key=lambda r: r.dims[position], reverse=desc)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def row_json(dims: Sequence[str], values: Sequence[float], metric_defs: Sequence[MetricDef]) -> Json:
    return {
        "dimensionValues": [{"value": d} for d in dims],
        "metricValues": [{"value": _format_metric(v, m.type)} for v, m in zip(values, metric_defs, strict=True)],
    }
