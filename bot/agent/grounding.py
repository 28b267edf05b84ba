"""Checks every number in an answer against the conversation's tool results, so a made-up figure is visible.

A number counts as traced when it equals (within its displayed rounding) a value from the data, a column total
or mean, or is derived from two related values of the data: a sum, difference or ratio, and for percentages a
change, share, rate or percentage-point gap; a rank ("#14") must fit in a list the data has. Dates, times,
years and small counts are not checked. Untraced numbers are marked, never removed.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

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
    r"(?<![\w/.^-])(?P<rank>#)?(?P<sign>[-−+])?(?P<currency>[$€£¥])?"
    r"(?P<digits>\d{1,3}(?:[,\u202f\u00a0]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<suffix>\s?%|\s?(?:k|K|M|B|bn)\b|\s?(?:pp|pts?)\b|[x×](?![\w/]))?(?![\w/])"
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
    is_rank: bool = False  # "#14": a position in a list


@dataclass(frozen=True)
class GroundingReport:
    checked: int
    untraced: tuple[str, ...]


@functools.lru_cache(maxsize=16)
def _given_numbers(text: str) -> frozenset[float]:
    """The numbers in a text every turn passes again (the system prompt, most of all): read once per text, not per
    turn; a prompt changes with the day and the channel, so a few are kept."""
    return frozenset(mention.value for mention in extract_numbers(text))


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
        is_rank = bool(match.group("rank"))
        if not is_percent and scale == 1.0 and value <= _SMALL and not decimals:
            continue  # "3 pages", "top 5", "#2", "2x": words, not data
        mentions.append(
            NumberMention(
                text=match.group().strip(),
                start=match.start(),
                end=match.end(),
                value=value * scale,
                tolerance=tolerance,
                is_percent=is_percent,
                is_rank=is_rank,
            )
        )
    return mentions


_FEW = 4  # values of one measure few enough that a change between any two is not a coincidence
_RATE_WORDS = ("pct", "percent", "rate", "ctr", "share", "ratio")
# Keys that name a measurement's role, not the measure: `metrics.sessions.current` belongs with `sessions`.
_ROLE_KEYS = frozenset({"value", "values", "current", "previous", "change", "change_pct", "total", "totals"})
# Values a tool already derived (a change, a change in %): quoted as they are, never a base for more derivation.
_DERIVED_KEYS = frozenset({"change", "change_pct", "delta", "diff", "difference"})


@dataclass
class _Family:
    """One measure's numbers across a result (every row, both periods, the totals) and whether they are rates."""

    values: list[float]
    percent_named: bool = False

    def fractions(self) -> bool:
        return all(0 <= value <= 1 for value in self.values)


@dataclass
class _Cells:
    """The numbers of the tool results, grouped three ways: by measure (family), by measure within rows that
    describe the same thing (one channel in both periods, the totals), and by row."""

    families: dict[str, _Family]
    comparable: dict[tuple[str, tuple[str, ...]], list[float]]
    rows: dict[str, list[float]]
    list_lengths: list[int]
    stated: list[float] = field(default_factory=list)
    stated_percent: list[float] = field(default_factory=list)


# Labels that name a period, not a thing: rows differing only by these describe the same thing at two times.
_PERIOD_LABEL = re.compile(r"^(?:date_range_\d+|current|previous|\d+)$", re.IGNORECASE)


def _family_key(result: int, keys: list[str]) -> str:
    kept = [key for key in keys if key not in _ROLE_KEYS]
    last = max((i for i, key in enumerate(kept) if not key.startswith("[")), default=-1)
    # A deeper list's position stays: GA4's metricValues[0] and metricValues[1] are different measures.
    return f"{result}:" + "".join(kept[last:]) if last >= 0 else f"{result}:"


def _label(item: object, list_path: str) -> tuple[str, ...]:
    """What a row is about: its text values (a channel, a page), without dates or period names."""
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, str):
            text = _DATE_SPANS.sub("", value).strip()
            if text and not _PERIOD_LABEL.match(text):
                try:
                    float(text.replace(",", ""))
                except ValueError:
                    texts.append(text)

    walk(item)
    return (list_path, *sorted(texts))


