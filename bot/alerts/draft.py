"""From a target's Google data to the alerts it deserves now, worded: fetch the watched series, find what is news,
and write each alert's headline, likely cause and context. Nothing here stores or posts.

Deciding is where alert fatigue is fought: only recent incidents, large enough for the sensitivity and above the
series' noise floor; several series moved by one event make one alert (`group_incidents`). `AlertService` adds what
needs storage (mutes, one alert per incident) and posts; `lookout demo` prints the drafts.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alerts.explain import Explanation, explain_group
from bot.alerts.series import History, fetch_series
from bot.digest.annotated import context_lines
from bot.text import alerts as messages
from bot.text import notes as note_messages
from tools.anomaly.models import Sensitivity, Severity
from tools.anomaly.watch import AlertGroup, Found, Series, find_incidents, group_incidents, measure

if TYPE_CHECKING:
    from tools.context import ToolContext

log = logging.getLogger(__name__)

SEVERITY_RANK: dict[Severity, int] = {"info": 0, "warning": 1, "critical": 2}
# The least severe incident each sensitivity alerts on: with the detector's own level per sensitivity, this is how
# a channel trades recall (high: every incident) for precision (low: critical ones only).
MIN_SEVERITY: dict[Sensitivity, Severity] = {"low": "critical", "medium": "warning", "high": "info"}
# A move smaller than this many typical periods of the series is noise, whatever the detector says.
NOISE_FLOOR = {"hourly": 1.0, "daily": 0.2}
MIN_ABSOLUTE_DEVIATION = 10.0
REBOUND_WINDOW = timedelta(days=2)


@dataclass(frozen=True, kw_only=True)
class AlertPolicy:
    """How recent an incident must be to be news when first seen (relative to the series' last complete point)."""

    recent_hourly: timedelta = timedelta(hours=24)
    recent_daily: timedelta = timedelta(days=4)
    history: History = field(default_factory=History)


@dataclass(frozen=True, kw_only=True)
class Scan:
    """One look at a target's watched series: every incident found, and those that are news."""

    series: list[Series]
    found: list[Found]
    news: list[Found]

    @property
    def groups(self) -> list[AlertGroup]:
        """The news as events: one alert each."""
        return group_incidents(self.news)


@dataclass(frozen=True, kw_only=True)
class AlertDraft:
    """An alert's words: the headline (also the notification text), the lines under it, the context line."""

    group: AlertGroup
    headline: str
    lines: list[str]
    context: str


def as_sensitivity(value: str) -> Sensitivity:
    return value if value in ("low", "medium", "high") else "medium"  # type: ignore[return-value]


async def scan(
    *,
    ctx: ToolContext,
    timezone: str,
    now: datetime,
    sensitivity: Sensitivity,
    policy: AlertPolicy,
) -> Scan:
    series = await fetch_series(ctx=ctx, timezone=timezone, now=now, history=policy.history)
    # Scoring the series is CPU work: done in a worker thread, as the digest does, so the event loop keeps acking
    # Slack and renewing the scheduler lease.
    found, news = await asyncio.to_thread(_detect, series, sensitivity=sensitivity, policy=policy)
    return Scan(series=series, found=found, news=news)


def _detect(
    series: Sequence[Series], *, sensitivity: Sensitivity, policy: AlertPolicy
) -> tuple[list[Found], list[Found]]:
    """Every incident in `series`, and those among them that are news."""
    found: list[Found] = []
    for each in series:
        found.extend(find_incidents(each, sensitivity=sensitivity))
    news = [
        item
        for item in found
        if _is_news(item, sensitivity=sensitivity, policy=policy)
        and not _is_rebound(item, found, sensitivity=sensitivity)
    ]
    return found, news


def _is_news(item: Found, *, sensitivity: Sensitivity, policy: AlertPolicy) -> bool:
    incident = item.incident
    spec = item.series.spec
    last = item.series.points[-1].timestamp
    recent = policy.recent_hourly if spec.granularity == "hourly" else policy.recent_daily
    if incident.start < last - recent:
        return False
    if not _serious(item, sensitivity=sensitivity):
        return False
    size = measure(item)
    typical = statistics.median([p.value for p in item.series.points if p.value > 0] or [0.0])
    return size.deviation >= max(MIN_ABSOLUTE_DEVIATION, NOISE_FLOOR[spec.granularity] * typical)


def _serious(item: Found, *, sensitivity: Sensitivity) -> bool:
    """Both the detector and the plain size of the move call it serious enough for the sensitivity."""
    severity = min(SEVERITY_RANK[item.incident.severity], SEVERITY_RANK[measure(item).severity])
    return severity >= SEVERITY_RANK[MIN_SEVERITY[sensitivity]]


def _is_rebound(item: Found, found: Sequence[Found], *, sensitivity: Sensitivity) -> bool:
    """A move against a serious incident of the same metric that began shortly before is the baseline settling back
    (the detector learned the first incident's level), not news: the recovery follow-up already covers it.

    A blip too small to alert on teaches the baseline nothing, a collapse to almost zero is never a baseline
    settling back, and neither is a move that cut the other short (the detector opens one only past what the same
    time usually holds, and the other's thread says a new incident began): none of them hides an incident.
    """
    if item.incident.kind == "near_zero" or any(
        other.series.spec.key == item.series.spec.key
        and other.incident.superseded_by is not None
        and other.incident.end == item.incident.start
        for other in found
    ):
        return False
    for other in found:
        if other.series.spec.metric != item.series.spec.metric or other.incident.direction == item.incident.direction:
            continue
        if not _serious(other, sensitivity=sensitivity):
            continue
        if other.incident.start <= item.incident.start <= other.incident.start + REBOUND_WINDOW:
            return True
    return False


async def draft(
    group: AlertGroup,
    *,
    ctx: ToolContext,
    scanned: Scan,
    sensitivity: str,
    sample: bool = False,
) -> AlertDraft:
    """The alert for `group`: headline, likely cause (a failed explanation leaves only the headline), what else moved,
    and what was annotated (GA4) or noted (Lookout) on the day it started, as a possible explanation.

    `sample`: the numbers are the built-in sample property's, and the context line says so.
    """
    primary = group.primary
    incident = primary.incident
    try:
        explanation = await explain_group(group, ctx=ctx, found=scanned.found, series=scanned.series)
    except Exception:
        log.exception("could not explain the alert on %s; it goes out without drivers", primary.series.spec.key)
        explanation = Explanation(lines=[], cause="unknown")
    head = messages.headline(
        label=primary.series.spec.label,
        kind=incident.kind,
        direction=incident.direction,
        start=incident.start,
        expected=incident.expected,
        actual=incident.actual,
        hourly=primary.series.spec.granularity == "hourly",
    )
    lines = [head, *explanation.lines]
    also = sorted({item.series.spec.label + _granularity_note(item) for item in group.also})
    if also:
        lines.append(messages.also_moved(also))
    started = incident.start.date()  # the property's day the incident started
    annotated = await context_lines(ctx, start=started, end=started)
    if annotated:
        lines.append(note_messages.alert_annotations(annotated))
    source = "GA4" if primary.series.spec.source == "ga4" else "Search Console"
    context = messages.source_context(
        source=source, sensitivity=sensitivity, severity=primary.incident.severity, sample=sample
    )
    return AlertDraft(group=group, headline=head, lines=lines, context=context)


def _granularity_note(found: Found) -> str:
    return " (hourly)" if found.series.spec.granularity == "hourly" else " (daily)"
