"""`explain_change`: which segments explain a metric's change between two periods. Plain arithmetic, no model.

For every dimension the change of each segment is its current minus previous value; its share of the total change
is that difference over the total's. Segments are ranked by how much of the change they carry, weighted by how
strongly they moved themselves (|Δ| × |Δ| / max(current, previous)), so a segment that collapsed outranks a big
segment that merely drifted with everything else. GA4 also gets the channel × landing-page-group crossing, which
pins down incidents such as "organic traffic to /blog/ pages fell".
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, field_validator

from tools.base import Tool, ToolError
from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange, resolve_periods
from tools.ga4_report import (
    ADDITIVE_TYPES,
    FieldFilter,
    FilterExpression,
    InListFilter,
    ParsedReport,
    ReportSpec,
    load_catalog,
    require_ga4,
    run_reports,
)
from tools.gsc_tools import fetch_gsc, gsc_period_totals, gsc_periods, gsc_query, require_gsc
from tools.retarget import on_named_target
from tools.targets import OnProperty, OnSite

GA4_DIMENSIONS = ("sessionDefaultChannelGroup", "sessionSourceMedium", "deviceCategory", "country", "landingPage")
GSC_DIMENSIONS = ("query", "page", "country", "device")
GSC_METRICS = ("clicks", "impressions")
PAGE_GROUP = "landingPageGroup"
GSC_PAGE_GROUP = "pageGroup"
EXPLAIN_ROWS = 5000


def page_group(page: str) -> str:
    """`/blog/post` and `/blog/` → `/blog/*`; `/pricing` stays; full URLs are reduced to their path first."""
    path = urlparse(page).path if page.startswith(("http://", "https://")) else page
    parts = [part for part in path.split("/") if part]
    if not parts:
        return "/"
    if len(parts) == 1 and not path.endswith("/"):
        return "/" + parts[0]
    return "/" + parts[0] + "/*"


class ExplainChangeInput(OnProperty, OnSite):
    metric: str = Field(
        description="A GA4 count metric (sessions, keyEvents, totalRevenue, …) or Search Console clicks / impressions."
    )
    current: DateRangeInput = Field(description="The period whose change to explain.")
    previous: DateRangeInput | None = Field(default=None, description="Default: the same number of days just before.")
    source: Literal["ga4", "gsc"] | None = Field(
        default=None, description="ga4 or gsc; default: gsc for clicks/impressions, else ga4."
    )
    dimensions: list[str] | None = Field(
        default=None,
        description="Limit the breakdown to these dimensions (GA4: sessionDefaultChannelGroup, sessionSourceMedium, "
        "deviceCategory, country, landingPage; GSC: query, page, country, device).",
    )
    top: int = Field(default=5, ge=1, le=20)
    hours: list[int] | None = Field(
        default=None,
        description="GA4 only: count only these hours of each day (0-23, the property's time), so that today so far "
        "is compared with the same hours of another day rather than with a whole one.",
    )

    @field_validator("hours")
    @classmethod
    def _hours_of_a_day(cls, hours: list[int] | None) -> list[int] | None:
        if hours is not None and (not hours or any(not 0 <= hour <= 23 for hour in hours)):
            raise ValueError("hours are 0 to 23, at least one")
        return sorted(set(hours)) if hours is not None else None


class Segment(BaseModel):
    dimension: str = Field(description="Dimension name; 'a × b' for a crossing of two dimensions.")
    value: str
    current: float
    previous: float
    change: float
    change_pct: float | None = Field(description="The segment's own % change; null when it was 0 before.")
    share_of_change: float | None = Field(description="This segment's change / the total change (0.8 = 80 %).")


class ExplainChangeResult(BaseModel):
    source: Literal["ga4", "gsc"]
    metric: str
    current: ResolvedDateRange
    previous: ResolvedDateRange
    total_current: float
    total_previous: float
    total_change: float
    total_change_pct: float | None
    segments: list[Segment] = Field(description="Ranked: the segments that explain most of the change first.")
    offsetting: list[Segment] = Field(description="Largest segments that moved against the total.")
    dimensions_analyzed: list[str]
    concentration: str
    method: str = (
        "Per segment: change = current - previous; share_of_change = change / total change. Ranked by |change| weighted "
        "by the segment's own relative change. Segments of different dimensions overlap, so shares don't add up across "
        "dimensions."
    )
    notes: list[str] = Field(default_factory=list)


@dataclass
class _Breakdown:
    dimension: str
    current: dict[str, float]
    previous: dict[str, float]


def _pct(current: float, previous: float) -> float | None:
    return round(100.0 * (current - previous) / previous, 1) if previous else None


def _segments(breakdowns: Iterable[_Breakdown], total_change: float) -> list[Segment]:
    out = []
    for breakdown in breakdowns:
        for value in breakdown.current.keys() | breakdown.previous.keys():
            cur = breakdown.current.get(value, 0.0)
            prev = breakdown.previous.get(value, 0.0)
            delta = cur - prev
            if delta == 0:
                continue
            out.append(
                Segment(
                    dimension=breakdown.dimension,
                    value=value,
                    current=round(cur, 2),
                    previous=round(prev, 2),
                    change=round(delta, 2),
                    change_pct=_pct(cur, prev),
                    share_of_change=round(delta / total_change, 3) if total_change else None,
                )
            )
    return out


def _score(segment: Segment) -> float:
    base = max(abs(segment.current), abs(segment.previous), 1e-9)
    return abs(segment.change) * min(1.0, abs(segment.change) / base)


def _concentration(ranked: list[Segment], breakdowns: list[_Breakdown], total_pct: float | None) -> str:
    if not ranked or total_pct is None:
        return "No overall change to explain." if not ranked else "The total was zero before; every segment is new."
    top = ranked[0]
    top_pct = top.change_pct
    if (
        top.share_of_change is not None
        and top.share_of_change >= 0.6
        and (top_pct is None or abs(top_pct) >= 1.5 * abs(total_pct))
    ):
        return (
            f"Concentrated: {top.dimension} = {top.value} carries {round(100 * top.share_of_change)}% of the change "
            f"and moved {top_pct if top_pct is not None else 'from zero'}% itself, against {total_pct}% overall."
        )
    first = breakdowns[0] if breakdowns else None
    if first is not None:
        total_prev = sum(first.previous.values()) or 1.0
        big = [v for v, prev in first.previous.items() if prev / total_prev >= 0.05]
        moves = [_pct(first.current.get(v, 0.0), first.previous[v]) for v in big]
        if moves and all(m is not None and abs(m - total_pct) <= max(10.0, abs(total_pct) * 0.35) for m in moves):
            return (
                f"Broad: every sizeable {first.dimension} segment moved by roughly the same {total_pct}% — typical of a "
                "site-wide cause (tracking or consent change, outage, seasonality) rather than one segment."
            )
    return "Mixed: several segments contribute; see the ranked list."


def _sum_by(rows: Iterable[Mapping[str, Any]], key: str, metric: str, period: str) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        if row.get("dateRange") == period:
            value = row.get(metric)
            totals[str(row[key])] += float(value) if isinstance(value, int | float) else 0.0
    return dict(totals)


def _in_hours(hours: list[int] | None) -> FilterExpression | None:
    """The GA4 dimension filter that keeps only these hours of each day (`hour` is two digits, "00" to "23")."""
    if hours is None:
        return None
    values = [f"{hour:02d}" for hour in hours]
    return FilterExpression(filter=FieldFilter(field_name="hour", in_list_filter=InListFilter(values=values)))


def _ga4_specs(
    metric: str, periods: list[ResolvedDateRange], *, crossed: bool, singles: list[str], hours: list[int] | None
) -> list[ReportSpec]:
    """The reports one explanation needs, in one batch: channel × landing page (when either is wanted), then one
    per other dimension; each counts only `hours` of each day when given."""
    ranges = [period.as_input() for period in periods]
    only = _in_hours(hours)
    specs: list[ReportSpec] = []
    if crossed:
        specs.append(
            ReportSpec(
                metrics=[metric],
                dimensions=["sessionDefaultChannelGroup", "landingPage"],
                date_ranges=ranges,
                dimension_filter=only,
                limit=10_000,
            )
        )
    specs += [
        ReportSpec(metrics=[metric], dimensions=[d], date_ranges=ranges, dimension_filter=only, limit=EXPLAIN_ROWS)
        for d in singles
    ]
    return specs


async def _ga4_breakdowns(
    ctx: ToolContext,
    metric: str,
    current: ResolvedDateRange,
    previous: ResolvedDateRange,
    dimensions: list[str],
    *,
    hours: list[int] | None,
) -> tuple[float, float, list[_Breakdown], list[str]]:
    catalog = await load_catalog(ctx)
    notes: list[str] = []
    resolved = catalog.resolve(metric, "metric", notes)
    if catalog.metric_type(resolved) not in ADDITIVE_TYPES:
        raise ToolError(
            f"{resolved} is a ratio or average, which does not split into segment contributions. Explain its parts "
            "instead (e.g. engagedSessions and sessions for engagementRate), or use ga4_compare_periods."
        )
    wanted = [catalog.resolve(d, "dimension", notes) for d in dimensions]
    crossed = "sessionDefaultChannelGroup" in wanted or "landingPage" in wanted
    singles = [d for d in wanted if d not in ("sessionDefaultChannelGroup", "landingPage")]
    specs = _ga4_specs(resolved, [current, previous], crossed=crossed, singles=singles, hours=hours)
    reports: list[ParsedReport] = await run_reports(ctx, specs)
    first = reports[0]
    total_current = first.total(resolved, "current")
    total_previous = first.total(resolved, "previous")
    breakdowns: list[_Breakdown] = []
    if crossed:
        rows = first.rows
        for row in rows:
            row[PAGE_GROUP] = page_group(str(row["landingPage"]))
            row["channel × landingPageGroup"] = f"{row['sessionDefaultChannelGroup']} × {row[PAGE_GROUP]}"
        for key in ("sessionDefaultChannelGroup", "landingPage", PAGE_GROUP, "channel × landingPageGroup"):
            if key in ("sessionDefaultChannelGroup", "landingPage") and key not in wanted:
                continue
            breakdowns.append(
                _Breakdown(key, _sum_by(rows, key, resolved, "current"), _sum_by(rows, key, resolved, "previous"))
            )
        if first.row_count > len(rows):
            notes.append(f"Only the top {len(rows)} channel × landing page rows were analysed.")
    for dimension, report in zip(singles, reports[1 if crossed else 0 :], strict=True):
        breakdowns.append(
            _Breakdown(
                dimension,
                _sum_by(report.rows, dimension, resolved, "current"),
                _sum_by(report.rows, dimension, resolved, "previous"),
            )
        )
    notes += first.notes
    if hours is not None:
        notes.append("Only these hours of each day were counted: " + ", ".join(f"{hour:02d}" for hour in hours) + ".")
    return total_current, total_previous, _drop_single_member_groups(breakdowns), notes


def _drop_single_member_groups(breakdowns: list[_Breakdown]) -> list[_Breakdown]:
    """A page group with one page repeats that page's segment; keep only groups of several pages."""
    pages = next((b for b in breakdowns if b.dimension in ("landingPage", "page")), None)
    if pages is None:
        return breakdowns
    members: dict[str, int] = defaultdict(int)
    for page in pages.current.keys() | pages.previous.keys():
        members[page_group(page)] += 1
    for breakdown in breakdowns:
        if breakdown.dimension in (PAGE_GROUP, GSC_PAGE_GROUP):
            breakdown.current = {k: v for k, v in breakdown.current.items() if members[k] > 1}
            breakdown.previous = {k: v for k, v in breakdown.previous.items() if members[k] > 1}
    return breakdowns


