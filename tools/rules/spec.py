"""What an alert rule is, and the words that write one: `METRIC drops|rises|below|above N[%] [daily|hourly]
[where DIMENSION = VALUE]`.

A problem is a `RuleProblem` with a code and the offending value; `bot.text.rules` words it for a person and
`tools.rules.propose` for the model.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from enum import StrEnum

from storage.repos.rules import RuleFields
from storage.tables.rules import RuleCondition, RuleSource, RuleWindow

CONDITION_WORDS: dict[str, RuleCondition] = {
    "drops": RuleCondition.DROPS,
    "drop": RuleCondition.DROPS,
    "falls": RuleCondition.DROPS,
    "rises": RuleCondition.RISES,
    "rise": RuleCondition.RISES,
    "grows": RuleCondition.RISES,
    "below": RuleCondition.BELOW,
    "under": RuleCondition.BELOW,
    "above": RuleCondition.ABOVE,
    "over": RuleCondition.ABOVE,
}
# Search Console's metrics a rule may watch (organic search), by the names people type.
SEARCH_CONSOLE_METRICS: dict[str, str] = {
    "clicks": "clicks",
    "impressions": "impressions",
    "organicclicks": "clicks",
    "organicimpressions": "impressions",
}
SEARCH_CONSOLE_DIMENSIONS = ("query", "page", "country", "device")
MAX_DIMENSION_VALUE = 200


class Problem(StrEnum):
    NEED_METRIC = "need_metric"
    BAD_CONDITION = "bad_condition"
    BAD_THRESHOLD = "bad_threshold"
    BAD_WINDOW = "bad_window"
    BAD_WHERE = "bad_where"
    UNKNOWN_METRIC = "unknown_metric"
    UNKNOWN_DIMENSION = "unknown_dimension"
    HOURLY_SEARCH_CONSOLE = "hourly_search_console"
    SEARCH_CONSOLE_DIMENSION = "search_console_dimension"
    NO_SITE = "no_site"
    DROP_OVER_100 = "drop_over_100"


class RuleProblem(Exception):
    """The rule cannot be used as written. `value` is what the person typed; `close` the nearest valid names."""

    def __init__(self, problem: Problem, value: str = "", close: tuple[str, ...] = ()) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.value = value
        self.close = close


@dataclass(frozen=True, kw_only=True)
class RuleSpec:
    """One rule: `metric` of `source` over `window` against `threshold` (a percentage when `percent`), optionally
    only where `dimension` equals `dimension_value`.

    drops / rises compare the window with the previous comparable one (daily: the same weekday a week earlier;
    hourly: the same hour a week earlier); below / above compare it with `threshold` itself (`percent`: a rate's
    N/100, as GA4 reports rates as fractions).
    """

    source: RuleSource
    metric: str
    condition: RuleCondition
    threshold: float
    percent: bool
    window: RuleWindow
    dimension: str = ""
    dimension_value: str = ""

    @property
    def relative(self) -> bool:
        return self.condition in (RuleCondition.DROPS, RuleCondition.RISES)

    @property
    def hourly(self) -> bool:
        return self.window is RuleWindow.HOURLY


def parse_rule(words: list[str]) -> RuleSpec:
    """The rule in `words` (after the channel), with the metric as typed (Search Console's by their API names):
    `tools.rules.resolve` checks the names against the property."""
    if not words:
        raise RuleProblem(Problem.NEED_METRIC)
    metric = words[0]
    if len(words) < 2 or (condition := CONDITION_WORDS.get(words[1].lower())) is None:
        raise RuleProblem(Problem.BAD_CONDITION, words[1] if len(words) > 1 else "")
    if len(words) < 3:
        raise RuleProblem(Problem.BAD_THRESHOLD, "")
    threshold, percent = _threshold(words[2])
    rest = words[3:]
    if rest and rest[0] == "%":
        percent, rest = True, rest[1:]
    window = RuleWindow.DAILY
    if rest and rest[0].lower() != "where":
        try:
            window = RuleWindow(rest[0].lower())
        except ValueError:
            raise RuleProblem(Problem.BAD_WINDOW, rest[0]) from None
        rest = rest[1:]
    dimension, value = _where(rest)
    search_console = SEARCH_CONSOLE_METRICS.get(metric.lower())
    spec = RuleSpec(
        source=RuleSource.GA4 if search_console is None else RuleSource.SEARCH_CONSOLE,
        metric=metric if search_console is None else search_console,
        condition=condition,
        threshold=threshold,
        percent=percent,
        window=window,
        dimension=dimension,
        dimension_value=value,
    )
    return checked(spec)


def checked(spec: RuleSpec) -> RuleSpec:
    """`spec` when its numbers make sense: a positive threshold, a drop of at most 100 %."""
    if not spec.threshold > 0 or spec.threshold != spec.threshold or spec.threshold == float("inf"):
        raise RuleProblem(Problem.BAD_THRESHOLD, _number_text(spec.threshold))
    if spec.condition is RuleCondition.DROPS and spec.percent and spec.threshold > 100:
        raise RuleProblem(Problem.DROP_OVER_100, _number_text(spec.threshold))
    return spec


def _number_text(value: float) -> str:
    return f"{value:g}"


def _threshold(word: str) -> tuple[float, bool]:
    percent = word.endswith("%")
    text = word.removesuffix("%").replace(",", "")
    try:
        value = float(text)
    except ValueError:
        raise RuleProblem(Problem.BAD_THRESHOLD, word) from None
    return value, percent


def _where(words: list[str]) -> tuple[str, str]:
    """`where DIMENSION = VALUE` (spaces around `=` optional; Slack's `&amp;`-escaping undone) or nothing."""
    if not words:
        return "", ""
    if words[0].lower() != "where":
        raise RuleProblem(Problem.BAD_WINDOW, words[0])
    dimension, equals, value = " ".join(words[1:]).partition("=")
    dimension, value = dimension.strip(), html.unescape(value.strip())
    if not equals or not dimension or " " in dimension or not value or len(value) > MAX_DIMENSION_VALUE:
        raise RuleProblem(Problem.BAD_WHERE, " ".join(words))
    return dimension, value


def with_names(spec: RuleSpec, *, source: RuleSource, metric: str, dimension: str) -> RuleSpec:
    return replace(spec, source=source, metric=metric, dimension=dimension)


def fields_of(spec: RuleSpec) -> RuleFields:
    """The rule as stored."""
    return RuleFields(
        source=spec.source.value,
        metric=spec.metric,
        condition=spec.condition.value,
        threshold=spec.threshold,
        percent=spec.percent,
        window=spec.window.value,
        dimension=spec.dimension,
        dimension_value=spec.dimension_value,
    )


def spec_of(fields: RuleFields) -> RuleSpec:
    """A stored rule."""
    return RuleSpec(
        source=RuleSource(fields.source),
        metric=fields.metric,
        condition=RuleCondition(fields.condition),
        threshold=fields.threshold,
        percent=fields.percent,
        window=RuleWindow(fields.window),
        dimension=fields.dimension,
        dimension_value=fields.dimension_value,
    )