def _collect(
    value: object,
    *,
    result: int,
    keys: list[str],
    row: str,
    label: tuple[str, ...],
    cells: _Cells,
) -> None:
    """Walk one tool result: the first list level holds the rows; every number found is recorded in `cells`."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, result=result, keys=[*keys, str(key)], row=row, label=label, cells=cells)
        return
    if isinstance(value, list):
        cells.list_lengths.append(len(value))
        for index, item in enumerate(value):
            if row:  # a deeper list: its position (GA4's metricValues[i]) names a measure
                _collect(item, result=result, keys=[*keys, f"[{index}]"], row=row, label=label, cells=cells)
            else:  # the first list level holds the rows
                path = ".".join(keys)
                _collect(
                    item,
                    result=result,
                    keys=keys,
                    row=f"{result}:{path}[{index}]",
                    label=_label(item, path),
                    cells=cells,
                )
        return
    numbers = _figures(value, cells=cells)
    if numbers:
        _record(numbers, result=result, keys=keys, row=row, label=label, cells=cells)


def _figures(value: object, *, cells: _Cells) -> list[float]:
    """The figure a scalar is (none for dates and times); numbers inside text are only ever quoted, so they are
    recorded as stated and not returned."""
    numbers: list[float] = []
    if isinstance(value, int | float):
        numbers = [float(value)]
    elif isinstance(value, str):
        # Dates and times in the data ("2026-11-12", "20261112") are not figures: their parts would trace any
        # small percentage.
        text = _DATE_SPANS.sub(" ", value.strip())
        cleaned = text.strip().rstrip("%").replace(",", "")
        try:
            numbers = [float(cleaned)] if cleaned else []
        except ValueError:
            # Numbers inside text ("/blog/post-3", "Black Friday 2x") may be quoted, never computed with.
            cells.stated.extend(float(found) for found in re.findall(r"-?\d+(?:\.\d+)?", text))
            return []
    return [number for number in numbers if math.isfinite(number)]


def _record(
    numbers: list[float], *, result: int, keys: list[str], row: str, label: tuple[str, ...], cells: _Cells
) -> None:
    """File figures under their measure (family), their measure and row label (comparable) and their row; a value
    the tool derived itself (a rate, a change) is only ever quoted."""
    name = keys[-1].lower() if keys else ""
    key = _family_key(result, keys)
    if name in _DERIVED_KEYS:
        cells.stated.extend(numbers)
        if any(word in name for word in _RATE_WORDS):
            cells.stated_percent.extend(numbers)
        return
    family = cells.families.setdefault(key, _Family(values=[]))
    family.values.extend(numbers)
    family.percent_named = family.percent_named or any(word in name for word in _RATE_WORDS)
    cells.comparable.setdefault((key, label), []).extend(numbers)
    if row:
        cells.rows.setdefault(row, []).extend(numbers)


def _near_in(values: list[float], target: float, tolerance: float) -> bool:
    index = bisect.bisect_left(values, target - tolerance)
    return index < len(values) and values[index] <= target + tolerance


class Grounder:
    """The numbers a conversation's tool results support; `check` finds and marks those an answer adds.

    A figure is traced when it is a value of the data (rounded as written), a column total or mean, or derived
    from two values that belong together: the same measure (another row, the other period, its total) or the
    same row (another measure). Derivations are a difference, a sum, a ratio, a percentage change, a share or a
    percentage-point gap. Pairing only related values is what keeps an invented "up 12 %" from matching some
    coincidental pair among hundreds of unrelated numbers.
    """

    def __init__(self, tool_results: Iterable[str], *, given: Iterable[str] = (), limit: int = 4000) -> None:
        cells = _Cells(families={}, comparable={}, rows={}, list_lengths=[])
        for index, text in enumerate(tool_results):
            try:
                parsed: object = json.loads(text)
            except json.JSONDecodeError:
                parsed = text
            _collect(parsed, result=index, keys=[], row="", label=(), cells=cells)
        values: set[float] = {abs(number) for number in cells.stated}
        self._stated_percent = sorted({abs(number) for number in cells.stated_percent})
        for family in cells.families.values():
            values.update(abs(number) for number in family.values)
            if len(family.values) > 1:
                values.add(abs(sum(family.values)))
                values.add(abs(sum(family.values) / len(family.values)))
        self._values = sorted(values)[:limit] if len(values) > limit else sorted(values)
        # No totals of a whole family here: they would add up both periods and the totals rows themselves.
        self._families = [
            (sorted({abs(v) for v in family.values}), family.percent_named, family.fractions())
            for family in cells.families.values()
        ]
        self._rows = [sorted({abs(value) for value in row}) for row in cells.rows.values() if len(row) > 1]
        # A change is between the same measure of the same thing (a channel last week and this week, the totals).
        # A change compares the same measure of the same thing. In a long series (days, weeks) only neighbours,
        # the same weekday and first against last: among thirty days some two differ by any percentage.
        self._changes: list[tuple[float, float]] = []
        for group in cells.comparable.values():
            self._changes.extend(_pairs(group))
        # Between different things ("organic fell 18 % against paid") only in a small table, for the same reason.
        for family in cells.families.values():
            if len(family.values) <= _FEW:
                self._changes.extend(_pairs(family.values))
        self._longest_list = max(cells.list_lengths, default=0)
        # Numbers the person or the prompt gave (dates, ids, "compare with 2024") are fine to repeat.
        self._given = set().union(*(_given_numbers(text) for text in given))

    def _groups(self) -> Iterable[list[float]]:
        yield from (values for values, _, _ in self._families)
        yield from self._rows

    def traced(self, mention: NumberMention) -> bool:
        x, tol = mention.value, mention.tolerance
        if any(abs(x - given) <= tol for given in self._given):
            return True
        if mention.is_rank:
            return x <= self._longest_list or _near_in(self._values, x, tol)
        if mention.is_percent:
            return self._percent_traced(x, tol)
        if _near_in(self._values, x, tol):
            return True
        return any(_derived(group, x, tol) for group in self._groups())

    def _percent_traced(self, x: float, tol: float) -> bool:
        if _near_in(self._stated_percent, x, tol):
            return True  # a change the tool computed in percent
        for values, percent_named, fractions in self._families:
            if percent_named and _near_in(values, x, tol):
                return True  # a rate or change the tool stated in percent
            if (percent_named or fractions) and _near_in(values, x / 100, tol / 100):
                return True  # a rate the tool stated as a fraction
            if (percent_named or fractions) and _gap(
                values, x / 100 if fractions else x, tol / 100 if fractions else tol
            ):
                return True  # a percentage-point difference between two rates
        if any(_share(group, x, tol) for group in self._groups()):
            return True
        return any(_is_change(old, new, x, tol) for old, new in self._changes)

    def check(self, text: str, *, mark: str = " (unverified)") -> tuple[str, GroundingReport]:
        """`text` with `mark` after each untraced number, and what was found."""
        mentions = extract_numbers(text)
        untraced = [mention for mention in mentions if not self.traced(mention)]
        marked = text
        for mention in reversed(untraced):
            marked = marked[: mention.end] + mark + marked[mention.end :]
        return marked, GroundingReport(checked=len(mentions), untraced=tuple(m.text for m in untraced))


def _derived(values: list[float], x: float, tol: float) -> bool:
    """x = a + b, |a − b| or a / b for two values of one group."""
    for a in values:
        if _near_in(values, a + x, tol) or _near_in(values, x - a, tol):
            return True
        # x = a / b: b = a / x, with the slack x's rounding allows.
        if a and x > tol and _near_in(values, a / x, a * tol / (x * (x - tol))):
            return True
    return False


def _gap(values: list[float], x: float, tol: float) -> bool:
    return any(_near_in(values, a + x, tol) for a in values)


def _share(values: list[float], x: float, tol: float) -> bool:
    """x % is a share: a = b·x/100 for a and b in one group (a part of its total, one measure of another)."""
    return any(base and _near_in(values, base * x / 100, base * tol / 100) for base in values)


def _pairs(values: list[float]) -> list[tuple[float, float]]:
    """The (earlier, later) pairs a change may be read between, in the data's order."""
    values = [abs(value) for value in values]
    count = len(values)
    if count <= _FEW:
        return [(a, b) for i, a in enumerate(values) for b in values[i + 1 :]]
    pairs = {(values[i], values[i + step]) for step in (1, 7) for i in range(count - step)}
    pairs.add((values[0], values[-1]))
    return sorted(pairs)


def _is_change(one: float, other: float, x: float, tol: float) -> bool:
    """x % is the change between the two, read either way (GA4 lists the newer period first, a series the older)."""
    for base, new in ((one, other), (other, one)):
        if base and abs(abs(new - base) / base * 100 - x) <= tol * (1 + 1e-9):
            return True
    return False
