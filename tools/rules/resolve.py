"""A rule's names checked against what it will read: the GA4 property's metrics and dimensions (its metadata, custom
ones included, renamed and mis-cased names corrected), or Search Console's clicks and impressions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from storage.tables.rules import RuleSource, RuleWindow
from tools.base import ToolError
from tools.context import ToolContext
from tools.rules.spec import (
    SEARCH_CONSOLE_DIMENSIONS,
    SEARCH_CONSOLE_METRICS,
    Problem,
    RuleProblem,
    RuleSpec,
    with_names,
)

if TYPE_CHECKING:
    from tools.ga4_report.catalog import Ga4Catalog


@dataclass(frozen=True, kw_only=True)
class Resolved:
    """The rule with valid API names, and what was corrected on the way ("conversions is now keyEvents")."""

    spec: RuleSpec
    corrections: list[str]


async def resolve_rule(spec: RuleSpec, ctx: ToolContext) -> Resolved:
    """`spec` with its names checked and corrected; a `RuleProblem` when one is not a metric or dimension the rule
    can read, a `ToolUserError` when Google is not connected or no property or site is chosen."""
    search_console = SEARCH_CONSOLE_METRICS.get(spec.metric.strip().lower())
    if search_console is not None:
        return Resolved(spec=_search_console(spec, metric=search_console, ctx=ctx), corrections=[])
    # Imported here: the GA4 report path loads google-analytics-data (with gRPC and protobuf), which the `/lookout`
    # commands that import this module must not load at start-up.
    from tools.ga4_report.catalog import load_catalog

    catalog = await load_catalog(ctx)
    corrections: list[str] = []
    metric = _resolve(catalog, spec.metric, "metric", corrections)
    dimension = _resolve(catalog, spec.dimension, "dimension", corrections) if spec.dimension else ""
    return Resolved(
        spec=with_names(spec, source=RuleSource.GA4, metric=metric, dimension=dimension), corrections=corrections
    )


def _search_console(spec: RuleSpec, *, metric: str, ctx: ToolContext) -> RuleSpec:
    if spec.window is RuleWindow.HOURLY:
        raise RuleProblem(Problem.HOURLY_SEARCH_CONSOLE, spec.metric)
    dimension = spec.dimension.lower()
    if dimension and dimension not in SEARCH_CONSOLE_DIMENSIONS:
        raise RuleProblem(Problem.SEARCH_CONSOLE_DIMENSION, spec.dimension, SEARCH_CONSOLE_DIMENSIONS)
    if not ctx.site_url:
        raise RuleProblem(Problem.NO_SITE, spec.metric)
    return with_names(spec, source=RuleSource.SEARCH_CONSOLE, metric=metric, dimension=dimension)


def _resolve(catalog: Ga4Catalog, name: str, kind: Literal["dimension", "metric"], corrections: list[str]) -> str:
    try:
        return catalog.resolve(name, kind, corrections)
    except ToolError:
        own = catalog.metrics if kind == "metric" else catalog.dimensions
        problem = Problem.UNKNOWN_METRIC if kind == "metric" else Problem.UNKNOWN_DIMENSION
        by_case = {key.lower(): key for key in own}
        close = [by_case[c] for c in difflib.get_close_matches(name.lower(), list(by_case), n=3, cutoff=0.6)]
        raise RuleProblem(problem, name, tuple(close)) from None
