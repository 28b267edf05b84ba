"""What a digest says, as plain data, and the arithmetic behind it (comparisons, medians, movers).

Pure functions on numbers already fetched from Google: the renderer (`bot.digest.blocks`) turns a
`DigestReport` into Block Kit, and tests check the numbers here against the fake dataset.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class MetricKind(StrEnum):
    COUNT = "count"
    CURRENCY = "currency"
    RATIO = "ratio"  # 0..1, compared in percentage points
    POSITION = "position"  # lower is better, compared as a difference


@dataclass(frozen=True, kw_only=True)
class MetricLine:
    """One metric on one day, against the same weekday a week earlier and the median of the 4 previous weeks."""

    key: str
    label: str
    kind: MetricKind
    value: float
    last_week: float | None
    median_4w: float | None

    def change_vs(self, baseline: float | None) -> float | None:
        """Relative change for counts and money; a difference for ratios (points) and positions."""
        if baseline is None:
            return None
        if self.kind in (MetricKind.RATIO, MetricKind.POSITION):
            return self.value - baseline
        if baseline == 0:
            return None
        return (self.value - baseline) / abs(baseline)

    @property
    def vs_last_week(self) -> float | None:
        return self.change_vs(self.last_week)

    @property
    def vs_median(self) -> float | None:
        return self.change_vs(self.median_4w)


class MoverKind(StrEnum):
    CHANNEL = "channel"
    PAGE = "page"
    QUERY = "query"


@dataclass(frozen=True, kw_only=True)
class Mover:
    """Something that changed most between the same weekday last week and the reported day."""

    kind: MoverKind
    label: str
    metric: str  # "sessions" or "clicks"
    before: float
    after: float

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True, kw_only=True)
class DigestAnomaly:
    """An unusual value on the reported day, from the detector run over the daily series."""

    metric_label: str
    day: date  # the day judged: GA4's reported day, or Search Console's latest complete day
    direction: str  # "up" or "down"
    expected: float
    actual: float
    kind: MetricKind = MetricKind.COUNT


@dataclass(frozen=True, kw_only=True)
class SectionProblem:
    """Why a section is missing, as a message key of `bot.digest.blocks`."""

    key: str


@dataclass(kw_only=True)
class DigestReport:
    title: str
    day: date  # the GA4 day reported ("yesterday" in the property's timezone)
    currency: str
    property_label: str | None = None
    site_label: str | None = None
    ga4: list[MetricLine] = field(default_factory=list)
    ga4_problem: SectionProblem | None = None
    gsc_day: date | None = None  # Search Console's latest complete day
    gsc: list[MetricLine] = field(default_factory=list)
    gsc_problem: SectionProblem | None = None
    movers: list[Mover] = field(default_factory=list)
    anomalies: list[DigestAnomaly] = field(default_factory=list)
    chart_series: list[tuple[date, float]] = field(default_factory=list)  # sessions, last 28 days
    sample: bool = False  # made from the built-in sample property, and must say so


def same_weekday_history(day: date, weeks: int) -> list[date]:
    """The same weekday in each of the `weeks` weeks before `day`, most recent first."""
    return [day - timedelta(days=7 * week) for week in range(1, weeks + 1)]


def compare(
    series: Mapping[date, float], *, day: date, key: str, label: str, kind: MetricKind = MetricKind.COUNT
) -> MetricLine:
    """`day`'s value against the same weekday last week and the median of the same weekday over 4 weeks.

    A weekday median keeps weekly seasonality out of the comparison (a Monday against Mondays). Days missing from
    the series count as zero for counts (GA4 omits empty days) and as unknown for ratios and positions.
    """

    def value_on(when: date) -> float | None:
        if when in series:
            return series[when]
        return 0.0 if kind in (MetricKind.COUNT, MetricKind.CURRENCY) else None

    history = [value for when in same_weekday_history(day, 4) if (value := value_on(when)) is not None]
    return MetricLine(
        key=key,
        label=label,
        kind=kind,
        value=value_on(day) or 0.0,
        last_week=value_on(day - timedelta(days=7)),
        median_4w=statistics.median(history) if history else None,
    )


def top_movers(
    before: Mapping[str, float],
    after: Mapping[str, float],
    *,
    kind: MoverKind,
    metric: str,
    limit: int = 2,
    min_delta: float = 10.0,
    min_share: float = 0.05,
) -> list[Mover]:
    """The segments whose value moved most (by absolute change), ignoring moves too small to matter."""
    movers = []
    for label in set(before) | set(after):
        old, new = before.get(label, 0.0), after.get(label, 0.0)
        delta = new - old
        if abs(delta) < min_delta or abs(delta) < min_share * max(old, 1.0):
            continue
        movers.append(Mover(kind=kind, label=label, metric=metric, before=old, after=new))
    movers.sort(key=lambda mover: (-abs(mover.delta), mover.label))
    return movers[:limit]


def pick_movers(groups: Sequence[list[Mover]], *, limit: int = 4) -> list[Mover]:
    """At most `limit` movers, taking the biggest of each kind first so one kind cannot crowd out the others."""
    firsts = [group[0] for group in groups if group]
    rest = sorted((m for group in groups for m in group[1:]), key=lambda m: -abs(m.delta))
    return (firsts + rest)[:limit]
