"""How each tool call shows as a task: a title and details in our own words (`bot.text.plan`), from the call's
arguments alone, and the link to the matching GA4 or Search Console report (`bot.agent.links`). Every value passes
through `inert`, so text from data or a model can neither ping nor become a link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.agent import links
from bot.agent.call_arguments import date_range, ga4_filters, gsc_filters, periods, previous, strings
from bot.llm.messages import ToolCallPart
from bot.text import plan as words
from bot.text.escape import inert

MAX_TITLE = 120  # readable in a task card and as a loading message
MAX_DETAILS = 256  # Slack's limit for a task's details and output


@dataclass(frozen=True, kw_only=True)
class Where:
    """What a call's relative dates and links are resolved against."""

    property_id: str | None = None
    site_url: str | None = None
    ga4_today: date | None = None
    search_console_today: date | None = None
    linked: bool = True  # False for the sample property: no report in Google to open


@dataclass(frozen=True, kw_only=True)
class Source:
    url: str
    text: str


@dataclass(frozen=True, kw_only=True)
class StepView:
    title: str  # inert
    details: str = ""  # inert
    sources: tuple[Source, ...] = ()
    kind: str = ""  # words.GA4, words.SEARCH_CONSOLE or "" (for the status line)


Args = dict[str, Any]


def describe(call: ToolCallPart, *, where: Where) -> StepView:
    """The task a call shows, from its arguments alone."""
    describer = _DESCRIBERS.get(call.name)
    if describer is None:
        return _view(title=words.UNKNOWN_TITLE)
    return describer(call.arguments_object() or {}, where)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _view(*, title: str, details: str = "", sources: tuple[Source, ...] = (), kind: str = "") -> StepView:
    return StepView(
        title=clip(inert(title), MAX_TITLE), details=clip(inert(details), MAX_DETAILS), sources=sources, kind=kind
    )


def _ga4_source(where: Where, dimensions: Sequence[str], ranges: Sequence[tuple[date, date]]) -> tuple[Source, ...]:
    url = links.ga4_report(property_id=where.property_id or "", dimensions=dimensions, ranges=ranges)
    return (Source(url=url, text=words.OPEN_GA4),) if url else ()


def _gsc_source(
    where: Where,
    ranges: Sequence[tuple[date, date]],
    *,
    breakdown: str | None = None,
    simple: dict[str, tuple[str, str]] | None = None,
) -> tuple[Source, ...]:
    if not where.site_url:
        return ()
    url = links.search_console_performance(
        site_url=where.site_url,
        ranges=ranges,
        breakdown=breakdown,
        page_filter=(simple or {}).get("page"),
        query_filter=(simple or {}).get("query"),
    )
    return (Source(url=url, text=words.OPEN_SEARCH_CONSOLE),)


def _ga4_run_report(args: Args, where: Where) -> StepView:
    given = args.get("date_ranges")
    items = given if isinstance(given, list) else []
    return _ga4_report(args, where, [r for r in (date_range(item, where.ga4_today) for item in items) if r])


def _ga4_compare_periods(args: Args, where: Where) -> StepView:
    return _ga4_report(args, where, periods(args, where.ga4_today))


def _ga4_report(args: Args, where: Where, ranges: list[tuple[date, date]]) -> StepView:
    metrics, dims = strings(args.get("metrics")), strings(args.get("dimensions"))
    only = ga4_filters(args.get("dimension_filter"))
    what = words.listing([words.field_words(m) for m in metrics]) or words.ANY_REPORT
    return _view(
        title=words.title(words.GA4, what, by=dims, only=only, when=words.ranges_label(ranges)),
        details=words.details(metrics=metrics, by=dims, only=only, dates=words.ranges_label(ranges, year=True)),
        sources=_ga4_source(where, dims, ranges),
        kind=words.GA4,
    )


def _ga4_realtime(args: Args, where: Where) -> StepView:
    metrics = strings(args.get("metrics")) or ["activeUsers"]
    dims = strings(args.get("dimensions"))
    minutes = args.get("minutes") if isinstance(args.get("minutes"), int) else 30
    when = words.REALTIME_WHEN.format(minutes=minutes)
    url = links.ga4_realtime(property_id=where.property_id or "")
    return _view(
        title=words.title(
            words.REALTIME_SOURCE, words.listing([words.field_words(m) for m in metrics]), by=dims, when=when
        ),
        details=words.details(metrics=metrics, by=dims, dates=when),
        sources=(Source(url=url, text=words.OPEN_GA4),) if url else (),
        kind=words.GA4,
    )


