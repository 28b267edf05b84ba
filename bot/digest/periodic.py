"""What a weekly or monthly digest says, as plain data: each KPI against the previous period and the same period a
year before, what moved it, and the wins, risks and next steps drawn from those numbers.

Pure functions on numbers already fetched (`bot.digest.periodic_fetch`); `bot.digest.periodic_blocks` renders a
`PeriodicReport` and `bot.text.digests` words each point. A point is only made when the data carries it: a KPI that
moved at least `MOVE` against the previous period, a query that entered the top positions, a channel whose visits
grew without key events, Search Console's striking-distance queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.digest.kpis import Kpi
from bot.digest.report import MetricKind, MoverKind, SectionProblem
from bot.scheduler.periods import Period
from storage.tables.schedule import DigestCadence

MOVE = 0.05  # a KPI "moved" when it changed at least 5 % against the previous period
POSITION_MOVE = 0.5  # ... or its average position by half a place
MAX_POINTS = 3  # per section: wins, risks, next steps
TOP_POSITION = 5.0  # a query "entered the top 5"
MIN_QUERY_IMPRESSIONS = 50.0
HOLLOW_GROWTH = 0.2  # a channel's sessions up 20 % ...
MIN_HOLLOW_SESSIONS = 50.0  # ... by at least this many, with key events not up: traffic without results
PAGE_LOSS = 0.2  # a landing page that lost 20 % of its sessions is worth a look
MIN_PAGE_LOSS = 30.0


@dataclass(frozen=True, kw_only=True)
class KpiLine:
    """One KPI over the period, the previous period and the same period a year before (None: not known)."""

    kpi: Kpi
    value: float
    previous: float | None
    year_ago: float | None

    def change(self, baseline: float | None) -> float | None:
        """Relative change for counts and money; a difference for rates (in points) and positions (lower is
        better)."""
        if baseline is None:
            return None
        if self.kpi.kind in (MetricKind.POSITION, MetricKind.RATIO):
            return self.value - baseline
        if baseline == 0:
            return None
        return (self.value - baseline) / abs(baseline)

    @property
    def vs_previous(self) -> float | None:
        return self.change(self.previous)

    @property
    def vs_year_ago(self) -> float | None:
        return self.change(self.year_ago)

    @property
    def delta(self) -> float | None:
        return None if self.previous is None else self.value - self.previous

    def moved(self) -> bool:
        """Changed at least `MOVE` (relative, for rates too) or `POSITION_MOVE` places against the previous period."""
        if self.previous is None:
            return False
        if self.kpi.kind is MetricKind.POSITION:
            return abs(self.value - self.previous) >= POSITION_MOVE
        return self.previous != 0 and abs(self.value - self.previous) / abs(self.previous) >= MOVE

    def improved(self) -> bool:
        change = self.vs_previous or 0.0
        return change < 0 if self.kpi.kind is MetricKind.POSITION else change > 0


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A channel, landing page or query in both periods: sessions (clicks for queries) and key events."""

    kind: MoverKind
    label: str
    before: float
    after: float
    key_events_before: float = 0.0
    key_events_after: float = 0.0

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def key_events_delta(self) -> float:
        return self.key_events_after - self.key_events_before


@dataclass(frozen=True, kw_only=True)
class QueryRank:
    query: str
    position: float
    position_before: float
    impressions: float
    clicks: float


@dataclass(frozen=True, kw_only=True)
class StrikingDistance:
    """Search Console queries at positions 8–20 with many impressions and a low CTR (`gsc_workflow`)."""

    candidates: int
    ctr: float  # the CTR of every query at positions 8–20: the yardstick the candidates fall below
    top_query: str
    top_position: float
    top_impressions: float


@dataclass(frozen=True, kw_only=True)
class ChartPoint:
    period: Period
    sessions: float
    year_ago: float | None


# The points a digest can make; `bot.text.digests` words each kind.
@dataclass(frozen=True, kw_only=True)
class KpiMove:
    line: KpiLine
    driver: Segment | None


@dataclass(frozen=True, kw_only=True)
class QueryRose:
    rank: QueryRank


@dataclass(frozen=True, kw_only=True)
class HollowGrowth:
    channel: Segment


@dataclass(frozen=True, kw_only=True)
class Quiet:
    """Nothing moved `MOVE` either way: said, so an empty section is not mistaken for missing data."""

    improved: bool


@dataclass(frozen=True, kw_only=True)
class StrikingStep:
    striking: StrikingDistance


@dataclass(frozen=True, kw_only=True)
class PageStep:
    page: Segment


@dataclass(frozen=True, kw_only=True)
class ChannelStep:
    channel: Segment


Point = KpiMove | QueryRose | HollowGrowth | Quiet | StrikingStep | PageStep | ChannelStep


