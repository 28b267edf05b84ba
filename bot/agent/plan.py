"""An answer's plan: each tool call as a task (title, exact request, links to the matching report, status).

Titles and details are built from the call's ARGUMENTS, read defensively (a call with bad arguments still gets a
plain title), in our own words (`bot.text.plan`); every value in them passes through `inert`, so text from data
or a model can neither ping nor become a link. Sources are Lookout's own links (`bot.agent.links`).

The same tasks feed Slack's `task_update` chunks while streaming, the thread status, and the "How I got this"
context block where streaming is not available. At most `MAX_TASKS` tasks are shown; later calls are counted in one
summary task so a long plan stays within Slack's limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from bot.agent import links
from bot.llm.messages import ToolCallPart
from bot.text import plan as words
from bot.text.escape import inert
from tools.base import ToolOutcome
from tools.dates import parse_date

TaskStatus = Literal["pending", "in_progress", "complete", "error"]
MAX_TASKS = 10
MAX_TITLE = 120  # readable in a task card and as a loading message
MAX_DETAILS = 256  # Slack's limit for a task's details and output
MORE_ID = "more"


@dataclass(frozen=True, kw_only=True)
class Where:
    """What a call's relative dates and links are resolved against."""

    property_id: str | None = None
    site_url: str | None = None
    ga4_today: date | None = None
    search_console_today: date | None = None


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


@dataclass(kw_only=True)
class Task:
    id: str
    view: StepView
    status: TaskStatus = "pending"
    output: str = ""  # our own words: why it did not complete, or a count
    calls: list[str] = field(default_factory=list)  # call ids (the summary task counts several)
    failed: int = 0

    def chunk(self) -> dict[str, Any]:
        """Slack's `task_update` chunk."""
        chunk: dict[str, Any] = {"type": "task_update", "id": self.id, "title": self.view.title, "status": self.status}
        if self.view.details:
            chunk["details"] = self.view.details
        if self.output:
            chunk["output"] = self.output
        if self.view.sources and self.status == "complete":  # the report it read (none for a request that failed)
            chunk["sources"] = [{"type": "url", "url": s.url, "text": s.text} for s in self.view.sources]
        return chunk

    @property
    def open(self) -> bool:
        return self.status in ("pending", "in_progress")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _day(value: object, today: date | None) -> date | None:
    if not isinstance(value, str) or today is None:
        return None
    try:
        return parse_date(value, today=today, field="date")
    except Exception:  # a date the tool will refuse anyway; the title then leaves it out
        return None


def _range(value: object, today: date | None) -> tuple[date, date] | None:
    if not isinstance(value, dict):
        return None
    start, end = _day(value.get("start_date"), today), _day(value.get("end_date"), today)
    return (start, end) if start and end else None


def _previous(current: tuple[date, date]) -> tuple[date, date]:
    days = (current[1] - current[0]).days + 1
    end = current[0].fromordinal(current[0].toordinal() - 1)
    return end.fromordinal(end.toordinal() - days + 1), end


def _periods(args: dict[str, object], today: date | None) -> list[tuple[date, date]]:
    current = _range(args.get("current"), today)
    if current is None:
        return []
    return [current, _range(args.get("previous"), today) or _previous(current)]


def _get(mapping: dict[str, object], *names: str) -> Any:
    return next((mapping[name] for name in names if name in mapping), None)


def _ga4_filters(expression: object) -> list[str]:
    """A GA4 filter expression as short phrases ("/blog/*", "channel Organic Search"); unknown shapes are skipped."""
    if not isinstance(expression, dict):
        return []
    for group, joiner in (("and_group", "and"), ("andGroup", "and"), ("or_group", "or"), ("orGroup", "or")):
        inner = expression.get(group)
        if isinstance(inner, dict):
            parts = [p for item in inner.get("expressions") or [] for p in _ga4_filters(item)]
            return parts if joiner == "and" else [words.listing(parts, joiner="or")] if parts else []
    negated = _get(expression, "not_expression", "notExpression")
    if negated is not None:
        return [f"not {phrase}" for phrase in _ga4_filters(negated)]
    leaf = expression.get("filter")
    if not isinstance(leaf, dict):
        return []
    name = str(_get(leaf, "field_name", "fieldName") or "")
    string = _get(leaf, "string_filter", "stringFilter")
    in_list = _get(leaf, "in_list_filter", "inListFilter")
    numeric = _get(leaf, "numeric_filter", "numericFilter")
    if isinstance(string, dict):
        operator = str(_get(string, "match_type", "matchType") or "EXACT")
        phrase = words.pattern(operator, str(string.get("value", "")))
    elif isinstance(in_list, dict):
        phrase = words.listing([str(v) for v in in_list.get("values") or []], joiner="or")
    elif isinstance(numeric, dict):
        value = numeric.get("value")
        number = value.get("double_value", value.get("int64_value")) if isinstance(value, dict) else value
        phrase = f"{numeric.get('operation', '')} {number}".lower().replace("_", " ")
    else:
        return []
    return [words.filter_phrase(name, phrase)] if name else []


