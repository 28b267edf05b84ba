"""Calendar periods a scheduled post reports on: the day before, the last complete ISO week (Monday to Sunday), the
last complete calendar month; the periods they are compared with; and the claim key that makes each post once.

Dates are local to the property (GA4 reports days in the property's timezone), so a period never includes the day
it is posted on, whatever the timezone or daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from storage.tables.schedule import DigestCadence

WEEK = timedelta(days=7)
# The same ISO week a year before: 52 weeks back keeps Monday to Sunday (a calendar year back would not).
YEAR_OF_WEEKS = timedelta(weeks=52)


@dataclass(frozen=True, kw_only=True)
class Period:
    """`start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _month(year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(start=first, end=following - timedelta(days=1))


def reported_period(cadence: DigestCadence, *, local_day: date) -> Period:
    """What a digest posted on `local_day` reports: yesterday, the last complete week, the last complete month."""
    if cadence is DigestCadence.WEEKLY:
        monday = local_day - timedelta(days=local_day.weekday()) - WEEK
        return Period(start=monday, end=monday + timedelta(days=6))
    if cadence is DigestCadence.MONTHLY:
        last = local_day.replace(day=1) - timedelta(days=1)
        return _month(last.year, last.month)
    yesterday = local_day - timedelta(days=1)
    return Period(start=yesterday, end=yesterday)


def previous_period(cadence: DigestCadence, period: Period) -> Period:
    """The period just before: the week before, the month before (its own length), the day before."""
    if cadence is DigestCadence.MONTHLY:
        last = period.start - timedelta(days=1)
        return _month(last.year, last.month)
    shift = WEEK if cadence is DigestCadence.WEEKLY else timedelta(days=1)
    return Period(start=period.start - shift, end=period.end - shift)


def year_before(cadence: DigestCadence, period: Period) -> Period:
    """The same period a year earlier: 52 weeks back for a week, the same calendar month for a month."""
    if cadence is DigestCadence.MONTHLY:
        return _month(period.start.year - 1, period.start.month)
    return Period(start=period.start - YEAR_OF_WEEKS, end=period.end - YEAR_OF_WEEKS)


def recent_periods(cadence: DigestCadence, period: Period, *, count: int) -> list[Period]:
    """The last `count` periods ending with `period`, oldest first (the chart's weeks or months)."""
    periods = [period]
    while len(periods) < count:
        periods.append(previous_period(cadence, periods[-1]))
    return list(reversed(periods))


def posts_on(cadence: DigestCadence, *, weekday: int, local_day: date) -> bool:
    """Daily digests post every day; weekly ones on their weekday (0 = Monday); monthly ones on the 1st."""
    if cadence is DigestCadence.WEEKLY:
        return local_day.weekday() == weekday
    if cadence is DigestCadence.MONTHLY:
        return local_day.day == 1
    return True


def period_key(cadence: DigestCadence, *, local_day: date) -> str:
    """The claim period of the digest posted on `local_day`, named after what it reports, so a week or month is
    posted once even if its weekday is changed in between."""
    if cadence is DigestCadence.WEEKLY:
        year, week, _ = reported_period(cadence, local_day=local_day).start.isocalendar()
        return f"digest-week:{year}-W{week:02d}"
    if cadence is DigestCadence.MONTHLY:
        return f"digest-month:{reported_period(cadence, local_day=local_day).start.strftime('%Y-%m')}"
    return f"digest:{local_day.isoformat()}"
