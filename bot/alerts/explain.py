"""Why an alert fired, in a sentence or two: `explain_change` ranks the segments, and the other watched series
tell tracking problems (GA4 down, Search Console normal) from real drops and bot traffic (no key events)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.text import alerts as messages
from tools.anomaly.watch import AlertGroup, Found, Series
from tools.dates import DateRangeInput

if TYPE_CHECKING:
    from tools.context import ToolContext
    from tools.explain import ExplainChangeResult, Segment

BOT_SHARE = 0.6
DRIVER_SHARE = 0.3


@dataclass(frozen=True, kw_only=True)
class Explanation:
    lines: list[str]
    cause: str  # "tracking", "bots", "organic", "segments" or "unknown"


def incident_window(found: Found, *, last_day: date) -> tuple[date, date]:
    """The days the incident covers so far (at most a week), to compare with the same days a week before."""
    start = found.incident.start.date()
    end = found.incident.end.date() if found.incident.end is not None else last_day
    end = max(start, min(end, last_day, start + timedelta(days=6)))
    return start, end


def _range(start: date, end: date, name: str) -> DateRangeInput:
    return DateRangeInput(start_date=start.isoformat(), end_date=end.isoformat(), name=name)


async def explain_group(
    group: AlertGroup, *, ctx: ToolContext, found: Sequence[Found], series: Sequence[Series]
) -> Explanation:
    # The analysis tools (google-analytics-data) load with the first alert, not when `lookout serve` starts.
    from tools.explain import ExplainChangeInput, explain_change

    primary = group.primary
    spec = primary.series.spec
    latest = primary.series.points[-1].timestamp
    last_day = latest.date()
    hours = None
    if spec.granularity == "hourly" and primary.incident.start.date() < last_day:
        last_day -= timedelta(days=1)  # compare whole days only: today is still partial
    elif spec.granularity == "hourly":
        # It began today, which is still partial: today's hours since it began against the same hours a week
        # before (a part of a day against a whole one would make every segment look down).
        hours = list(range(primary.incident.start.hour, max(primary.incident.start.hour, latest.hour) + 1))
    start, end = incident_window(primary, last_day=last_day)
    args = ExplainChangeInput(
        metric=spec.metric,
        current=_range(start, end, "current"),
        previous=_range(start - timedelta(days=7), end - timedelta(days=7), "previous"),
        source=spec.source,
        dimensions=["query", "page"] if spec.source == "gsc" else None,
        top=10,
        hours=hours,
    )
    result = await explain_change(args, ctx)
    return interpret(group, result, found=found, series=series)


def interpret(
    group: AlertGroup, result: ExplainChangeResult, *, found: Sequence[Found], series: Sequence[Series]
) -> Explanation:
    primary = group.primary
    spec = primary.series.spec
    start = primary.incident.start
    if result.total_change * (1 if primary.incident.direction == "up" else -1) <= 0:
        # The days compared moved the other way (or not at all): their segments cannot explain this incident, and
        # naming them would contradict the alert's own headline.
        return Explanation(lines=[], cause="unknown")

    def moved(key: str, direction: str) -> bool:
        return any(
            f.series.spec.key == key and f.incident.direction == direction and abs(f.incident.start - start).days <= 2
            for f in found
        )

    if spec.source == "ga4" and primary.incident.direction == "down" and result.concentration.startswith("Broad"):
        clicks = next((s for s in series if s.spec.key == "gsc:clicks:daily"), None)
        if clicks is not None and not moved("gsc:clicks:daily", "down"):
            return Explanation(lines=[messages.cause_tracking(clicks=clicks.points[-1].value)], cause="tracking")
        if clicks is None:
            return Explanation(lines=[messages.CAUSE_TRACKING_NO_GSC], cause="tracking")
    segments = result.segments
    if primary.incident.direction == "up" and spec.metric == "sessions" and not moved("ga4:keyEvents:daily", "up"):
        concentrated = [s for s in segments if (s.share_of_change or 0) >= BOT_SHARE]
        country = next((s for s in concentrated if s.dimension == "country"), None)
        top = country or (concentrated[0] if concentrated else None)
        if top is not None:
            return Explanation(
                lines=[messages.cause_bots(segment=top.value, share=top.share_of_change or 0.0)], cause="bots"
            )
    if primary.incident.direction == "down":
        organic = _organic_segment(segments)
        if organic is not None:
            in_gsc = spec.source == "gsc" or moved("gsc:clicks:daily", "down")
            line = messages.cause_organic(
                segment=organic.value, share=organic.share_of_change or 0.0, seen_in_search_console=in_gsc
            )
            return Explanation(lines=[line], cause="organic")
    drivers = [s for s in segments if s.share_of_change is not None and s.share_of_change >= DRIVER_SHARE][:3]
    if drivers:
        lines = [
            messages.driver_line(dimension=s.dimension, value=s.value, change=s.change, share=s.share_of_change)
            for s in drivers
        ]
        return Explanation(lines=lines, cause="segments")
    return Explanation(lines=[], cause="unknown")


def _organic_segment(segments: Sequence[Segment]) -> Segment | None:
    """A page group or an organic channel × page group carrying most of a drop: rankings, not the site."""
    for segment in segments:
        share = segment.share_of_change or 0.0
        if share < 0.5:
            continue
        if segment.dimension in ("landingPageGroup", "pageGroup", "channel × landingPageGroup"):
            return segment
        if segment.dimension == "sessionDefaultChannelGroup" and segment.value == "Organic Search":
            return segment
    return None