def _ga4_metadata(args: Args, where: Where) -> StepView:
    search = args.get("search")
    what = words.METADATA_MATCHING.format(search=search) if isinstance(search, str) and search else words.METADATA_WHAT
    return _view(title=words.title(words.GA4, what), kind=words.GA4)


def _gsc_search_analytics(args: Args, where: Where) -> StepView:
    ranges = [r for r in [date_range(args, where.search_console_today)] if r]
    dims = strings(args.get("dimensions"))
    only, simple = gsc_filters(args.get("dimension_filter_groups"))
    search_type = args.get("search_type")
    extra = (
        words.SEARCH_TYPE.format(search_type=search_type)
        if isinstance(search_type, str) and search_type != "web"
        else ""
    )
    return _view(
        title=words.title(words.SEARCH_CONSOLE, words.CLICKS_WHAT, by=dims, only=only, when=words.ranges_label(ranges)),
        details=words.details(
            metrics=words.GSC_METRICS, by=dims, only=only, dates=words.ranges_label(ranges, year=True), extra=extra
        ),
        sources=_gsc_source(where, ranges, breakdown=dims[0] if dims else None, simple=simple),
        kind=words.SEARCH_CONSOLE,
    )


def _gsc_compare_periods(args: Args, where: Where) -> StepView:
    ranges = periods(args, where.search_console_today)
    dimension = args.get("dimension") if isinstance(args.get("dimension"), str) else "query"
    rank_by = args.get("rank_by") if isinstance(args.get("rank_by"), str) else "clicks"
    only, simple = gsc_filters(args.get("dimension_filter_groups"))
    what = words.COMPARE_WHAT.format(rank_by=words.field_words(str(rank_by)))
    return _view(
        title=words.title(words.SEARCH_CONSOLE, what, by=[str(dimension)], only=only, when=words.ranges_label(ranges)),
        details=words.details(
            metrics=words.GSC_METRICS, by=[str(dimension)], only=only, dates=words.ranges_label(ranges, year=True)
        ),
        sources=_gsc_source(where, ranges, breakdown=str(dimension), simple=simple),
        kind=words.SEARCH_CONSOLE,
    )


def _gsc_workflow(args: Args, where: Where) -> StepView:
    workflow = str(args.get("workflow", ""))
    what = words.GSC_WORKFLOWS.get(workflow, words.UNKNOWN_TITLE.lower())
    dates = {"start_date": args.get("start_date", "30daysAgo"), "end_date": args.get("end_date", "3daysAgo")}
    ranges = [r for r in [date_range(dates, where.search_console_today)] if r]
    page = args.get("page_contains")
    only = [words.pattern("contains", page)] if isinstance(page, str) and page else []
    simple = {"page": ("contains", page)} if only and isinstance(page, str) else {}
    sources: tuple[Source, ...] = _gsc_source(where, ranges, simple=simple)
    if workflow == "sitemaps" and where.site_url:
        sources = (Source(url=links.search_console_sitemaps(site_url=where.site_url), text=words.OPEN_SEARCH_CONSOLE),)
    return _view(
        title=words.title(words.SEARCH_CONSOLE, what, only=only, when=words.ranges_label(ranges)),
        details=words.details(only=only, dates=words.ranges_label(ranges, year=True)),
        sources=sources,
        kind=words.SEARCH_CONSOLE,
    )


