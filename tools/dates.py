"""Date handling shared by the tools: GA4's relative forms, validation with messages a model can act on."""

from __future__ import annotations

import re
from datetime import date, timedelta

from pydantic import BaseModel, Field

from tools.base import ToolError

_DAYS_AGO = re.compile(r"^(\d{1,4})daysAgo$")


class DateRangeInput(BaseModel):
    """A date range as the model writes it: YYYY-MM-DD or a relative form (today, yesterday, NdaysAgo)."""

    start_date: str = Field(description="YYYY-MM-DD, 'today', 'yesterday' or 'NdaysAgo' (e.g. '28daysAgo').")
    end_date: str = Field(description="YYYY-MM-DD, 'today', 'yesterday' or 'NdaysAgo'. Inclusive.")
    name: str | None = Field(default=None, description="Optional label for this range, echoed in results.")


class ResolvedDateRange(BaseModel):
    """The exact dates a result covers, echoed back so the answer can state them."""

    name: str | None = None
    start_date: date
    end_date: date

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def label(self) -> str:
        return f"{self.start_date.isoformat()} to {self.end_date.isoformat()}"

    def as_input(self) -> DateRangeInput:
        """These exact dates as a report asks for them, under the same name."""
        return DateRangeInput(
            start_date=self.start_date.isoformat(), end_date=self.end_date.isoformat(), name=self.name
        )


def parse_date(value: str, *, today: date, field: str) -> date:
    text = value.strip()
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    match = _DAYS_AGO.match(text)
    if match:
        return today - timedelta(days=int(match.group(1)))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ToolError(
            f"{field} {value!r} is not a date. Use YYYY-MM-DD, 'today', 'yesterday' or 'NdaysAgo' (e.g. '7daysAgo')."
        ) from None


def resolve_range(
    spec: DateRangeInput,
    *,
    today: date,
    name: str | None = None,
    latest: date | None = None,
    earliest: date | None = None,
) -> ResolvedDateRange:
    """Resolve and check one range: end not before start, nothing after `latest` (default today)."""
    start = parse_date(spec.start_date, today=today, field="start_date")
    end = parse_date(spec.end_date, today=today, field="end_date")
    last = latest or today
    if end < start:
        raise ToolError(f"end_date {end} is before start_date {start}; swap them or fix the range.")
    if start > last:
        raise ToolError(f"start_date {start} is in the future (the latest date with data is {last}).")
    if end > last:
        raise ToolError(
            f"end_date {end} is in the future (the latest date with data is {last}); use {last} or earlier."
        )
    if earliest is not None and end < earliest:
        raise ToolError(f"The range ends before {earliest}, the earliest date this source has data for.")
    return ResolvedDateRange(name=name or spec.name, start_date=start, end_date=end)


def previous_period(current: ResolvedDateRange, *, name: str = "previous") -> ResolvedDateRange:
    """The same number of days immediately before `current`."""
    end = current.start_date - timedelta(days=1)
    return ResolvedDateRange(name=name, start_date=end - timedelta(days=current.days - 1), end_date=end)


def resolve_periods(
    current: DateRangeInput,
    previous: DateRangeInput | None,
    *,
    today: date,
    latest: date | None = None,
    earliest: date | None = None,
) -> tuple[ResolvedDateRange, ResolvedDateRange]:
    """Two periods to compare, named current and previous; `previous` defaults to the same number of days before."""
    now = resolve_range(current, today=today, name="current", latest=latest, earliest=earliest)
    if previous is None:
        return now, previous_period(now)
    return now, resolve_range(previous, today=today, name="previous", latest=latest, earliest=earliest)