@dataclass(kw_only=True)
class PeriodicReport:
    title: str
    cadence: DigestCadence
    period: Period
    previous: Period
    year_ago: Period
    currency: str
    property_label: str | None = None
    site_label: str | None = None
    sample: bool = False
    ga4_year_ago: bool = True  # False when GA4 has no data for the same period a year before
    gsc_period: Period | None = None  # Search Console's complete days of `period`
    lines: list[KpiLine] = field(default_factory=list)
    channels: list[Segment] = field(default_factory=list)
    pages: list[Segment] = field(default_factory=list)
    queries: list[Segment] = field(default_factory=list)
    rank_gains: list[QueryRank] = field(default_factory=list)
    striking: StrikingDistance | None = None
    chart: list[ChartPoint] = field(default_factory=list)
    unknown_kpis: list[str] = field(default_factory=list)  # key events the property does not have
    ga4_problem: SectionProblem | None = None
    gsc_problem: SectionProblem | None = None
    wins: list[Point] = field(default_factory=list)
    risks: list[Point] = field(default_factory=list)
    steps: list[Point] = field(default_factory=list)


def segments(
    before: Mapping[str, tuple[float, float]], after: Mapping[str, tuple[float, float]], *, kind: MoverKind
) -> list[Segment]:
    """Segments from {label: (sessions, key events)} of both periods, biggest absolute change first."""
    found = [
        Segment(
            kind=kind,
            label=label,
            before=before.get(label, (0.0, 0.0))[0],
            after=after.get(label, (0.0, 0.0))[0],
            key_events_before=before.get(label, (0.0, 0.0))[1],
            key_events_after=after.get(label, (0.0, 0.0))[1],
        )
        for label in set(before) | set(after)
    ]
    found.sort(key=lambda s: (-abs(s.delta), s.label))
    return found


def _driver(report: PeriodicReport, line: KpiLine) -> Segment | None:
    """The segment that moved most the same way as the KPI: channels for visits, landing pages for key events and
    revenue, queries for clicks."""
    delta = line.delta or 0.0
    key = line.kpi.key
    if key in ("sessions", "totalUsers", "newUsers"):
        pool, by_events = report.channels, False
    elif key.startswith("keyEvents") or key == "sessionKeyEventRate":
        pool, by_events = report.pages, True
    elif key == "gsc:clicks":
        pool, by_events = report.queries, False
    else:
        return None
    moving = [s for s in pool if (s.key_events_delta if by_events else s.delta) * delta > 0]
    moving.sort(key=lambda s: -abs(s.key_events_delta if by_events else s.delta))
    return moving[0] if moving else None


def derive_points(report: PeriodicReport) -> None:
    """Fill `wins`, `risks` and `steps` from the numbers already in the report."""
    moved = sorted((line for line in report.lines if line.moved()), key=lambda line: -_size(line))
    wins: list[Point] = [KpiMove(line=line, driver=_driver(report, line)) for line in moved if line.improved()]
    risks: list[Point] = [KpiMove(line=line, driver=_driver(report, line)) for line in moved if not line.improved()]
    wins += [QueryRose(rank=rank) for rank in report.rank_gains[:1]]
    risks += [HollowGrowth(channel=channel) for channel in _hollow(report.channels)[:1]]
    report.wins = wins[:MAX_POINTS] or ([Quiet(improved=True)] if report.lines else [])
    report.risks = risks[:MAX_POINTS] or ([Quiet(improved=False)] if report.lines else [])
    report.steps = _steps(report)[:MAX_POINTS]


def _size(line: KpiLine) -> float:
    """How far a KPI moved, comparable across kinds: relative change (a position's in places, scaled to match)."""
    if line.previous is None:
        return 0.0
    if line.kpi.kind is MetricKind.POSITION:
        return abs(line.value - line.previous) * MOVE / POSITION_MOVE
    return abs(line.value - line.previous) / abs(line.previous) if line.previous else 0.0


def _hollow(channels: Sequence[Segment]) -> list[Segment]:
    return [
        c
        for c in channels
        if c.delta >= MIN_HOLLOW_SESSIONS
        and c.before > 0
        and c.delta / c.before >= HOLLOW_GROWTH
        and c.key_events_after <= c.key_events_before
    ]


def _steps(report: PeriodicReport) -> list[Point]:
    steps: list[Point] = []
    if report.striking is not None and report.striking.candidates:
        steps.append(StrikingStep(striking=report.striking))
    losing = [
        p for p in report.pages if -p.delta >= MIN_PAGE_LOSS and p.before > 0 and -p.delta / p.before >= PAGE_LOSS
    ]
    if losing:
        steps.append(PageStep(page=min(losing, key=lambda p: p.delta)))
    growing = [c for c in report.channels if c.delta > 0 and c.key_events_delta > 0]
    if growing:
        steps.append(ChannelStep(channel=max(growing, key=lambda c: c.key_events_delta)))
    return steps


def rank_gains(
    before: Mapping[str, tuple[float, float, float]], after: Mapping[str, tuple[float, float, float]]
) -> list[QueryRank]:
    """Queries that entered the top `TOP_POSITION` (from {query: (position, impressions, clicks)}), most seen first."""
    gains = [
        QueryRank(query=query, position=now[0], position_before=before[query][0], impressions=now[1], clicks=now[2])
        for query, now in after.items()
        if query in before and now[1] >= MIN_QUERY_IMPRESSIONS and 0 < now[0] <= TOP_POSITION < before[query][0]
    ]
    gains.sort(key=lambda rank: (-rank.impressions, rank.query))
    return gains