def _gsc_filters(groups: object) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """Phrases, and the single page/query filter a Search Console link can carry (by dimension)."""
    phrases: list[str] = []
    simple: dict[str, tuple[str, str]] = {}
    for group in groups if isinstance(groups, list) else []:
        for item in (group.get("filters") if isinstance(group, dict) else None) or []:
            if not isinstance(item, dict):
                continue
            dimension, operator = str(item.get("dimension", "")), str(item.get("operator", "equals"))
            expression = str(item.get("expression", ""))
            phrases.append(words.filter_phrase(dimension, words.pattern(operator, expression)))
            simple.setdefault(dimension, (operator, expression))
    return phrases, simple


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


def describe(call: ToolCallPart, *, where: Where) -> StepView:
    """The task a call shows, from its arguments alone."""
    args = call.arguments_object() or {}
    name = call.name
    if name in ("ga4_run_report", "ga4_compare_periods"):
        metrics, dims = _strings(args.get("metrics")), _strings(args.get("dimensions"))
        if name == "ga4_run_report":
            given = args.get("date_ranges")
            items = given if isinstance(given, list) else []
            ranges = [r for r in (_range(item, where.ga4_today) for item in items) if r]
        else:
            ranges = _periods(args, where.ga4_today)
        only = _ga4_filters(args.get("dimension_filter"))
        what = words.listing([words.field_words(m) for m in metrics]) or "a report"
        return _view(
            title=words.title(words.GA4, what, by=dims, only=only, when=words.ranges_label(ranges)),
            details=words.details(metrics=metrics, by=dims, only=only, dates=words.ranges_label(ranges, year=True)),
            sources=_ga4_source(where, dims, ranges),
            kind=words.GA4,
        )
    if name == "ga4_realtime":
        metrics = _strings(args.get("metrics")) or ["activeUsers"]
        dims = _strings(args.get("dimensions"))
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
    if name == "ga4_metadata":
        search = args.get("search")
        what = (
            words.METADATA_MATCHING.format(search=search) if isinstance(search, str) and search else words.METADATA_WHAT
        )
        return _view(title=words.title(words.GA4, what), kind=words.GA4)
    if name == "gsc_search_analytics":
        ranges = [r for r in [_range(args, where.search_console_today)] if r]
        dims = _strings(args.get("dimensions"))
        only, simple = _gsc_filters(args.get("dimension_filter_groups"))
        search_type = args.get("search_type")
        extra = f"Search type: {search_type}" if isinstance(search_type, str) and search_type != "web" else ""
        return _view(
            title=words.title(words.SEARCH_CONSOLE, "clicks", by=dims, only=only, when=words.ranges_label(ranges)),
            details=words.details(
                metrics=words.GSC_METRICS, by=dims, only=only, dates=words.ranges_label(ranges, year=True), extra=extra
            ),
            sources=_gsc_source(where, ranges, breakdown=dims[0] if dims else None, simple=simple),
            kind=words.SEARCH_CONSOLE,
        )
    if name == "gsc_compare_periods":
        ranges = _periods(args, where.search_console_today)
        dimension = args.get("dimension") if isinstance(args.get("dimension"), str) else "query"
        rank_by = args.get("rank_by") if isinstance(args.get("rank_by"), str) else "clicks"
        only, simple = _gsc_filters(args.get("dimension_filter_groups"))
        what = words.COMPARE_WHAT.format(rank_by=words.field_words(str(rank_by)))
        return _view(
            title=words.title(
                words.SEARCH_CONSOLE, what, by=[str(dimension)], only=only, when=words.ranges_label(ranges)
            ),
            details=words.details(
                metrics=words.GSC_METRICS, by=[str(dimension)], only=only, dates=words.ranges_label(ranges, year=True)
            ),
            sources=_gsc_source(where, ranges, breakdown=str(dimension), simple=simple),
            kind=words.SEARCH_CONSOLE,
        )
    if name == "gsc_workflow":
        workflow = str(args.get("workflow", ""))
        what = words.GSC_WORKFLOWS.get(workflow, words.UNKNOWN_TITLE.lower())
        dates = {"start_date": args.get("start_date", "30daysAgo"), "end_date": args.get("end_date", "3daysAgo")}
        ranges = [r for r in [_range(dates, where.search_console_today)] if r]
        page = args.get("page_contains")
        only = [words.pattern("contains", page)] if isinstance(page, str) and page else []
        simple = {"page": ("contains", page)} if only and isinstance(page, str) else {}
        sources: tuple[Source, ...] = _gsc_source(where, ranges, simple=simple)
        if workflow == "sitemaps" and where.site_url:
            sources = (
                Source(url=links.search_console_sitemaps(site_url=where.site_url), text=words.OPEN_SEARCH_CONSOLE),
            )
        return _view(
            title=words.title(words.SEARCH_CONSOLE, what, only=only, when=words.ranges_label(ranges)),
            details=words.details(only=only, dates=words.ranges_label(ranges, year=True)),
            sources=sources,
            kind=words.SEARCH_CONSOLE,
        )
    if name == "ga4_workflow":
        workflow = str(args.get("workflow", ""))
        what = words.GA4_WORKFLOWS.get(workflow, words.UNKNOWN_TITLE.lower())
        dates = {"start_date": args.get("start_date", "28daysAgo"), "end_date": args.get("end_date", "yesterday")}
        current = _range(dates, where.ga4_today)
        # Key events and AI traffic are compared with the period before; a funnel is one period.
        ranges = [current, _previous(current)] if current and workflow != "funnel" else [current] if current else []
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
    if name == "gsc_inspect_url":
        url = str(args.get("url", ""))
        sources = ()
        if where.site_url and url:
            target = (
                url if "://" in url else where.site_url.removeprefix("sc-domain:").rstrip("/") + "/" + url.lstrip("/")
            )
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
    if name == "explain_change":
        metric = str(args.get("metric", ""))
        source = args.get("source")
        is_gsc = source == "gsc" or (source is None and metric in ("clicks", "impressions"))
        ranges = _periods(args, where.search_console_today if is_gsc else where.ga4_today)
        dims = _strings(args.get("dimensions"))
        title = words.EXPLAIN_TITLE.format(metric=words.field_words(metric) or "the numbers")
        if ranges:
            title += f", {words.ranges_label(ranges)}"
        return _view(
            title=title,
            details=words.details(
                metrics=[metric] if metric else [], by=dims, dates=words.ranges_label(ranges, year=True)
            ),
            sources=_gsc_source(where, ranges) if is_gsc else _ga4_source(where, dims, ranges),
            kind=words.SEARCH_CONSOLE if is_gsc else words.GA4,
        )
    if name == "chart":
        kind = args.get("kind") if args.get("kind") in ("line", "bar") else "line"
        series = args.get("series")
        count = len(series) if isinstance(series, list) else 0
        return _view(
            title=words.CHART_TITLE.format(kind=kind),
            details=words.CHART_SERIES.format(count=count) if count else "",
        )
    return _view(title=words.UNKNOWN_TITLE)


