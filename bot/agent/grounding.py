"""Checks every number in an answer against the conversation's tool results, so a made-up figure is visible.

A number counts as traced when it equals (within its displayed rounding) a value from the data, a sum or
difference of two values, a column total or mean, or — for percentages — a change, share or rate computed from
the data. Dates, times, years and small counts are not checked. Untraced numbers are marked, never removed.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

# Spans that look numeric but are dates or times: checked against nothing, never marked.
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_SPANS = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{8}\b|\b\d{1,2}[:h]\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
    rf"|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s*[-–—]\s*(?:{_MONTHS}\s+)?\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s*[-–—]\s*\d{{1,2}})?\s+{_MONTHS}(?:\s+\d{{4}})?"
    r"|\b(?:19|20)\d{2}\b|\b(?:q[1-4]|h[12]|w\d{1,2})\b|\b\d+(?:st|nd|rd|th)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?<![\w/#.^-])(?P<sign>[-−+])?(?P<currency>[$€£¥])?"
    r"(?P<digits>\d{1,3}(?:[,\u202f\u00a0]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<suffix>\s?%|\s?(?:k|K|M|B|bn)\b|\s?(?:pp|pts?)\b)?(?![\w/])"
)
_SCALES = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "bn": 1e9}
# Counts this small are nearly always words ("3 pages", "top 5"), not data.
_SMALL = 10.0


@dataclass(frozen=True)
class NumberMention:
    text: str
    start: int
    end: int
    value: float  # absolute value, scale applied
    tolerance: float
    is_percent: bool


@dataclass(frozen=True)
class GroundingReport:
    checked: int
    untraced: tuple[str, ...]


def extract_numbers(text: str) -> list[NumberMention]:
    """Every checkable number in `text`, with how precisely it was written."""
    masked = _DATE_SPANS.sub(lambda match: " " * len(match.group()), text)
    mentions = []
    for match in _NUMBER.finditer(masked):
        digits = re.sub(r"[,\u202f\u00a0]", "", match.group("digits"))
        suffix = (match.group("suffix") or "").strip()
        value = float(digits)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        is_percent = suffix in ("%", "pp", "pt", "pts")
        scale = _SCALES.get(suffix, 1.0)
        if decimals:
            unit = 10.0**-decimals
        elif value >= 1000 and not is_percent:
            # "12,000" written for 11,842: trailing zeros are rounding.
            stripped = digits.rstrip("0")
            unit = 10.0 ** (len(digits) - len(stripped)) if stripped else 1.0
        else:
            unit = 1.0
        tolerance = 0.5 * unit * scale * (1.02 if is_percent else 1.0) + 1e-9
        if not is_percent and scale == 1.0 and value <= _SMALL and not decimals:
            continue
        mentions.append(
            NumberMention(
                text=match.group().strip(),
                start=match.start(),
                end=match.end(),
                value=value * scale,
                tolerance=tolerance,
                is_percent=is_percent,
            )
        )
    return mentions


def _numbers_in(value: object, path: str, columns: dict[str, list[float]], *, in_rows: bool) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        if math.isfinite(value):
            columns[path].append(float(value))
        return
    if isinstance(value, str):
        cleaned = value.strip().rstrip("%").replace(",", "")
        try:
            number = float(cleaned)
        except ValueError:
            for found in re.findall(r"-?\d+(?:\.\d+)?", value):
                columns[path + "~"].append(float(found))
            return
        if math.isfinite(number):
            columns[path].append(number)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _numbers_in(item, f"{path}.{key}", columns, in_rows=in_rows)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            # The first list level is the rows; deeper lists (metric positions) keep their index in the column.
            _numbers_in(item, f"{path}[]" if not in_rows else f"{path}[{index}]", columns, in_rows=True)


class Grounder:
    """The numbers a conversation's tool results support; `check` finds and marks those an answer adds."""

    def __init__(self, tool_results: Iterable[str], *, given: Iterable[str] = (), limit: int = 4000) -> None:
        columns: dict[str, list[float]] = defaultdict(list)
        for text in tool_results:
            try:
                parsed: object = json.loads(text)
            except json.JSONDecodeError:
                parsed = text
            _numbers_in(parsed, "", columns, in_rows=False)
        values: set[float] = set()
        for column in columns.values():
            values.update(abs(number) for number in column)
            if len(column) > 1:
                values.add(abs(sum(column)))
                values.add(abs(sum(column) / len(column)))
        self._values = sorted(values)[:limit] if len(values) > limit else sorted(values)
        # Numbers the person or the prompt gave (dates, ids, "compare with 2024") are fine to repeat.
        self._given = {mention.value for text in given for mention in extract_numbers(text)}

    def _near(self, target: float, tolerance: float) -> bool:
        index = bisect.bisect_left(self._values, target - tolerance)
        return index < len(self._values) and self._values[index] <= target + tolerance

    def traced(self, mention: NumberMention) -> bool:
        x, tol = mention.value, mention.tolerance
        if any(abs(x - given) <= tol for given in self._given):
            return True
        values = self._values
        if mention.is_percent:
            if self._near(x, tol) or self._near(x / 100, tol / 100):
                return True
            for base in values:
                if base == 0:
                    continue
                # a = b·(1 ± x/100) (a change) or a = b·x/100 (a share).
                slack = base * tol / 100
                if (
                    self._near(base * (1 + x / 100), slack)
                    or self._near(base * (1 - x / 100), slack)
                    or self._near(base * x / 100, slack)
                ):
                    return True
            return False
        if self._near(x, tol):
            return True
        # x = a + b or x = |a − b| for two values of the data.
        return any(self._near(x - a, tol) or self._near(a + x, tol) or self._near(a - x, tol) for a in values)

    def check(self, text: str, *, mark: str = " (unverified)") -> tuple[str, GroundingReport]:
        """`text` with `mark` after each untraced number, and what was found."""
        mentions = extract_numbers(text)
        untraced = [mention for mention in mentions if not self.traced(mention)]
        marked = text
        for mention in reversed(untraced):
            marked = marked[: mention.end] + mark + marked[mention.end :]
        return marked, GroundingReport(checked=len(mentions), untraced=tuple(m.text for m in untraced))