def _ga4_workflow(args: Args, where: Where) -> StepView:
    workflow = str(args.get("workflow", ""))
    what = words.GA4_WORKFLOWS.get(workflow, words.UNKNOWN_TITLE.lower())
    dates = {"start_date": args.get("start_date", "28daysAgo"), "end_date": args.get("end_date", "yesterday")}
    current = date_range(dates, where.ga4_today)
    # Key events and AI traffic are compared with the period before; a funnel is one period.
    ranges = [current, previous(current)] if current and workflow != "funnel" else [current] if current else []
    if workflow == "key_events":
        event = args.get("event_name")
        what = words.KEY_EVENT_NAMED.format(event=event) if isinstance(event, str) and event else what
        what += f" {words.KEY_EVENTS_BY.get(str(args.get('by', 'event')), '')}".rstrip()
    steps = args.get("steps")
    extra = words.FUNNEL_STEPS.format(count=len(steps)) if workflow == "funnel" and isinstance(steps, list) else ""
    dims = ["eventName"] if workflow == "key_events" and args.get("by", "event") == "event" else []
    return _view(
        title=words.title(words.GA4, what, when=words.ranges_label(ranges)),
        details=words.details(dates=words.ranges_label(ranges, year=True), extra=extra),
        sources=_ga4_source(where, dims, ranges),
        kind=words.GA4,
    )


def _gsc_inspect_url(args: Args, where: Where) -> StepView:
    url = str(args.get("url", ""))
    sources: tuple[Source, ...] = ()
    if where.site_url and url:
        target = url if "://" in url else where.site_url.removeprefix("sc-domain:").rstrip("/") + "/" + url.lstrip("/")
        if "://" not in target:
            target = "https://" + target
        sources = (
            Source(
                url=links.search_console_inspection(site_url=where.site_url, url=target),
                text=words.OPEN_SEARCH_CONSOLE,
            ),
        )
    return _view(
        title=words.title(words.SEARCH_CONSOLE, words.INSPECT_WHAT.format(url=url)),
        sources=sources,
        kind=words.SEARCH_CONSOLE,
    )


def _explain_change(args: Args, where: Where) -> StepView:
    metric = str(args.get("metric", ""))
    source = args.get("source")
    is_gsc = source == "gsc" or (source is None and metric in ("clicks", "impressions"))
    ranges = periods(args, where.search_console_today if is_gsc else where.ga4_today)
    dims = strings(args.get("dimensions"))
    title = words.EXPLAIN_TITLE.format(metric=words.field_words(metric) or words.ANY_NUMBERS)
    if ranges:
        title = words.DATED_TITLE.format(title=title, when=words.ranges_label(ranges))
    return _view(
        title=title,
        details=words.details(metrics=[metric] if metric else [], by=dims, dates=words.ranges_label(ranges, year=True)),
        sources=_gsc_source(where, ranges) if is_gsc else _ga4_source(where, dims, ranges),
        kind=words.SEARCH_CONSOLE if is_gsc else words.GA4,
    )


def _chart(args: Args, where: Where) -> StepView:
    kind = args.get("kind") if args.get("kind") in ("line", "bar") else "line"
    series = args.get("series")
    count = len(series) if isinstance(series, list) else 0
    return _view(
        title=words.CHART_TITLE.format(kind=kind),
        details=words.CHART_SERIES.format(count=count) if count else "",
    )


def _annotations(args: Args, where: Where) -> StepView:
    dates = {"start_date": args.get("start_date", "28daysAgo"), "end_date": args.get("end_date", "today")}
    current = date_range(dates, where.ga4_today)
    ranges = [current] if current else []
    return _view(
        title=words.title(words.NOTES_SOURCE, words.ANNOTATIONS_WHAT, when=words.ranges_label(ranges)),
        details=words.details(dates=words.ranges_label(ranges, year=True)),
        kind=words.GA4,
    )


def _propose_alert_rule(args: Args, where: Where) -> StepView:
    return _view(
        title=words.RULE_TITLE.format(metric=words.field_words(str(args.get("metric", ""))) or words.ANY_METRIC)
    )


_DESCRIBERS: dict[str, Callable[[Args, Where], StepView]] = {
    "ga4_run_report": _ga4_run_report,
    "ga4_compare_periods": _ga4_compare_periods,
    "ga4_realtime": _ga4_realtime,
    "ga4_metadata": _ga4_metadata,
    "ga4_workflow": _ga4_workflow,
    "gsc_search_analytics": _gsc_search_analytics,
    "gsc_compare_periods": _gsc_compare_periods,
    "gsc_workflow": _gsc_workflow,
    "gsc_inspect_url": _gsc_inspect_url,
    "explain_change": _explain_change,
    "chart": _chart,
    "annotations": _annotations,
    "propose_alert_rule": _propose_alert_rule,
}
