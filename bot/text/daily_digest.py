"""What the daily digest says: its heading, metric lines, movers, unusual days, sources line and the messages that
replace it when Google cannot be read.

Numbers and changes arrive formatted (`bot.digest.blocks` formats them for the property's currency); every label
that came from Google (the property's name, page paths, queries, sources) is made inert here.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from bot.text.escape import escape, in_code, in_emphasis, inert, strip_mentions

NOT_AVAILABLE = "n/a"  # a change that cannot be computed (no value a week before)
LOWER_IS_BETTER = " (lower is better)"
UNTITLED = "Your site"  # the digest's title when the property has no name and no site is chosen
MOVERS_HEADING = "*Biggest moves vs a week before*"
UNSUBSCRIBE_HINT = "`/lookout unsubscribe` to stop"

# Why a section is missing, by the key `bot.digest.report` gives it.
PROBLEMS = {
    "ga4_not_chosen": "GA4 property not chosen — `/lookout property <id>` to add it.",
    "ga4_access": "I couldn't read the GA4 property (access denied) — check the connected Google account's access.",
    "gsc_not_chosen": "Search Console not connected — `/lookout site <site>` to add it.",
    "gsc_access": "I couldn't read the Search Console site (access denied) — check the connected account's access.",
    "gsc_no_data": "Search Console has no complete day of data yet.",
}

NOT_CONNECTED = "No digest today: Google isn't connected. Run `/lookout connect`, then `/lookout property <id>`."
NO_PROPERTY = "No digest today: no GA4 property or Search Console site is chosen. Run `/lookout property <id>`."


def weekday(day: date) -> str:
    """`Mon`: the day a daily figure is compared with, a week before."""
    return day.strftime("%a")


def long_day(day: date) -> str:
    """`Monday Nov 17`."""
    return f"{day.strftime('%A')} {day.strftime('%b')} {day.day}"


def short_day(day: date) -> str:
    """`Nov 17`."""
    return f"{day.strftime('%b')} {day.day}"


def heading(*, title: str, day: date, sources_read: list[str]) -> str:
    """`*Acme — Monday Nov 17*  ·  GA4 + Search Console`, naming only the sources the digest has numbers from."""
    read = "  ·  " + " + ".join(sources_read) if sources_read else ""
    return f"*{in_emphasis(inert(title))} — {long_day(day)}*{read}"


def search_console_day(day: date) -> str:
    return f"Search Console · {long_day(day)} (latest complete day)"


def metric_line(*, label: str, value: str, vs_last_week: str, vs_median: str, day: date) -> str:
    """One KPI in full: value, change against the same weekday a week before and against the 4-week median."""
    return f"*{in_emphasis(escape(label))}*  {value}  ·  {vs_last_week} vs last {weekday(day)}  ·  {vs_median} vs 4-week median"


def compact_metric(*, label: str, value: str, vs_last_week: str, day: date) -> str:
    """A secondary metric in a few words: value and change against the same weekday last week."""
    return f"{escape(label)} {value} ({vs_last_week} vs last {weekday(day)})"


def mover_line(*, rising: bool, kind: Literal["page", "query", "other"], label: str, amount: str, metric: str) -> str:
    arrow = ":chart_with_upwards_trend:" if rising else ":chart_with_downwards_trend:"
    if kind == "page":
        shown = f"`{in_code(inert(label))}`"
    elif kind == "query":
        shown = f":mag: “{inert(label)}”"
    else:
        shown = inert(label)
    return f"{arrow} {shown} {amount} {escape(metric)}"


def unusual_day(*, day: date, metric: str, high: bool, actual: str, expected: str) -> str:
    # "Unusually high/low" rather than "far above": the detector flags what is unusual for this series, which can be
    # a modest percentage on a steady one; the two numbers say how far. No verb, so "Sessions"/"Revenue" both read.
    word = "high" if high else "low"
    return f":warning: {short_day(day)}: *{in_emphasis(escape(metric))}* unusually {word}, {actual} against about {expected} expected."


def sources_line(*, property_label: str, site_label: str) -> str:
    """`GA4 Acme · Search Console sc-domain:acme.com · `/lookout unsubscribe` to stop`; "" when neither is known."""
    sources = []
    if property_label:
        sources.append(f"GA4 {inert(property_label)}")
    if site_label:
        sources.append(f"Search Console {escape(site_label)}")
    return " · ".join([*sources, UNSUBSCRIBE_HINT]) if sources else ""


def notification(*, title: str, day: date, sample: bool, sessions: str = "", vs_last_week: str = "") -> str:
    """The notification / fallback text of the digest message; `sessions` "" when the digest has none."""
    head = f"{inert(title)} digest for {long_day(day)}" + (" (sample data)" if sample else "")
    if not sessions:
        return head
    return f"{head}: {sessions} sessions ({vs_last_week} vs last {weekday(day)})"


CHART_SERIES = "Sessions"  # the digest chart's one line


def chart_title(*, days: int, title: str) -> str:
    # A file title is plain text (entities would show as typed), so the property's name only loses any mention.
    return f"Sessions, last {days} days — {strip_mentions(title)}"


def reconnect(*, title: str) -> str:
    """`title` "" when the property is not known yet."""
    whose = f"{inert(title)}'s" if title else "this workspace's"
    return (
        f"I can't read {whose} Google data for today's digest — the access was revoked or has expired. "
        "Run `/lookout connect` to reconnect Google."
    )
