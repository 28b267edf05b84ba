"""What anomaly alerts say: the headline, the likely cause, the drivers, the buttons, and the recovery follow-up.

Values from Google (segment names, page paths, the property's name) go through `inert`; numbers are ours.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.text.escape import escape, in_code, in_emphasis, inert
from bot.text.sample import SAMPLE_NOTE
from tools.anomaly.models import IncidentKind

Block = dict[str, Any]

ACTION_EXPECTED = "lookout_alert_expected"
ACTION_MUTE = "lookout_alert_mute"
ACTION_ASK = "lookout_alert_ask"
MINUS = "−"


def _number(value: float) -> str:
    return f"{round(value):,}"


def _when(moment: datetime, *, hourly: bool) -> str:
    day = f"{moment.strftime('%b')} {moment.day}"
    return f"{day} {moment.strftime('%H:%M')}" if hourly else day


def headline(
    *, label: str, kind: str, direction: str, start: datetime, expected: float, actual: float, hourly: bool
) -> str:
    per = "an hour" if hourly else "a day"
    since = _when(start, hourly=hourly)
    if kind == "near_zero":
        title = f"{label} dropped to almost zero"
        icon = ":red_circle:"
    else:
        change = (actual - expected) / expected * 100 if expected else 0.0
        verb = "rose" if direction == "up" else "fell"
        title = f"{label} {verb} {abs(round(change))} %"
        icon = ":large_orange_circle:" if direction == "up" else ":red_circle:"
    return f"{icon} *{escape(title)}* since {since} — expected about {_number(expected)} {per}, got {_number(actual)}."


# ---------------------------------------------------------------------------------------------- likely causes


def cause_tracking(*, clicks: float | None) -> str:
    clicks_text = f" ({_number(clicks)} the last complete day)" if clicks is not None else ""
    return (
        f"Search Console clicks are normal{clicks_text}, so visitors still arrive: the GA4 tag has probably stopped "
        "firing. All channels and devices are affected equally."
    )


CAUSE_TRACKING_NO_GSC = (
    "All channels and devices dropped together, which usually means the GA4 tag stopped firing (or consent "
    "blocks it) rather than visitors staying away."
)


def _share(share: float) -> str:
    # Segments moving against the total can push one segment's share past 100 %; say it in words instead.
    return "almost all" if share >= 0.9 else f"{round(share * 100)} %"


def _segment(value: str) -> str:
    # A segment is GA4's or Search Console's text (a page path, a source, a query): shown, never a link.
    return (
        f"`{in_code(inert(value))}`" if value.startswith("/") or " × /" in value else f"*{in_emphasis(inert(value))}*"
    )


def cause_bots(*, segment: str, share: float) -> str:
    return (
        f"The extra traffic ({_share(share)} of it) comes from {_segment(segment)}, with no key events "
        "— likely bot traffic."
    )


def cause_organic(*, segment: str, share: float, seen_in_search_console: bool) -> str:
    text = f"The drop comes from {_segment(segment)} ({_share(share)} of it)."
    if seen_in_search_console:
        text += " Google sends fewer clicks to these pages, so it looks like rankings, not tracking."
    return text


def driver_line(*, dimension: str, value: str, change: float, share: float | None) -> str:
    sign = "+" if change > 0 else MINUS
    share_text = f" ({_share(share)} of the change)" if share is not None else ""
    return f"• {escape(_dimension_label(dimension))} {_segment(value)}: {sign}{_number(abs(change))}{share_text}"


def _dimension_label(dimension: str) -> str:
    return {
        "sessionDefaultChannelGroup": "Channel",
        "sessionSourceMedium": "Source / medium",
        "deviceCategory": "Device",
        "country": "Country",
        "landingPage": "Landing page",
        "landingPageGroup": "Page group",
        "channel × landingPageGroup": "Channel × page group",
        "query": "Query",
        "page": "Page",
        "pageGroup": "Page group",
        "device": "Device",
    }.get(dimension, dimension)


def also_moved(labels: list[str]) -> str:
    return "Also affected: " + ", ".join(inert(label) for label in labels) + "."


SEVERITY_LABEL = {"info": "Info", "warning": "Warning", "critical": "Critical"}


def source_context(*, source: str, sensitivity: str, severity: str, sample: bool = False) -> str:
    """`sample`: the alert was made from the built-in sample property, and says so first."""
    label = SEVERITY_LABEL.get(severity, "Info")
    text = f"{label} · {inert(source)} · sensitivity {escape(sensitivity)} · one alert per incident"
    return f"{SAMPLE_NOTE} · {text}" if sample else text


CHART_HIGHLIGHT = "Unusual"
CHART_THIS_PERIOD = "This period"
CHART_WEEK_BEFORE = "A week before"  # dashed


def chart_title(*, label: str, hourly: bool) -> str:
    """Plain text (a file title shows entities as typed): the metric label is ours, not Google's."""
    return (
        f"{label} per hour, last 7 days (dashed: the week before)"
        if hourly
        else (f"{label} per day, last 4 weeks (dashed: the week before)")
    )


