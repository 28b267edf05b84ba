"""The slash-command grammar of a rule, and what it refuses."""

import pytest

from storage.tables.rules import RuleCondition, RuleSource, RuleWindow
from tools.rules.spec import Problem, RuleProblem, RuleSpec, fields_of, parse_rule, spec_of


def test_a_full_rule_is_read_word_by_word() -> None:
    spec = parse_rule(["organicClicks", "falls", "25", "%", "daily", "where", "page", "=", "/blog/a&amp;b"])

    assert spec == RuleSpec(
        source=RuleSource.SEARCH_CONSOLE,
        metric="clicks",
        condition=RuleCondition.DROPS,
        threshold=25.0,
        percent=True,
        window=RuleWindow.DAILY,
        dimension="page",
        dimension_value="/blog/a&b",
    )
    assert spec_of(fields_of(spec)) == spec


@pytest.mark.parametrize(
    ("words", "problem", "value"),
    [
        ("", Problem.NEED_METRIC, ""),
        ("sessions", Problem.BAD_CONDITION, ""),
        ("sessions sinks 3", Problem.BAD_CONDITION, "sinks"),
        ("sessions drops", Problem.BAD_THRESHOLD, ""),
        ("sessions drops 0", Problem.BAD_THRESHOLD, "0"),
        ("sessions drops nan", Problem.BAD_THRESHOLD, "nan"),
        ("sessions drops 101%", Problem.DROP_OVER_100, "101"),
        ("sessions drops 5 monthly", Problem.BAD_WINDOW, "monthly"),
        ("sessions drops 5 daily hourly", Problem.BAD_WINDOW, "hourly"),
        ("sessions drops 5 where = x", Problem.BAD_WHERE, "where = x"),
        ("sessions drops 5 where two words = x", Problem.BAD_WHERE, "where two words = x"),
    ],
)
def test_what_cannot_be_read_says_why(words: str, problem: Problem, value: str) -> None:
    with pytest.raises(RuleProblem) as raised:
        parse_rule(words.split())
    assert (raised.value.problem, raised.value.value) == (problem, value)
