"""Reading a tool call's arguments defensively, for its task title: lists of names, dates and date ranges (relative
ones resolved against the data's own today), and filters as short phrases. A value of the wrong shape is skipped,
never an error: a call with bad arguments still gets a plain title.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.text import plan as words
from tools.dates import parse_date


def strings(value: object) -> list[str]:
    """The strings of a list (anything else: none)."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def day(value: object, today: date | None) -> date | None:
    """A date as the tools take it ("2024-05-01", "yesterday", "28daysAgo"), or None."""
    if not isinstance(value, str) or today is None:
        return None
    try:
        return parse_date(value, today=today, field="date")
    except Exception:  # a date the tool will refuse anyway; the title then leaves it out
        return None


def date_range(value: object, today: date | None) -> tuple[date, date] | None:
    """`{"start_date": ..., "end_date": ...}` as two dates, or None."""
    if not isinstance(value, dict):
        return None
    start, end = day(value.get("start_date"), today), day(value.get("end_date"), today)
    return (start, end) if start and end else None


def previous(current: tuple[date, date]) -> tuple[date, date]:
    """The period of the same length just before `current`."""
    days = (current[1] - current[0]).days + 1
    end = current[0].fromordinal(current[0].toordinal() - 1)
    return end.fromordinal(end.toordinal() - days + 1), end


def periods(args: dict[str, object], today: date | None) -> list[tuple[date, date]]:
    """A comparison's `current` and `previous` periods (the one before when `previous` is not given), or none."""
    current = date_range(args.get("current"), today)
    if current is None:
        return []
    return [current, date_range(args.get("previous"), today) or previous(current)]


def first_of(mapping: dict[str, object], *names: str) -> Any:
    """The value under the first of `names` present (snake_case or camelCase), or None."""
    return next((mapping[name] for name in names if name in mapping), None)


def ga4_filters(expression: object) -> list[str]:
    """A GA4 filter expression as short phrases ("/blog/*", "channel Organic Search"); unknown shapes are skipped."""
    if not isinstance(expression, dict):
        return []
    for group, joiner in (("and_group", "and"), ("andGroup", "and"), ("or_group", "or"), ("orGroup", "or")):
        inner = expression.get(group)
        if isinstance(inner, dict):
            parts = [p for item in inner.get("expressions") or [] for p in ga4_filters(item)]
            return parts if joiner == "and" else [words.listing(parts, joiner="or")] if parts else []
    negated = first_of(expression, "not_expression", "notExpression")
    if negated is not None:
        return [f"not {phrase}" for phrase in ga4_filters(negated)]
    leaf = expression.get("filter")
    if not isinstance(leaf, dict):
        return []
    name = str(first_of(leaf, "field_name", "fieldName") or "")
    string = first_of(leaf, "string_filter", "stringFilter")
    in_list = first_of(leaf, "in_list_filter", "inListFilter")
    numeric = first_of(leaf, "numeric_filter", "numericFilter")
    if isinstance(string, dict):
        operator = str(first_of(string, "match_type", "matchType") or "EXACT")
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


def gsc_filters(groups: object) -> tuple[list[str], dict[str, tuple[str, str]]]:
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
