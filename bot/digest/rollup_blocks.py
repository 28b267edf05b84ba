"""What a roll-up digest looks like in Slack: a heading that says it is a roll-up, one line per property (biggest
movers first), the total, the properties that could not be read, and "and N more" past the cap.

Numbers are formatted here (each property's own currency); the words are `bot.text.rollups`'s.
"""

from __future__ import annotations

from typing import Any

from bot.digest.blocks import MAX_BLOCKS, format_money, format_number, section_context, section_text
from bot.digest.rollup import Figure, RollupLine, RollupReport
from bot.text import rollups as words
from bot.text.sample import SAMPLE_DIGEST

Block = dict[str, Any]
MINUS = "−"
LINES_PER_SECTION = 10  # a section holds 3,000 characters; ten property lines stay well inside it
MARKED = 0.10  # a property whose sessions moved this much or more gets 📈 / 📉


def change_text(figure: Figure) -> str:
    """`+14 %`, `−3 %`, `0 %`, `new` (from nothing), `n/a` (nothing either side)."""
    change = figure.change
    if change is None:
        return words.NEW if figure.value else "n/a"
    percent = round(change * 100)
    if percent > 0:
        return f"+{percent:,} %"
    return f"{MINUS}{abs(percent):,} %" if percent < 0 else "0 %"


def _marker(figure: Figure) -> str:
    change = figure.change
    if change is None:
        return "📈" if figure.value else "•"
    if change >= MARKED:
        return "📈"
    return "📉" if change <= -MARKED else "•"


def _figures(sessions: Figure, key_events: Figure, revenue: Figure, currency: str | None) -> list[str]:
    shown = [
        words.figure(label=words.SESSIONS, value=format_number(sessions.value), change=change_text(sessions)),
        words.figure(label=words.KEY_EVENTS, value=format_number(key_events.value), change=change_text(key_events)),
    ]
    if currency is None:
        shown.append(words.MIXED_CURRENCIES)
    elif revenue.value or revenue.previous:
        money = format_money(revenue.value, currency)
        shown.append(words.figure(label=words.REVENUE, value=money, change=change_text(revenue)))
    else:
        shown.append(words.NO_REVENUE)
    return shown


def property_line(line: RollupLine) -> str:
    figures = _figures(line.sessions, line.key_events, line.revenue, line.currency)
    return words.property_line(marker=_marker(line.sessions), name=line.name or line.property_id, figures=figures)


def _heading(report: RollupReport) -> str:
    count = len(report.lines) + len(report.failures) + report.more
    return words.heading(
        count=count,
        cadence=report.cadence.value,
        start=report.period.start,
        end=report.period.end,
        previous_start=report.previous.start,
        previous_end=report.previous.end,
    )


def rollup_blocks(report: RollupReport, *, channel_hint: str) -> list[Block]:
    """The post's blocks; `channel_hint` is how the "and N more" line names this channel in its command."""
    blocks: list[Block] = [section_text(_heading(report))]
    if report.sample:
        blocks.append(section_context(SAMPLE_DIGEST))
    blocks.append(
        section_context(
            words.explainer(
                chosen=report.chosen, versus=words.versus(cadence=report.cadence.value), sample=report.sample
            )
        )
    )
    lines = [property_line(line) for line in report.lines]
    for start in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section_text("\n".join(lines[start : start + LINES_PER_SECTION])))
    if len(report.lines) > 1:
        total = _figures(report.total("sessions"), report.total("key_events"), report.total("revenue"), report.currency)
        blocks.append(section_text(words.total_line(count=len(report.lines), figures=total)))
    elif not report.lines and not report.failures and not report.more:
        blocks.append(section_text(words.NO_PROPERTIES))
    notes = [
        words.failure_line(name=failure.name, property_id=failure.property_id, failure=failure.failure.value)
        for failure in report.failures
    ]
    if report.more:
        notes.append(words.more_line(more=report.more, cap=report.cap, channel_hint=channel_hint))
    for start in range(0, len(notes), LINES_PER_SECTION):
        blocks.append(section_text("\n".join(notes[start : start + LINES_PER_SECTION])))
    period, previous = report.period, report.previous
    sources = words.sources(
        start=period.start, end=period.end, previous_start=previous.start, previous_end=previous.end
    )
    blocks.append(section_context(sources))
    return blocks[:MAX_BLOCKS]


def rollup_text(report: RollupReport) -> str:
    """The notification and fallback text: how many properties, and the total sessions' move."""
    sessions = report.total("sessions")
    what = words.versus(cadence=report.cadence.value)
    if not report.lines:
        return words.NOTHING_READ if report.failures else words.NO_PROPERTIES
    return words.fallback(
        count=len(report.lines), what=what, sessions=format_number(sessions.value), change=change_text(sessions)
    )
