"""GA4 workflows behind one tool (`ga4_workflow`): key events by name or by channel, AI-assistant traffic and funnels.

Each is one or two GA4 reports, compared with the previous period of the same length, and shaped so the answer
needs no arithmetic from the model.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from tools.base import Tool, ToolError
from tools.context import ToolContext
from tools.dates import DateRangeInput, ResolvedDateRange, resolve_periods, resolve_range
from tools.errors import google_errors
from tools.ga4_report import FilterExpression, ParsedReport, ReportSpec, require_ga4, run_reports
from tools.retarget import on_named_target
from tools.targets import OnProperty

# Referrers of AI assistants. GA4's default channel group has had an "AI Assistant" channel since May 2026
# (medium ai-assistant), but its list is Google's own (Perplexity, for one, stays in Referral) and older data
# sits in Referral: sessions count as AI traffic when either says so.
AI_CHANNEL = "AI Assistant"
AI_SOURCES = (
    "chatgpt.com",
    "chat.openai.com",
    "perplexity.ai",
    "gemini.google.com",
    "bard.google.com",
    "copilot.microsoft.com",
    "claude.ai",
    "deepseek.com",
    "grok.com",
    "meta.ai",
    "you.com",
    "poe.com",
    "phind.com",
    "mistral.ai",
)
AI_SOURCE_PATTERN = "(^|\\.)(" + "|".join(source.replace(".", "\\.") for source in AI_SOURCES) + ")$"
FUNNEL_TTL = 600.0


class FunnelStepInput(BaseModel):
    event_name: str = Field(description="e.g. session_start, page_view, purchase")
    page_path_contains: str | None = None
    name: str | None = None


class Ga4WorkflowInput(OnProperty):
    workflow: Literal["key_events", "ai_assistant_traffic", "funnel"]
    start_date: str = "28daysAgo"
    end_date: str = "yesterday"
    by: Literal["event", "channel"] = "event"
    event_name: str | None = Field(default=None, description="by channel: only this key event")
    steps: list[FunnelStepInput] = Field(default_factory=list, max_length=10, description="funnel: 2-10")
    open_funnel: bool = False
    breakdown: str | None = Field(default=None, description="funnel: e.g. deviceCategory")

    @model_validator(mode="after")
    def _funnel_has_steps(self) -> Ga4WorkflowInput:
        if self.workflow == "funnel" and len(self.steps) < 2:
            raise ValueError("a funnel needs at least 2 steps")
        return self


class Change(BaseModel):
    current: float
    previous: float
    change_pct: float | None


def _change(current: float, previous: float) -> Change:
    pct = round(100.0 * (current - previous) / previous, 1) if previous else None
    return Change(current=round(current, 4), previous=round(previous, 4), change_pct=pct)


class KeyEventRow(BaseModel):
    key: str = Field(description="The event name, or the channel.")
    key_events: Change
    sessions: Change | None = None
    key_event_rate: float | None = Field(default=None, description="Key events per session this period.")


class KeyEvents(BaseModel):
    workflow: Literal["key_events"] = "key_events"
    by: str
    event_name: str | None
    current: ResolvedDateRange
    previous: ResolvedDateRange
    total: Change
    rows: list[KeyEventRow]


class AiSourceRow(BaseModel):
    source: str
    channel: str = Field(description="GA4's default channel group for these sessions.")
    sessions: Change
    engaged_sessions: int
    key_events: int


class AiTraffic(BaseModel):
    workflow: Literal["ai_assistant_traffic"] = "ai_assistant_traffic"
    current: ResolvedDateRange
    previous: ResolvedDateRange
    sessions: Change
    share_of_all_sessions_pct: float
    in_ga4_ai_channel: int = Field(description=f"Sessions GA4 itself put in the '{AI_CHANNEL}' channel.")
    matched_by_source_only: int = Field(description="AI-assistant sessions GA4 files elsewhere (e.g. Referral).")
    key_events: int
    sources: list[AiSourceRow]
    method: str


class FunnelStepRow(BaseModel):
    step: str
    users: int
    completion_rate: float | None = Field(description="Share of this step's users who reached the next step.")
    abandonments: int | None


class FunnelSegment(BaseModel):
    value: str
    steps: list[FunnelStepRow]
    overall_conversion: float | None


class Funnel(BaseModel):
    workflow: Literal["funnel"] = "funnel"
    period: ResolvedDateRange
    open_funnel: bool
    steps: list[FunnelStepRow]
    overall_conversion: float | None = Field(description="Users of the last step / users of the first.")
    biggest_drop: str | None
    breakdown: str | None = None
    segments: list[FunnelSegment] = Field(default_factory=list)


def _periods(args: Ga4WorkflowInput, ctx: ToolContext) -> tuple[ResolvedDateRange, ResolvedDateRange]:
    return resolve_periods(
        DateRangeInput(start_date=args.start_date, end_date=args.end_date), None, today=ctx.property_today()
    )


def _by_range(report: ParsedReport, key: str, metric: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for row in report.rows:
        value = row.get(metric)
        out.setdefault(str(row[key]), {})[str(row.get("dateRange", "current"))] = (
            float(value) if isinstance(value, int | float) else 0.0
        )
    return out


async def key_events(args: Ga4WorkflowInput, ctx: ToolContext) -> KeyEvents:
    current, previous = _periods(args, ctx)
    ranges = [current.as_input(), previous.as_input()]
    if args.by == "event":
        metric, dimension = "keyEvents", "eventName"
        spec = ReportSpec(metrics=[metric], dimensions=[dimension], date_ranges=ranges, limit=200)
    else:
        metric = f"keyEvents:{args.event_name}" if args.event_name else "keyEvents"
        dimension = "sessionDefaultChannelGroup"
        spec = ReportSpec(metrics=[metric, "sessions"], dimensions=[dimension], date_ranges=ranges, limit=200)
    (report,) = await run_reports(ctx, [spec])
    counts = _by_range(report, dimension, metric)
    sessions = _by_range(report, dimension, "sessions") if args.by == "channel" else {}
    rows = []
    for key, values in counts.items():
        now, before = values.get("current", 0.0), values.get("previous", 0.0)
        if not now and not before:
            continue  # an event that is not a key event
        row = KeyEventRow(key=key, key_events=_change(now, before))
        if args.by == "channel":
            seen = sessions.get(key, {})
            row.sessions = _change(seen.get("current", 0.0), seen.get("previous", 0.0))
            row.key_event_rate = round(now / seen["current"], 4) if seen.get("current") else None
        rows.append(row)
    rows.sort(key=lambda r: r.key_events.current, reverse=True)
    return KeyEvents(
        by=args.by,
        event_name=args.event_name,
        current=current,
        previous=previous,
        total=_change(report.total(metric, "current"), report.total(metric, "previous")),
        rows=rows,
    )


def _ai_filter() -> FilterExpression:
    return FilterExpression.model_validate(
        {
            "or_group": {
                "expressions": [
                    {"filter": {"field_name": "sessionDefaultChannelGroup", "string_filter": {"value": AI_CHANNEL}}},
                    {
                        "filter": {
                            "field_name": "sessionSource",
                            "string_filter": {"match_type": "FULL_REGEXP", "value": f".*{AI_SOURCE_PATTERN}"},
                        }
                    },
                ]
            }
        }
    )


async def ai_assistant_traffic(args: Ga4WorkflowInput, ctx: ToolContext) -> AiTraffic:
    current, previous = _periods(args, ctx)
    ranges = [current.as_input(), previous.as_input()]
    metrics = ["sessions", "engagedSessions", "keyEvents"]
    ai, everything = await run_reports(
        ctx,
        [
            ReportSpec(
                metrics=metrics,
                dimensions=["sessionSource", "sessionDefaultChannelGroup"],
                date_ranges=ranges,
                dimension_filter=_ai_filter(),
                limit=200,
            ),
            ReportSpec(metrics=["sessions"], date_ranges=ranges),
        ],
    )
    grouped: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
    for row in ai.rows:
        key = (str(row["sessionSource"]), str(row["sessionDefaultChannelGroup"]))
        period = str(row.get("dateRange", "current"))
        grouped.setdefault(key, {})[period] = {m: float(row.get(m, 0) or 0) for m in metrics}
    sources = []
    for (source, channel), periods in grouped.items():
        now, before = periods.get("current", {}), periods.get("previous", {})
        sources.append(
            AiSourceRow(
                source=source,
                channel=channel,
                sessions=_change(now.get("sessions", 0.0), before.get("sessions", 0.0)),
                engaged_sessions=round(now.get("engagedSessions", 0.0)),
                key_events=round(now.get("keyEvents", 0.0)),
            )
        )
    sources.sort(key=lambda s: s.sessions.current, reverse=True)
    total_now, total_before = ai.total("sessions", "current"), ai.total("sessions", "previous")
    all_sessions = everything.total("sessions", "current")
    in_channel = sum(s.sessions.current for s in sources if s.channel == AI_CHANNEL)
    return AiTraffic(
        current=current,
        previous=previous,
        sessions=_change(total_now, total_before),
        share_of_all_sessions_pct=round(100 * total_now / all_sessions, 2) if all_sessions else 0.0,
        in_ga4_ai_channel=round(in_channel),
        matched_by_source_only=round(total_now - in_channel),
        key_events=round(ai.total("keyEvents", "current")),
        sources=sources,
        method=(
            f"Sessions in GA4's '{AI_CHANNEL}' default channel, plus sessions whose source is a known AI assistant "
            f"({', '.join(AI_SOURCES[:6])}…) wherever GA4 filed them. Visits from AI apps that send no referrer "
            "show up as Direct and cannot be counted."
        ),
    )


def _funnel_request(args: Ga4WorkflowInput, resource: str, period: ResolvedDateRange) -> Any:
    from google.analytics.data_v1alpha import types as alpha

    steps = []
    for index, step in enumerate(args.steps):
        conditions = [
            alpha.FunnelFilterExpression(funnel_event_filter=alpha.FunnelEventFilter(event_name=step.event_name))
        ]
        if step.page_path_contains:
            page = alpha.StringFilter(match_type=alpha.StringFilter.MatchType.CONTAINS, value=step.page_path_contains)
            field_filter = alpha.FunnelFieldFilter(field_name="unifiedPagePathScreen", string_filter=page)
            conditions.append(alpha.FunnelFilterExpression(funnel_field_filter=field_filter))
        expression = (
            conditions[0]
            if len(conditions) == 1
            else alpha.FunnelFilterExpression(and_group=alpha.FunnelFilterExpressionList(expressions=conditions))
        )
        name = step.name or (
            f"{step.event_name} {step.page_path_contains}" if step.page_path_contains else step.event_name
        )
        steps.append(alpha.FunnelStep(name=name[:80] or f"Step {index + 1}", filter_expression=expression))
    request = alpha.RunFunnelReportRequest(
        property=resource,
        date_ranges=[alpha.DateRange(start_date=period.start_date.isoformat(), end_date=period.end_date.isoformat())],
        funnel=alpha.Funnel(is_open_funnel=args.open_funnel, steps=steps),
    )
    if args.breakdown:
        request.funnel_breakdown = alpha.FunnelBreakdown(
            breakdown_dimension=alpha.Dimension(name=args.breakdown), limit=5
        )
    return request


def _funnel_steps(values: list[tuple[str, float]]) -> tuple[list[FunnelStepRow], float | None]:
    rows = []
    for index, (name, users) in enumerate(values):
        following = values[index + 1][1] if index + 1 < len(values) else None
        rows.append(
            FunnelStepRow(
                step=name,
                users=round(users),
                completion_rate=round(following / users, 4) if following is not None and users else None,
                abandonments=round(users - following) if following is not None else None,
            )
        )
    first, last = values[0][1], values[-1][1]
    return rows, (round(last / first, 4) if first else None)


async def funnel(args: Ga4WorkflowInput, ctx: ToolContext) -> Funnel:
    ga4, resource = require_ga4(ctx)
    today = ctx.property_today()
    period = resolve_range(DateRangeInput(start_date=args.start_date, end_date=args.end_date), today=today)
    request = _funnel_request(args, resource, period)
    key = f"ga4:funnel:{resource}:{type(request).to_json(request, sort_keys=True, indent=None)}"

    async def fetch() -> Any:
        async with google_errors():
            return await ga4.run_funnel_report(request)

    response = await ctx.cache.get_or_fetch(key, fetch, ttl=FUNNEL_TTL)
    table = response.funnel_table
    segments: dict[str, list[tuple[str, float]]] = {}
    for row in table.rows:
        step = row.dimension_values[0].value
        segment = row.dimension_values[1].value if len(row.dimension_values) > 1 else "RESERVED_TOTAL"
        segments.setdefault(segment, []).append((step, float(row.metric_values[0].value or 0)))
    total = segments.pop("RESERVED_TOTAL", [])
    if not total:
        raise ToolError("GA4 returned no funnel rows for these steps; check the event names with ga4_metadata.")
    steps, overall = _funnel_steps(total)
    drops = [s for s in steps if s.abandonments is not None]
    biggest = max(drops, key=lambda s: s.abandonments or 0).step if drops else None
    out = []
    for value, values in segments.items():
        rows, rate = _funnel_steps(values)
        out.append(FunnelSegment(value=value, steps=rows, overall_conversion=rate))
    return Funnel(
        period=period,
        open_funnel=args.open_funnel,
        steps=steps,
        overall_conversion=overall,
        biggest_drop=biggest,
        breakdown=args.breakdown,
        segments=out,
    )


_RUN = {"key_events": key_events, "ai_assistant_traffic": ai_assistant_traffic, "funnel": funnel}


async def ga4_workflow(args: Ga4WorkflowInput, ctx: ToolContext) -> BaseModel:
    require_ga4(ctx)
    result: BaseModel = await _RUN[args.workflow](args, ctx)
    return result


GA4_WORKFLOW_DESCRIPTION = """GA4 workflows vs the previous period (default last 28 days). key_events: by event name or
channel (by); ai_assistant_traffic: sessions from AI assistants (GA4's "AI Assistant" channel plus referrers like
chatgpt.com, perplexity.ai, gemini, copilot) by source; funnel: users through ordered steps, completion per step."""

GA4_WORKFLOW_TOOLS: list[Tool[Any, ToolContext]] = [
    Tool(
        name="ga4_workflow",
        description=GA4_WORKFLOW_DESCRIPTION,
        input_model=Ga4WorkflowInput,
        run=on_named_target(ga4_workflow),
    ),
]
