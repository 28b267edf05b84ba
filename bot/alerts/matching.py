"""Which incidents the detector finds now are the ones an alert was posted about: what the alert check's follow-ups
(a recovery, a supersession, a return) are matched by. The series are read afresh on every check, so a stored alert
is matched to found incidents, never by identity."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.tables.base import aware_utc
from storage.tables.schedule import AlertIncident
from tools.anomaly.alerting import quiet_points
from tools.anomaly.models import NOTABLE_CHANGE
from tools.anomaly.watch import Found, Size, measure_span

SAME_EVENT = timedelta(days=2)  # incidents of one direction starting this close together are one event


def same_incident(stored: AlertIncident, found: Found, *, timezone: str) -> bool:
    """Whether `found` is the incident `stored` alerted: the same series and direction, and it spans the stored
    start or began within `SAME_EVENT` after it. Not the fingerprint: it names the kind, which changes after the
    alert (a drop that lasts becomes a level shift, `PERSISTENT_POINTS`), so its recovery would never be matched and
    the incident would stay open. Not the exact start either: a broken tag is dated from its first empty hour by the
    hourly collapse check and from its alert by the model, and which of them reports it first depends on the window
    a check reads, so the alert may be stored with one start and recover with the other."""
    if found.series.spec.key != stored.metric or found.incident.direction != stored.direction:
        return False
    start, began = aware_utc(stored.started_at), to_utc(found.incident.start, timezone)
    end = found.incident.end
    return began <= start + SAME_EVENT and (end is None or start <= to_utc(end, timezone))


def event_parts(stored: AlertIncident, found: Sequence[Found], *, timezone: str) -> list[Found]:
    """The found incidents that are `stored`'s (`same_incident`): the one it alerted, and any the same way that
    began after a lull, which the alert check holds back as the same event."""
    return [item for item in found if same_incident(stored, item, timezone=timezone)]


def closest(stored: AlertIncident, parts: Sequence[Found], *, timezone: str) -> Found | None:
    """Of `stored`'s parts (`event_parts`), the one that began nearest its start."""
    start = aware_utc(stored.started_at)
    return min(parts, key=lambda item: abs(to_utc(item.incident.start, timezone) - start), default=None)


def event_end(parts: Sequence[Found], *, timezone: str) -> Found | None:
    """Of a stored alert's parts (`event_parts`), the one that ended last; None while any of them is still going
    on, or when there is none."""
    if not parts or any(item.incident.end is None for item in parts):
        return None
    return max(parts, key=lambda item: to_utc(item.incident.end or item.incident.start, timezone))


def to_utc(moment: datetime, timezone: str) -> datetime:
    """Series timestamps are the property's wall-clock time; storage is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


def settled(found: Found) -> Size | None:
    """How far an incident that ended left its series: its values over the quiet stretch that ended it (the
    detector's `quiet_points`; a collapse's, the value that came back), against the same hours or days of the four
    weeks before; None when they are back within `NOTABLE_CHANGE` of those (and a count's noise), or moved the
    other way. What came after is the detector's to judge again (a part of the event that comes back is told in
    the thread).

    The detector ends an incident when its own expectation stops being surprised, and it learns a lasting level
    within hours: a consent banner that halves what GA4 records is "quiet" by the evening, while sessions stay at
    half for weeks. Only the series' own past says whether that is a return to normal."""
    end = found.incident.end
    points = found.series.points
    if end is None or len(points) < 2:
        return None
    step = points[-1].timestamp - points[-2].timestamp
    quiet = quiet_points(found.incident.kind, step=step.total_seconds())
    size = measure_span(found.series, start=end - (quiet - 1) * step, end=end)
    way = 1.0 if found.incident.direction == "up" else -1.0
    moved = way * (size.actual - size.baseline)
    # Three Poisson spreads too: a few quiet night hours of a small site are 20 % off by chance.
    if size.baseline <= 0 or moved < max(NOTABLE_CHANGE * size.baseline, 3 * math.sqrt(size.baseline)):
        return None
    return size