async def _gsc_breakdowns(
    ctx: ToolContext, metric: str, current: ResolvedDateRange, previous: ResolvedDateRange, dimensions: list[str]
) -> tuple[float, float, list[_Breakdown], list[str]]:
    require_gsc(ctx)
    for dimension in dimensions:
        if dimension not in GSC_DIMENSIONS:
            raise ToolError(f"Unknown Search Console dimension {dimension!r}; use {', '.join(GSC_DIMENSIONS)}.")
    jobs = [fetch_gsc(ctx, gsc_query(p, [d], EXPLAIN_ROWS)) for d in dimensions for p in (current, previous)]
    answers, totals = await asyncio.gather(asyncio.gather(*jobs), gsc_period_totals(ctx, current, previous))
    dated = totals.current
    total_current = totals.current_sum(metric)
    total_previous = sum(getattr(row, metric) for row in totals.previous.rows)
    breakdowns = []
    for index, dimension in enumerate(dimensions):
        now, before = answers[2 * index], answers[2 * index + 1]
        cur = {row.keys[0]: float(getattr(row, metric)) for row in now.rows}
        prev = {row.keys[0]: float(getattr(row, metric)) for row in before.rows}
        breakdowns.append(_Breakdown(dimension, cur, prev))
        if dimension == "page":
            group_cur: dict[str, float] = defaultdict(float)
            group_prev: dict[str, float] = defaultdict(float)
            for page, value in cur.items():
                group_cur[page_group(page)] += value
            for page, value in prev.items():
                group_prev[page_group(page)] += value
            breakdowns.append(_Breakdown(GSC_PAGE_GROUP, dict(group_cur), dict(group_prev)))
    notes = []
    if dated.first_incomplete_date is not None and dated.first_incomplete_date <= current.end_date:
        notes.append(
            f"Search Console days from {dated.first_incomplete_date} on are incomplete, which understates the current "
            "period; prefer periods ending before that date."
        )
    return float(total_current), float(total_previous), _drop_single_member_groups(breakdowns), notes


