"""Which GA4 properties and Search Console sites an answer read, each with the report that shows its numbers.

A tool reads the channel's property and site unless the model named another (`property` / `site`, resolved by
`tools.targets.NamedTargets`); the footer names every one that a successful tool call actually read, in the order
they were first read, so an answer comparing two clients says where each number came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.agent import followups, links
from bot.agent.events import ToolRun

if TYPE_CHECKING:
    from bot.agent.context import PreparedContext

_GSC_METRICS = ("clicks", "impressions")


@dataclass
class _Source:
    label: str
    runs: list[ToolRun] = field(default_factory=list)


def _arguments(run: ToolRun) -> dict[str, object]:
    return run.call.arguments_object() or {}


def _reads_search_console(run: ToolRun) -> bool | None:
    """True for a Search Console read, False for a GA4 one, None for a tool that reads neither (a chart)."""
    name = run.call.name
    if name.startswith("gsc_"):
        return True
    if name.startswith("ga4_"):
        return False
    if name == "explain_change":
        arguments = _arguments(run)
        source = arguments.get("source")
        return source == "gsc" or (source is None and arguments.get("metric") in _GSC_METRICS)
    return None


def dimension_names(arguments: dict[str, object]) -> list[str]:
    value = arguments.get("dimensions") or (
        [arguments["dimension"]] if isinstance(arguments.get("dimension"), str) else []
    )
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _grouped(runs: Sequence[ToolRun], prepared: PreparedContext, *, search_console: bool) -> dict[str, _Source]:
    """The successful reads of one kind, by property id (GA4) or site URL, in the order first read."""
    context = prepared.context
    targets = context.targets
    found: dict[str, _Source] = {}
    for run in runs:
        if run.outcome.is_error or _reads_search_console(run) is not search_console:
            continue
        asked = _arguments(run).get("site" if search_console else "property")
        key: str | None
        if search_console:
            key = targets.site_read(asked) if isinstance(asked, str) and asked and targets else context.site_url
            label = f"Search Console {key}"
        else:
            ref = targets.property_read(asked) if isinstance(asked, str) and asked and targets else None
            key = ref.property_id if ref is not None else context.property_id
            name = ref.name if ref is not None else prepared.property_name
            label = f"GA4 · {name} (properties/{key})" if name else f"GA4 properties/{key}"
        if key:
            found.setdefault(key, _Source(label=label)).runs.append(run)
    return found


def answer_sources(runs: Sequence[ToolRun], prepared: PreparedContext) -> tuple[list[str], list[str | None]]:
    """Each property and site the answer read (its label) and Lookout's link to the matching report."""
    labels: list[str] = []
    urls: list[str | None] = []
    for property_id, source in _grouped(runs, prepared, search_console=False).items():
        labels.append(source.label)
        urls.append(
            links.ga4_report(
                property_id=property_id,
                dimensions=dimension_names(_arguments(source.runs[0])),
                ranges=followups.dates_answered(source.runs)[:2],
            )
        )
    for site_url, source in _grouped(runs, prepared, search_console=True).items():
        dimensions = dimension_names(_arguments(source.runs[0]))
        labels.append(source.label)
        urls.append(
            links.search_console_performance(
                site_url=site_url,
                ranges=followups.dates_answered(source.runs)[:2],
                breakdown=dimensions[0] if dimensions else None,
            )
        )
    return labels, urls