def _view(*, title: str, details: str = "", sources: tuple[Source, ...] = (), kind: str = "") -> StepView:
    return StepView(
        title=_clip(inert(title), MAX_TITLE), details=_clip(inert(details), MAX_DETAILS), sources=sources, kind=kind
    )


def error_reason(outcome: ToolOutcome) -> str:
    """A short honest reason in our words (a tool's error text is written for the model, not for people)."""
    # Every error a model sees is one it can fix (bad arguments, a request Google rejected): Google being down or
    # access revoked ends the turn instead (`ToolUserError`), and then open tasks are closed as not finished.
    return words.ERROR_NOT_RUN if outcome.content.startswith("Not run:") else words.ERROR_ARGUMENTS


class Plan:
    """The tasks of one answer, in the order the model asked for them."""

    def __init__(self, *, where: Where) -> None:
        self.where = where
        self._tasks: dict[str, Task] = {}
        self._by_call: dict[str, Task] = {}
        self._more_done: set[str] = set()  # calls counted in the summary task that finished

    @property
    def tasks(self) -> list[Task]:
        return list(self._tasks.values())

    def __bool__(self) -> bool:
        return bool(self._tasks)

    def _task_for(self, call: ToolCallPart) -> Task:
        known = self._by_call.get(call.id)
        if known is not None:
            return known
        if len(self._tasks) < MAX_TASKS:
            task = Task(id=f"task-{len(self._tasks) + 1}", view=describe(call, where=self.where))
            self._tasks[task.id] = task
        else:
            task = self._tasks.get(MORE_ID) or Task(id=MORE_ID, view=StepView(title=""))
            self._tasks[MORE_ID] = task
        task.calls.append(call.id)
        if task.id == MORE_ID:
            task.view = StepView(title=words.MORE_TITLE.format(count=len(task.calls)))
        self._by_call[call.id] = task
        return task

    def requested(self, calls: Iterable[ToolCallPart]) -> list[Task]:
        return _unique(self._task_for(call) for call in calls)

    def running(self, calls: Iterable[ToolCallPart]) -> list[Task]:
        changed = self.requested(calls)
        for task in changed:
            task.status = "in_progress"
        return changed

    def finished(self, call: ToolCallPart, outcome: ToolOutcome) -> list[Task]:
        task = self._task_for(call)
        if task.id == MORE_ID:
            task.failed += outcome.is_error
            self._more_done.add(call.id)
            if len(self._more_done) < len(task.calls):
                return [task]
            task.status = "error" if task.failed == len(task.calls) else "complete"
            if task.failed:
                task.output = words.MORE_FAILED.format(failed=task.failed, count=len(task.calls))
            return [task]
        task.status = "error" if outcome.is_error else "complete"
        task.output = error_reason(outcome) if outcome.is_error else ""
        return [task]

    def not_run(self, calls: Iterable[ToolCallPart]) -> list[Task]:
        changed = self.requested(calls)
        for task in changed:
            task.status, task.output = "error", words.ERROR_NOT_RUN
        return changed

    def close(self) -> list[Task]:
        """Whatever is still open when the answer ends did not finish (a time limit, a person must act)."""
        changed = [task for task in self._tasks.values() if task.open]
        for task in changed:
            task.status, task.output = "error", words.ERROR_STOPPED
        return changed

    def status(self, tasks: Sequence[Task]) -> tuple[str, list[str]]:
        """The thread status for the step that `tasks` are: the status line and its loading messages."""
        kinds = [task.view.kind for task in tasks]
        titles = list(dict.fromkeys(task.view.title for task in tasks if task.view.title))
        return words.status_reading(kinds), titles[: words.MAX_LOADING_MESSAGES]

    def context_block(self) -> dict[str, Any] | None:
        """The plan as "How I got this" (a context block: at most 10 elements, each text within 3,000 characters)."""
        if not self._tasks:
            return None
        tasks = self.tasks
        shown = tasks if len(tasks) <= 8 else tasks[:7]
        elements = [{"type": "mrkdwn", "text": words.HOW_I_GOT_THIS}]
        for task in shown:
            source = task.view.sources[0] if task.view.sources and task.status == "complete" else None
            link = f"<{source.url}|{source.text}>" if source else None
            details = task.view.details if not task.output else f"{task.output}. {task.view.details}".strip()
            line = words.plan_line(status=task.status, title=task.view.title, details=details, link=link)
            elements.append({"type": "mrkdwn", "text": _clip(line, 3000)})
        if len(shown) < len(tasks):
            more = sum(len(task.calls) for task in tasks[len(shown) :])
            elements.append({"type": "mrkdwn", "text": words.MORE_STEPS.format(count=more)})
        return {"type": "context", "elements": elements}


def _unique(tasks: Iterable[Task]) -> list[Task]:
    return list({task.id: task for task in tasks}.values())