async def explain_change(args: ExplainChangeInput, ctx: ToolContext) -> ExplainChangeResult:
    source = args.source or ("gsc" if args.metric in GSC_METRICS else "ga4")
    if source == "gsc":
        if args.metric not in GSC_METRICS:
            raise ToolError("For Search Console, explain clicks or impressions (ctr and position are not additive).")
        if args.hours is not None:
            raise ToolError("Search Console reports whole days: leave hours out, or explain a GA4 metric.")
        current, previous = gsc_periods(args.current, args.previous, ctx=ctx)
        dimensions = args.dimensions or list(GSC_DIMENSIONS)
        totals = await _gsc_breakdowns(ctx, args.metric, current, previous, dimensions)
    else:
        require_ga4(ctx)
        current, previous = resolve_periods(args.current, args.previous, today=ctx.property_today())
        dimensions = args.dimensions or list(GA4_DIMENSIONS)
        totals = await _ga4_breakdowns(ctx, args.metric, current, previous, dimensions, hours=args.hours)
    total_current, total_previous, breakdowns, notes = totals
    total_change = total_current - total_previous
    segments = _segments(breakdowns, total_change)
    direction = 1.0 if total_change >= 0 else -1.0
    along = sorted((s for s in segments if s.change * direction > 0), key=_score, reverse=True)
    against = sorted((s for s in segments if s.change * direction < 0), key=lambda s: abs(s.change), reverse=True)
    total_pct = _pct(total_current, total_previous)
    return ExplainChangeResult(
        source=source,
        metric=args.metric,
        current=current,
        previous=previous,
        total_current=round(total_current, 2),
        total_previous=round(total_previous, 2),
        total_change=round(total_change, 2),
        total_change_pct=total_pct,
        segments=along[: args.top],
        offsetting=against[: min(3, args.top)],
        dimensions_analyzed=[b.dimension for b in breakdowns],
        concentration=_concentration(along, breakdowns, total_pct),
        notes=notes,
    )


EXPLAIN_TOOLS: list[Tool[Any, ToolContext]] = [
    Tool(
        name="explain_change",
        description=(
            "Explain why a metric changed between two periods: decomposes the change across dimensions (GA4: channel "
            "group, source/medium, device, country, landing page and page group, channel × page group; Search Console: "
            "query, page, page group, country, device) and ranks the segments that explain most of it, with each one's "
            "share of the total change. Deterministic arithmetic; use it before guessing causes."
        ),
        input_model=ExplainChangeInput,
        run=on_named_target(explain_change),
    )
]