def alert_blocks(*, lines: list[str], context: str, incident_id: int) -> list[Block]:
    value = str(incident_id)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context[:3000]}]},
        {
            "type": "actions",
            "block_id": f"lookout_alert_{value}",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Expected"}, "action_id": ACTION_EXPECTED,
                 "value": value},
                {"type": "button", "text": {"type": "plain_text", "text": "Mute 7 days"}, "action_id": ACTION_MUTE,
                 "value": value},
                {"type": "button", "text": {"type": "plain_text", "text": "Ask Lookout why"}, "action_id": ACTION_ASK,
                 "value": value, "style": "primary"},
            ],
        },
    ]  # fmt: skip


def recovered(*, since: datetime, affected: timedelta, hourly: bool) -> str:
    hours = max(1, round(affected.total_seconds() / 3600))
    duration = _count(hours, "hour") if hourly or hours < 48 else _count(round(hours / 24), "day")
    return f":white_check_mark: Back to normal since {_when(since, hourly=hourly)}, {duration} affected."


def settled(*, label: str, direction: str, relative: float, since: datetime, hourly: bool) -> str:
    """The follow-up of an incident the detector no longer finds unusual while the values stay far from the
    same hours or days of the four weeks before: a new level, not a recovery."""
    way = "above" if direction == "up" else "below"
    return (
        f":arrow_right: Not back to normal: since {_when(since, hourly=hourly)}, *{escape(label)}* stayed about "
        f"{round(relative * 100)} % {way} the same {'hours' if hourly else 'days'} of the four weeks before. "
        "Lookout now takes this as the usual level, so this alert is closed."
    )


def came_back(*, label: str, direction: str, start: datetime, expected: float, actual: float, hourly: bool) -> str:
    """The follow-up of an incident said to be back to normal whose event came back (the same series, the same
    way, within two days): one alert per event, so this goes in its thread."""
    per = "an hour" if hourly else "a day"
    icon, verb = (":arrow_up:", "rose") if direction == "up" else (":arrow_down:", "fell")
    return (
        f"{icon} It came back: *{escape(label)}* {verb} again since {_when(start, hourly=hourly)} — expected about "
        f"{_number(expected)} {per}, got {_number(actual)}."
    )


def superseded(*, at: datetime, hourly: bool, by: IncidentKind) -> str:
    """The follow-up of an incident that did not recover: while it was open the values fell to almost zero, or
    turned sharply the other way, which the detector reads as an incident of its own (it may be alerted, or muted,
    on its own terms)."""
    if by == "spike":
        icon, what = ":arrow_up:", "rose well above what was expected"
    elif by == "near_zero":
        icon, what = ":arrow_down:", "fell to almost zero"
    else:
        icon, what = ":arrow_down:", "fell well below what was expected"
    when = _when(at, hourly=hourly)
    return f"{icon} This ended {when}, when the values {what}: not a return to normal, but a new incident."


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def marked_expected(*, user_id: str) -> str:
    return f":ok_hand: <@{escape(user_id)}> marked this as expected; similar alerts are paused for 3 days."


def muted(*, user_id: str) -> str:
    return f":no_bell: <@{escape(user_id)}> muted similar alerts for 7 days."


def ask_question(*, summary: str) -> str:
    """The question handed to the agent for "Ask Lookout why" (our own summary, not Google's text)."""
    return f"Why did this happen, and what should we check first? The alert said: {summary}"


ASK_STARTED = "Looking into it…"
