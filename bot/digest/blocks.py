"""What the morning digest looks like in Slack: Block Kit built from a `DigestReport`, within Slack's limits.

Every value that came from Google (the property's name, page paths, queries, sources) goes through `inert`, so it
can neither ping nor become a link; numbers are formatted for the property's currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.digest.report import DigestAnomaly, DigestReport, MetricKind, MetricLine, Mover, MoverKind
from bot.text.escape import escape, inert, strip_mentions
from bot.text.sample import SAMPLE_DIGEST

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MINUS = "−"
# Search Console lines shown in full; the others (impressions, CTR) share one compact line so the post stays about
# one phone screen (UX.md) without dropping numbers the digest promises.
POSTED_GSC_KEYS = ("clicks", "position")

CURRENCY_SYMBOLS = {
    "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹", "KRW": "₩", "BRL": "R$",
    "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ", "DKK": "DKK ",
    "PLN": "PLN ", "MXN": "MX$", "SGD": "S$", "HKD": "HK$", "ZAR": "R ",
}  # fmt: skip

PROBLEMS = {
    "ga4_not_chosen": "GA4 property not chosen — `/lookout property <id>` to add it.",
    "ga4_access": "I couldn't read the GA4 property (access denied) — check the connected Google account's access.",
    "gsc_not_chosen": "Search Console not connected — `/lookout site <site>` to add it.",
    "gsc_access": "I couldn't read the Search Console site (access denied) — check the connected account's access.",
    "gsc_no_data": "Search Console has no complete day of data yet.",
}


def format_number(value: float) -> str:
    return f"{round(value):,}"


def format_money(value: float, currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    amount = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    if symbol is None:
        return f"{amount} {escape(currency.upper())}" if currency else amount
    return f"{symbol}{amount}"


def format_value(line: MetricLine, currency: str) -> str:
    if line.kind is MetricKind.CURRENCY:
        return format_money(line.value, currency)
    if line.kind is MetricKind.RATIO:
        return f"{line.value * 100:.1f} %"
    if line.kind is MetricKind.POSITION:
        return f"{line.value:.1f}"
    return format_number(line.value)


def _signed(value: float, text: str) -> str:
    return f"+{text}" if value > 0 else (f"{MINUS}{text}" if value < 0 else text)


def format_change(line: MetricLine, change: float | None) -> str:
    if change is None:
        return "n/a"
    if line.kind is MetricKind.RATIO:
        points = change * 100
        return _signed(round(points, 1), f"{abs(points):.1f} pt")
    if line.kind is MetricKind.POSITION:
        return _signed(round(change, 1), f"{abs(change):.1f}")
    percent = round(change * 100)
    return _signed(percent, f"{abs(percent)} %")


def _weekday(day: date) -> str:
    return day.strftime("%a")


def long_day(day: date) -> str:
    return f"{day.strftime('%A')} {day.strftime('%b')} {day.day}"


def short_day(day: date) -> str:
    return f"{day.strftime('%b')} {day.day}"


def metric_line(line: MetricLine, *, day: date, currency: str) -> str:
    label = line.label + (" (lower is better)" if line.kind is MetricKind.POSITION else "")
    return (
        f"*{escape(label)}*  {format_value(line, currency)}  ·  {format_change(line, line.vs_last_week)} vs last "
        f"{_weekday(day)}  ·  {format_change(line, line.vs_median)} vs 4-week median"
    )


def compact_metric(line: MetricLine, *, day: date, currency: str) -> str:
    """A secondary metric in a few words: value and change against the same weekday last week."""
    return f"{escape(line.label)} {format_value(line, currency)} ({format_change(line, line.vs_last_week)} vs last {_weekday(day)})"


def mover_text(mover: Mover) -> str:
    arrow = ":chart_with_upwards_trend:" if mover.delta > 0 else ":chart_with_downwards_trend:"
    amount = _signed(mover.delta, format_number(abs(mover.delta)))
    if mover.kind is MoverKind.PAGE:
        label = f"`{inert(mover.label)}`"
    elif mover.kind is MoverKind.QUERY:
        label = f":mag: “{inert(mover.label)}”"
    else:
        label = inert(mover.label)
    return f"{arrow} {label} {amount} {escape(mover.metric)}"


def anomaly_text(anomaly: DigestAnomaly, *, day: date) -> str:
    # "Unusually high/low" rather than "far above": the detector flags what is unusual for this series, which can be
    # a modest percentage on a steady one; the two numbers say how far. No verb, so "Sessions"/"Revenue" both read.
    word = "high" if anomaly.direction == "up" else "low"
    return (
        f":warning: {short_day(day)}: *{escape(anomaly.metric_label)}* unusually {word}, "
        f"{format_number(anomaly.actual)} against about {format_number(anomaly.expected)} expected."
    )


def section_text(text: str) -> Block:
    """A mrkdwn section within Slack's length limit."""
    if len(text) > MAX_SECTION_TEXT:
        text = text[: MAX_SECTION_TEXT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def section_context(text: str) -> Block:
    """A small-print context line within Slack's length limit."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_SECTION_TEXT]}]}


def digest_blocks(report: DigestReport) -> list[Block]:
    blocks: list[Block] = [section_text(f"*{inert(report.title)} — {long_day(report.day)}*{_sources_read(report)}")]
    if report.sample:
        blocks.append(section_context(SAMPLE_DIGEST))
    if report.ga4:
        lines = [metric_line(line, day=report.day, currency=report.currency) for line in report.ga4]
        blocks.append(section_text("\n".join(lines)))
    elif report.ga4_problem is not None:
        blocks.append(section_context(PROBLEMS[report.ga4_problem.key]))
    if report.gsc and report.gsc_day is not None:
        blocks.append(section_context(f"Search Console · {long_day(report.gsc_day)} (latest complete day)"))
        lines = [
            metric_line(line, day=report.gsc_day, currency=report.currency)
            for line in report.gsc
            if line.key in POSTED_GSC_KEYS
        ]
        blocks.append(section_text("\n".join(lines)))
        compact = [line for line in report.gsc if line.key not in POSTED_GSC_KEYS]
        if compact:
            blocks.append(
                section_context(
                    "  ·  ".join(compact_metric(line, day=report.gsc_day, currency=report.currency) for line in compact)
                )
            )
    elif report.gsc_problem is not None:
        blocks.append(section_context(PROBLEMS[report.gsc_problem.key]))
    if report.movers:
        blocks.append(
            section_text("*Biggest moves vs a week before*\n" + "\n".join(mover_text(m) for m in report.movers))
        )
    if report.anomalies:
        blocks.append(section_text("\n".join(anomaly_text(a, day=_anomaly_day(report, a)) for a in report.anomalies)))
    sources = []
    if report.property_label:
        sources.append(f"GA4 {inert(report.property_label)}")
    if report.site_label:
        sources.append(f"Search Console {escape(report.site_label)}")
    if sources:
        blocks.append(section_context(" · ".join(sources) + " · `/lookout unsubscribe` to stop"))
    return blocks[:MAX_BLOCKS]


def _sources_read(report: DigestReport) -> str:
    """The header's "· GA4 + Search Console", naming only the sources this digest has numbers from."""
    read = [name for name, lines in (("GA4", report.ga4), ("Search Console", report.gsc)) if lines]
    return "  ·  " + " + ".join(read) if read else ""


def _anomaly_day(report: DigestReport, anomaly: DigestAnomaly) -> date:
    if anomaly.metric_label == "Organic clicks" and report.gsc_day is not None:
        return report.gsc_day
    return report.day


def digest_text(report: DigestReport) -> str:
    """The notification / fallback text of the digest message."""
    sessions = next((line for line in report.ga4 if line.key == "sessions"), None)
    head = f"{inert(report.title)} digest for {long_day(report.day)}" + (" (sample data)" if report.sample else "")
    if sessions is None:
        return head
    return (
        f"{head}: {format_number(sessions.value)} sessions "
        f"({format_change(sessions, sessions.vs_last_week)} vs last {_weekday(report.day)})"
    )


def chart_title(report: DigestReport) -> str:
    # A file title is plain text (entities would show as typed), so the property's name only loses any mention.
    return f"Sessions, last {len(report.chart_series)} days — {strip_mentions(report.title)}"


UNTITLED = "Your site"  # the digest's title when the property has no name and no site is chosen


def reconnect_text(*, title: str) -> str:
    """`title` "" when the property is not known yet."""
    whose = f"{inert(title)}'s" if title else "this workspace's"
    return (
        f"I can't read {whose} Google data for today's digest — the access was revoked or has expired. "
        "Run `/lookout connect` to reconnect Google."
    )


NOT_CONNECTED = "No digest today: Google isn't connected. Run `/lookout connect`, then `/lookout property <id>`."
NO_PROPERTY = "No digest today: no GA4 property or Search Console site is chosen. Run `/lookout property <id>`."


def problem_blocks(text: str) -> list[Block]:
    return [section_text(text)]


def section_texts(blocks: Sequence[Block]) -> list[str]:
    """Every mrkdwn text in the blocks (tests and the dry run check lengths with it)."""
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(str(block["text"]["text"]))
        for element in block.get("elements", []):
            if "text" in element:
                texts.append(str(element["text"]))
    return texts
