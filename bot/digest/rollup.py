"""A roll-up digest for agencies: one line per GA4 property the workspace's Google grant reads (or the channel's
chosen few), with sessions, key events and revenue for the period against the period before.

Each property is one `batchRunReports`-path read (`tools.ga4_report.series.Totals`), at most `CONCURRENCY` at a
time so a grant with dozens of clients never floods the process's Google pool or the project's quota (the
per-property limits and retries of `tools.google.runtime` still apply to each). A property that fails gets its own
line saying why; only when none could be read for a passing reason (Google down, quota) does the whole digest fail,
so the scheduler's catch-up posts it later instead of a digest of errors.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.google.target import GoogleTarget
from bot.scheduler.periods import Period
from storage.tables.schedule import DigestCadence
from tools.base import ToolError, ToolUserError
from tools.context import ToolContext
from tools.errors import ACCESS_DENIED, QUOTA_EXHAUSTED, TOKEN_REJECTED
from tools.ga4_report.series import NamedRange, Totals, read_reports
from tools.targets import PropertyRef

CONCURRENCY = 4  # properties read at once; each is one request, within the runtime's per-property limit
METRICS = ("sessions", "keyEvents", "totalRevenue")


class PropertyLister(Protocol):
    """The GA4 properties a target's Google connection lists (`bot.google.readable.GrantProperties`)."""

    async def properties_for(self, *, target: GoogleTarget) -> Sequence[PropertyRef]: ...


class Failure(StrEnum):
    """Why one property has no line of numbers."""

    ACCESS_REMOVED = "access_removed"  # Google refuses this grant the property (403)
    NOT_LISTED = "not_listed"  # chosen for the roll-up, but the grant no longer lists it
    QUOTA = "quota"  # the property's GA4 quota is spent for now
    UNAVAILABLE = "unavailable"  # Google did not answer, after retries
    REFUSED = "refused"  # Google rejected the request (or the grant's tokens)


PASSING = (Failure.QUOTA, Failure.UNAVAILABLE)  # worth retrying later


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One metric in the period and the period before."""

    value: float
    previous: float

    @property
    def change(self) -> float | None:
        """The relative change, None when there was nothing before to compare with."""
        return (self.value - self.previous) / self.previous if self.previous else None


@dataclass(frozen=True, kw_only=True)
class RollupLine:
    property_id: str
    name: str  # the property's display name, as Google lists it (attacker-controllable: escaped when shown)
    sessions: Figure
    key_events: Figure
    revenue: Figure
    currency: str

    @property
    def moved(self) -> float:
        """How far sessions moved, in sessions: the roll-up lists the biggest movers first."""
        return abs(self.sessions.value - self.sessions.previous)


@dataclass(frozen=True, kw_only=True)
class RollupFailure:
    property_id: str
    name: str
    failure: Failure


@dataclass(kw_only=True)
class RollupReport:
    cadence: DigestCadence
    period: Period
    previous: Period
    cap: int  # the most properties one roll-up reads (LOOKOUT_ROLLUP_MAX_PROPERTIES)
    chosen: bool = False  # the channel chose its properties, rather than every one the grant lists
    sample: bool = False
    lines: list[RollupLine] = field(default_factory=list)
    failures: list[RollupFailure] = field(default_factory=list)
    more: int = 0  # properties past the cap, not read

    def total(self, metric: str) -> Figure:
        figures = [getattr(line, metric) for line in self.lines]
        return Figure(value=sum(f.value for f in figures), previous=sum(f.previous for f in figures))

    @property
    def currency(self) -> str | None:
        """The one currency revenue can be added up in; None when the properties with revenue use several."""
        used = {line.currency for line in self.lines if line.revenue.value or line.revenue.previous}
        return next(iter(used)) if len(used) == 1 else ("" if not used else None)


def chosen_ids(column: str) -> list[str]:
    """The property ids a roll-up subscription stores, in order; empty for "every property the grant lists"."""
    return list(dict.fromkeys(part.strip() for part in column.split(",") if part.strip()))


def to_read(listed: Sequence[PropertyRef], *, chosen: Sequence[str]) -> tuple[list[PropertyRef], list[str]]:
    """The properties to read (the chosen ones in their order, else all listed) and chosen ids the grant lacks."""
    if not chosen:
        return list(listed), []
    by_id = {ref.property_id: ref for ref in listed}
    return [by_id[pid] for pid in chosen if pid in by_id], [pid for pid in chosen if pid not in by_id]


async def build_rollup(
    report: RollupReport, *, ctx: ToolContext, listed: Sequence[PropertyRef], chosen: Sequence[str]
) -> RollupReport:
    """Fill `report` from GA4: `ctx` holds the grant's GA4 client; each property is read with it in turn."""
    wanted, missing = to_read(listed, chosen=chosen)
    report.failures.extend(RollupFailure(property_id=pid, name="", failure=Failure.NOT_LISTED) for pid in missing)
    shown = wanted[: report.cap]
    report.more = len(wanted) - len(shown)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(ref: PropertyRef) -> RollupLine | RollupFailure:
        async with gate:
            return await _read_property(ctx, ref, report)

    for result in await asyncio.gather(*(one(ref) for ref in shown)):
        if isinstance(result, RollupLine):
            report.lines.append(result)
        else:
            report.failures.append(result)
    if not report.lines and any(failure.failure in PASSING for failure in report.failures):
        raise RollupUnavailable  # nothing to show but errors that pass: post it later instead
    report.lines.sort(key=lambda line: (-line.moved, line.name.casefold()))
    return report


class RollupUnavailable(Exception):
    """No property could be read, for passing reasons; the post is retried like any digest Google failed."""


async def _read_property(ctx: ToolContext, ref: PropertyRef, report: RollupReport) -> RollupLine | RollupFailure:
    scoped = dataclasses.replace(ctx, property_id=ref.property_id, timezone=ref.time_zone, currency=ref.currency)
    read = Totals(
        metrics=METRICS,
        ranges=(
            NamedRange(name="current", start=report.period.start, end=report.period.end),
            NamedRange(name="previous", start=report.previous.start, end=report.previous.end),
        ),
    )
    try:
        (parsed,) = await read_reports(scoped, [read])
    except ToolUserError as error:
        return RollupFailure(property_id=ref.property_id, name=ref.name, failure=_failure(error.message_key))
    except ToolError:
        return RollupFailure(property_id=ref.property_id, name=ref.name, failure=Failure.REFUSED)
    totals = read.read(parsed)
    now, before = totals["current"], totals["previous"]

    def figure(metric: str) -> Figure:
        return Figure(value=now[metric], previous=before[metric])

    return RollupLine(
        property_id=ref.property_id,
        name=ref.name,
        sessions=figure("sessions"),
        key_events=figure("keyEvents"),
        revenue=figure("totalRevenue"),
        currency=parsed.currency or ref.currency or "",
    )


def _failure(key: str) -> Failure:
    if key == ACCESS_DENIED:
        return Failure.ACCESS_REMOVED
    if key == QUOTA_EXHAUSTED:
        return Failure.QUOTA
    if key == TOKEN_REJECTED:
        return Failure.REFUSED
    return Failure.UNAVAILABLE
