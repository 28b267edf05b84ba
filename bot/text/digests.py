"""What weekly and monthly digests say: the heading, the KPI lines, each win, risk and next step, the data notes.

Numbers arrive formatted (`bot.digest.periodic_blocks` formats them for the property's currency); every label that
came from Google (channels, pages, queries, the property's name, event names) is made inert here.
"""

from __future__ import annotations

from datetime import date

from bot.text.escape import escape, in_code, in_emphasis, inert, strip_mentions


def short_range(start: date, end: date) -> str:
    """`Nov 9–15`, `Nov 30–Dec 6`, `Dec 29, 2025–Jan 4, 2026`."""
    if start.year != end.year:
        return f"{start.strftime('%b')} {start.day}, {start.year}–{end.strftime('%b')} {end.day}, {end.year}"
    if start.month != end.month:
        return f"{start.strftime('%b')} {start.day}–{end.strftime('%b')} {end.day}"
    if start == end:
        return f"{start.strftime('%b')} {start.day}"
    return f"{start.strftime('%b')} {start.day}–{end.day}"


def dated_range(start: date, end: date) -> str:
    """`Nov 10–16, 2025`: a range with its year."""
    text = short_range(start, end)
    return text if start.year != end.year else f"{text}, {end.year}"


def month_name(day: date) -> str:
    return f"{day.strftime('%B')} {day.year}"


def weekly_heading(*, title: str, start: date, end: date, previous: str, year_ago: str) -> str:
    return (
        f"*{in_emphasis(inert(title))} — week of {short_range(start, end)}, {end.year}*  ·  vs {previous} "
        f"and the same week last year ({year_ago})"
    )


def monthly_heading(*, title: str, month: date, previous: date, year_ago: date) -> str:
    return (
        f"*{in_emphasis(inert(title))} — {month_name(month)}*  ·  vs {month_name(previous)} "
        f"and the same month last year ({month_name(year_ago)})"
    )


def versus(*, weekly: bool) -> str:
    """The short name of the comparison with the previous period."""
    return "w/w" if weekly else "m/m"


def kpi_line(*, label: str, value: str, vs_previous: str, vs_year: str, unit: str) -> str:
    return f"*{in_emphasis(escape(label))}*  {value}  ·  {vs_previous} {unit}  ·  {vs_year} y/y"


WINS = "Wins"
RISKS = "Risks"
NEXT_STEPS = "Next steps"
NOT_AVAILABLE = "n/a"


def section(*, name: str, points: list[str]) -> str:
    return f"*{name}*\n" + "\n".join(f"• {point}" for point in points)


def kpi_move(*, label: str, value: str, vs_previous: str, vs_year: str, unit: str, driver: str) -> str:
    return f"{escape(label)} {value} ({vs_previous} {unit}, {vs_year} y/y){driver}"


def led_by(*, segment: str, amount: str, what: str, won: bool) -> str:
    return f", {'led by' if won else 'mostly'} {segment} ({amount} {what})"


def channel_label(label: str) -> str:
    return inert(label)


def page_label(label: str) -> str:
    return f"`{in_code(inert(label))}`"


def query_label(label: str) -> str:
    return f"“{inert(label)}”"


def query_rose(*, query: str, position: str, before: str, impressions: str) -> str:
    return (
        f"{query_label(query)} entered the top 5 in Search Console: position {position}, was {before} "
        f"({impressions} impressions)"
    )


def hollow_growth(*, channel: str, change: str, added: str, events_before: str, events_after: str, unit: str) -> str:
    return (
        f"{channel_label(channel)} sessions {change} {unit} ({added}) while its key events did not grow "
        f"({events_before} → {events_after})"
    )


def quiet(*, improved: bool, unit: str) -> str:
    return f"No KPI {'rose' if improved else 'fell'} 5 % or more {unit}."


def striking_step(*, candidates: int, ctr: str, query: str, position: str, impressions: str) -> str:
    plural = "queries sit" if candidates != 1 else "query sits"
    return (
        f"{candidates:,} {plural} at positions 8–20 with a CTR at or below that band's {ctr} — start with "
        f"{query_label(query)} (position {position}, {impressions} impressions): its title, snippet and internal "
        "links are where a few places are won. Ask me for the full list."
    )


def page_step(*, page: str, amount: str, change: str, unit: str) -> str:
    return f"Look into {page_label(page)}: {amount} sessions ({change} {unit}) as a landing page."


def channel_step(*, channel: str, sessions: str, key_events: str, unit: str) -> str:
    return f"Lean into {channel_label(channel)}: {sessions} sessions and {key_events} key events {unit}."


def sources(*, property_label: str | None, period: str, site_label: str | None, site_period: str | None) -> str:
    parts = []
    if property_label:
        parts.append(f"GA4 {inert(property_label)} · {period}")
    if site_label:
        days = f" · {site_period} (complete days, against as many days before)" if site_period else ""
        parts.append(f"Search Console {escape(site_label)}{days}")
    return " · ".join(parts) + " · never includes today · `/lookout subscriptions` to change or stop"


def no_year_ago(*, weekly: bool) -> str:
    return f"GA4 has no data for the same {'week' if weekly else 'month'} last year, so y/y shows n/a."


def unknown_kpis(*, names: list[str]) -> str:
    listed = ", ".join(f"`{in_code(inert(name))}`" for name in names)
    return (
        f"Not in this GA4 property, so left out: {listed}. Choose KPIs again in App Home or with "
        "`/lookout digest #channel weekly kpis=…`."
    )


def fallback(*, title: str, what: str, sessions: str | None, change: str | None, unit: str) -> str:
    head = f"{inert(title)} {what}"
    if sessions is None:
        return head
    return f"{head}: {sessions} sessions ({change} {unit})"


def weekly_what(*, start: date, end: date, sample: bool) -> str:
    return f"weekly digest, {short_range(start, end)}" + (" (sample data)" if sample else "")


def monthly_what(*, month: date, sample: bool) -> str:
    return f"monthly digest, {month_name(month)}" + (" (sample data)" if sample else "")


def chart_title(*, title: str, weekly: bool, count: int) -> str:
    # A file title is plain text (entities would show as typed), so the property's name only loses any mention.
    unit = "week" if weekly else "month"
    return f"Sessions by {unit}, last {count} {unit}s — {strip_mentions(title)}"


def chart_series(*, weekly: bool) -> tuple[str, str]:
    """The chart's two series: this year's periods and the same periods a year before."""
    return ("Sessions", "Same weeks last year" if weekly else "Same months last year")
