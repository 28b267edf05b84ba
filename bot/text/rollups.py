"""What a roll-up digest says (agencies: every GA4 property the Google connection reads, one line each), and how
`/lookout` and App Home talk about roll-ups.

Numbers arrive formatted (`bot.digest.rollup_blocks`); property names come from Google and are made inert here.
"""

from __future__ import annotations

from datetime import date

from bot.text.digests import dated_range, month_name, short_range
from bot.text.escape import escape, in_emphasis, inert

ROLLUP_WORDS = ("rollup", "roll-up")
PROPERTIES_PREFIX = "properties="
ALL_PROPERTIES = "every GA4 property the Google connection reads"


def heading(*, count: int, cadence: str, start: date, end: date, previous_start: date, previous_end: date) -> str:
    """`*Roll-up · 6 GA4 properties — week of Nov 23–29, 2026*  ·  vs Nov 16–22`."""
    what = f"*Roll-up · {count} GA4 propert{'y' if count == 1 else 'ies'} — "
    if cadence == "monthly":
        return f"{what}{month_name(start)}*  ·  vs {month_name(previous_start)}"
    if cadence == "weekly":
        return f"{what}week of {dated_range(start, end)}*  ·  vs {short_range(previous_start, previous_end)}"
    day = f"{start.strftime('%A')} {start.strftime('%b')} {start.day}, {start.year}"
    return f"{what}{day}*  ·  vs the day before"


def explainer(*, chosen: bool, versus: str, sample: bool = False) -> str:
    which = "the properties chosen for this channel" if chosen else ALL_PROPERTIES
    if sample:
        which = "the sample data has one, the Demo Store; connect Google to roll up every property you manage"
    return (
        f"One line per property: {which}. Sessions, key events and revenue, {versus}; the biggest moves in "
        "sessions first."
    )


def versus(*, cadence: str) -> str:
    return {"weekly": "week over week", "monthly": "month over month"}.get(cadence, "day over day")


def figure(*, label: str, value: str, change: str) -> str:
    return f"{label} {value} ({change})"


def property_line(*, marker: str, name: str, figures: list[str]) -> str:
    return f"{marker} *{in_emphasis(inert(name))}*  ·  " + "  ·  ".join(figures)


def total_line(*, count: int, figures: list[str]) -> str:
    return f"*Total, {count} propert{'y' if count == 1 else 'ies'}*  ·  " + "  ·  ".join(figures)


SESSIONS = "Sessions"
KEY_EVENTS = "Key events"
REVENUE = "Revenue"
NO_REVENUE = "no revenue"
MIXED_CURRENCIES = "revenue not added up (several currencies)"
NEW = "new"  # a change from nothing

_WHY = {
    "access_removed": "access removed (Google no longer lets this connection read it)",
    "not_listed": "the Google connection no longer lists it",
    "quota": "its GA4 quota is used up for now",
    "unavailable": "Google didn't answer",
    "refused": "Google refused the request",
}


def failure_line(*, name: str, property_id: str, failure: str) -> str:
    shown = f"{inert(name)} (properties/{escape(property_id)})" if name else f"properties/{escape(property_id)}"
    return f"⚠️ Couldn't read *{in_emphasis(shown)}*: {_WHY.get(failure, _WHY['unavailable'])}"


def more_line(*, more: int, cap: int, channel_hint: str) -> str:
    return (
        f"…and {more} more propert{'y' if more == 1 else 'ies'} not shown: a roll-up reads at most {cap}. "
        f"Choose the ones to show with `/lookout digest {channel_hint} weekly rollup properties=ID,ID,…`."
    )


NOTHING_READ = "No GA4 property could be read for this roll-up."
NO_PROPERTIES = (
    "The Google connection doesn't list any GA4 property, so there is nothing to roll up. "
    "Grant it access to your clients' properties in GA4, then this digest fills in."
)


def sources(*, start: date, end: date, previous_start: date, previous_end: date) -> str:
    return f"GA4 · {short_range(start, end)} vs {short_range(previous_start, previous_end)} · totals of each property"


def fallback(*, count: int, what: str, sessions: str, change: str) -> str:
    return f"Roll-up of {count} GA4 propert{'y' if count == 1 else 'ies'}, {what}: {sessions} sessions ({change})."


# --------------------------------------------------------------------------------------------- settings surfaces

SHARED_CHANNEL = (
    "This channel is shared with people from other organisations, so it can't get a roll-up digest: that would show "
    "every client's numbers to them. Choose one of your own channels."
)
SHARED_CHANNEL_POST = (
    "This channel is now shared with people from other organisations, so its roll-up digest is not posted here any "
    "more: it would show every client's numbers to them. Move it to one of your own channels with `/lookout digest`."
)
KPIS_NOT_ROLLUP = (
    "A roll-up shows sessions, key events and revenue for each property; `kpis=` is for one property's digest."
)
PROPERTIES_NEED_ROLLUP = "`properties=` chooses a roll-up's properties: add `rollup`."
LIST_UNAVAILABLE = "Google didn't answer when I asked which GA4 properties the connection reads. Try again in a minute."
NEED_CONNECTION = "Connect Google first (`/lookout connect`): a roll-up lists the properties that connection reads."


def unknown_property(*, value: str, choices: list[str], more: int) -> str:
    shown = ", ".join(inert(choice) for choice in choices) or "none"
    tail = f" and {more} more" if more else ""
    return f"No GA4 property “{inert(value)}” is readable with the Google connection. It reads: {shown}{tail}."


def ambiguous_property(*, value: str, matches: list[str]) -> str:
    shown = ", ".join(inert(match) for match in matches)
    return f"“{inert(value)}” matches several GA4 properties: {shown}. Use the property id."


def which_properties(*, names: list[str]) -> str:
    """The confirmation's and the listing's words for what a roll-up reads."""
    return ", ".join(inert(name) for name in names) if names else ALL_PROPERTIES


def subscribed(*, channel_id: str, schedule: str, which: str) -> str:
    return (
        f"Roll-up digest set for <#{escape(channel_id)}>: {schedule}. It shows {which}, one line each "
        "(sessions, key events, revenue, biggest movers first)."
    )


def listed(*, count: int) -> str:
    return "roll-up of every property" if count == 0 else f"roll-up of {count} propert{'y' if count == 1 else 'ies'}"


# --------------------------------------------------------------------------------------------- App Home's modal

BLOCK_ROLLUP = "rollup"
BLOCK_PROPERTIES = "rollup_properties"
ROLLUP_VALUE = "rollup"
ROLLUP_LABEL = "Roll-up"
ROLLUP_OPTION = "Roll-up across GA4 properties"
ROLLUP_OPTION_HINT = (
    "One line per property the Google connection reads (sessions, key events, revenue) instead of this channel's "
    "own property. Not for channels shared with other organisations."
)
PROPERTIES_LABEL = "Roll-up properties"
PROPERTIES_HINT = "Ids or names, comma-separated (e.g. 123456789, Acme). Empty: every property the connection reads."
MODAL_SHARED_CHANNEL = (
    "This channel is shared with other organisations: a roll-up would show them every client's numbers."
)
