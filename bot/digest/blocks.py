"""What the morning digest looks like in Slack: Block Kit built from a `DigestReport`, within Slack's limits.

Numbers are formatted here for the property's currency; the words, and the escaping of every value that came from
Google (the property's name, page paths, queries, sources: `inert`, so it can neither ping nor become a link), are
`bot.text.daily_digest`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from bot.digest.report import DigestAnomaly, DigestReport, MetricKind, MetricLine, Mover, MoverKind
from bot.text import daily_digest as words
from bot.text.escape import escape
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
        return words.NOT_AVAILABLE
    if line.kind is MetricKind.RATIO:
        points = change * 100
        return _signed(round(points, 1), f"{abs(points):.1f} pt")
    if line.kind is MetricKind.POSITION:
        return _signed(round(change, 1), f"{abs(change):.1f}")
    percent = round(change * 100)
    return _signed(percent, f"{abs(percent)} %")


def metric_line(line: MetricLine, *, day: date, currency: str) -> str:
    return words.metric_line(
        label=line.label + (words.LOWER_IS_BETTER if line.kind is MetricKind.POSITION else ""),
        value=format_value(line, currency),
        vs_last_week=format_change(line, line.vs_last_week),
        vs_median=format_change(line, line.vs_median),
        day=day,
    )


def compact_metric(line: MetricLine, *, day: date, currency: str) -> str:
    return words.compact_metric(
        label=line.label,
        value=format_value(line, currency),
        vs_last_week=format_change(line, line.vs_last_week),
        day=day,
    )


_MOVER_KINDS: dict[MoverKind, Literal["page", "query", "other"]] = {MoverKind.PAGE: "page", MoverKind.QUERY: "query"}


def mover_text(mover: Mover) -> str:
    return words.mover_line(
        rising=mover.delta > 0,
        kind=_MOVER_KINDS.get(mover.kind, "other"),
        label=mover.label,
        amount=_signed(mover.delta, format_number(abs(mover.delta))),
        metric=mover.metric,
    )


def anomaly_text(anomaly: DigestAnomaly) -> str:
    return words.unusual_day(
        day=anomaly.day,
        metric=anomaly.metric_label,
        high=anomaly.direction == "up",
        actual=format_number(anomaly.actual),
        expected=format_number(anomaly.expected),
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
    blocks: list[Block] = [
        section_text(words.heading(title=report.title, day=report.day, sources_read=_sources_read(report)))
    ]
    if report.sample:
        blocks.append(section_context(SAMPLE_DIGEST))
    if report.ga4:
        lines = [metric_line(line, day=report.day, currency=report.currency) for line in report.ga4]
        blocks.append(section_text("\n".join(lines)))
    elif report.ga4_problem is not None:
        blocks.append(section_context(words.PROBLEMS[report.ga4_problem.key]))
    if report.gsc and report.gsc_day is not None:
        blocks.append(section_context(words.search_console_day(report.gsc_day)))
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
        blocks.append(section_context(words.PROBLEMS[report.gsc_problem.key]))
    if report.movers:
        blocks.append(section_text(words.MOVERS_HEADING + "\n" + "\n".join(mover_text(m) for m in report.movers)))
    if report.anomalies:
        blocks.append(section_text("\n".join(anomaly_text(a) for a in report.anomalies)))
    sources = words.sources_line(property_label=report.property_label or "", site_label=report.site_label or "")
    if sources:
        blocks.append(section_context(sources))
    return blocks[:MAX_BLOCKS]


def _sources_read(report: DigestReport) -> list[str]:
    """The sources this digest has numbers from, for its heading."""
    return [name for name, lines in (("GA4", report.ga4), ("Search Console", report.gsc)) if lines]


def digest_text(report: DigestReport) -> str:
    """The notification / fallback text of the digest message."""
    sessions = next((line for line in report.ga4 if line.key == "sessions"), None)
    if sessions is None:
        return words.notification(title=report.title, day=report.day, sample=report.sample)
    return words.notification(
        title=report.title,
        day=report.day,
        sample=report.sample,
        sessions=format_number(sessions.value),
        vs_last_week=format_change(sessions, sessions.vs_last_week),
    )


def chart_title(report: DigestReport) -> str:
    return words.chart_title(days=len(report.chart_series), title=report.title)


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
