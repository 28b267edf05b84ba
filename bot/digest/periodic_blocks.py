"""What a weekly or monthly digest looks like in Slack: heading, KPI lines, Wins / Risks / Next steps, data notes.

Numbers are formatted here (for the property's currency); the words are `bot.text.digests`'s.
"""

from __future__ import annotations

from typing import Any

from bot.digest.blocks import MAX_BLOCKS, format_number, format_value, section_context, section_text
from bot.digest.periodic import (
    ChannelStep,
    HollowGrowth,
    KpiLine,
    KpiMove,
    PageStep,
    PeriodicReport,
    Point,
    QueryRose,
    Quiet,
    Segment,
    StrikingStep,
)
from bot.digest.report import MetricKind, MetricLine, MoverKind
from bot.text import digests as words
from bot.text.daily_digest import PROBLEMS
from bot.text.sample import SAMPLE_DIGEST
from storage.tables.schedule import DigestCadence

Block = dict[str, Any]
MINUS = "−"


def _signed(value: float, text: str) -> str:
    return f"+{text}" if value > 0 else (f"{MINUS}{text}" if value < 0 else text)


def change_text(line: KpiLine, change: float | None) -> str:
    """`+14 %`, `−0.4` (a position), `n/a`."""
    if change is None:
        return words.NOT_AVAILABLE
    if line.kpi.kind is MetricKind.POSITION:
        return _signed(round(change, 1), f"{abs(change):.1f}")
    if line.kpi.kind is MetricKind.RATIO:
        points = change * 100
        return _signed(round(points, 1), f"{abs(points):.1f} pt")
    percent = round(change * 100)
    return _signed(percent, f"{abs(percent)} %")


def value_text(line: KpiLine, currency: str) -> str:
    as_metric = MetricLine(
        key=line.kpi.key, label=line.kpi.label, kind=line.kpi.kind, value=line.value, last_week=None, median_4w=None
    )
    return format_value(as_metric, currency)


def _amount(value: float) -> str:
    return _signed(round(value), format_number(abs(value)))


def _unit(report: PeriodicReport) -> str:
    return words.versus(weekly=report.cadence is DigestCadence.WEEKLY)


def heading(report: PeriodicReport) -> str:
    if report.cadence is DigestCadence.MONTHLY:
        return words.monthly_heading(
            title=report.title,
            month=report.period.start,
            previous=report.previous.start,
            year_ago=report.year_ago.start,
        )
    return words.weekly_heading(
        title=report.title,
        start=report.period.start,
        end=report.period.end,
        previous=words.short_range(report.previous.start, report.previous.end),
        year_ago=words.dated_range(report.year_ago.start, report.year_ago.end),
    )


def _driver(segment: Segment | None, *, won: bool, key: str) -> str:
    if segment is None:
        return ""
    by_events = key.startswith("keyEvents") or key == "sessionKeyEventRate"
    if segment.kind is MoverKind.PAGE:
        label = words.page_label(segment.label)
    elif segment.kind is MoverKind.QUERY:
        label = words.query_label(segment.label)
    else:
        label = words.channel_label(segment.label)
    what = "key events" if by_events else ("clicks" if segment.kind is MoverKind.QUERY else "sessions")
    amount = _amount(segment.key_events_delta if by_events else segment.delta)
    return words.led_by(segment=label, amount=amount, what=what, won=won)


def point_text(point: Point, report: PeriodicReport) -> str:
    """One win, risk or next step, with its numbers."""
    unit = _unit(report)
    if isinstance(point, KpiMove):
        line = point.line
        return words.kpi_move(
            label=line.kpi.label,
            value=value_text(line, report.currency),
            vs_previous=change_text(line, line.vs_previous),
            vs_year=change_text(line, line.vs_year_ago),
            unit=unit,
            driver=_driver(point.driver, won=line.improved(), key=line.kpi.key),
        )
    if isinstance(point, QueryRose):
        rank = point.rank
        return words.query_rose(
            query=rank.query,
            position=f"{rank.position:.1f}",
            before=f"{rank.position_before:.1f}",
            impressions=format_number(rank.impressions),
        )
    if isinstance(point, HollowGrowth):
        channel = point.channel
        return words.hollow_growth(
            channel=channel.label,
            change=f"+{round(100 * channel.delta / channel.before)} %",
            added=_amount(channel.delta),
            events_before=format_number(channel.key_events_before),
            events_after=format_number(channel.key_events_after),
            unit=unit,
        )
    if isinstance(point, Quiet):
        return words.quiet(improved=point.improved, unit=unit)
    return _step_text(point, unit=unit)


def _step_text(point: Point, *, unit: str) -> str:
    if isinstance(point, StrikingStep):
        found = point.striking
        return words.striking_step(
            candidates=found.candidates,
            ctr=f"{found.ctr * 100:.1f} %",
            query=found.top_query,
            position=f"{found.top_position:.1f}",
            impressions=format_number(found.top_impressions),
        )
    if isinstance(point, PageStep):
        page = point.page
        return words.page_step(
            page=page.label,
            amount=_amount(page.delta),
            change=f"{MINUS}{round(-100 * page.delta / page.before)} %",
            unit=unit,
        )
    assert isinstance(point, ChannelStep)
    channel = point.channel
    return words.channel_step(
        channel=channel.label, sessions=_amount(channel.delta), key_events=_amount(channel.key_events_delta), unit=unit
    )


def periodic_blocks(report: PeriodicReport) -> list[Block]:
    blocks: list[Block] = [section_text(heading(report))]
    if report.sample:
        blocks.append(section_context(SAMPLE_DIGEST))
    unit = _unit(report)
    if report.lines:
        blocks.append(
            section_text(
                "\n".join(
                    words.kpi_line(
                        label=line.kpi.label,
                        value=value_text(line, report.currency),
                        vs_previous=change_text(line, line.vs_previous),
                        vs_year=change_text(line, line.vs_year_ago),
                        unit=unit,
                    )
                    for line in report.lines
                )
            )
        )
    for name, points in ((words.WINS, report.wins), (words.RISKS, report.risks), (words.NEXT_STEPS, report.steps)):
        if points:
            blocks.append(section_text(words.section(name=name, points=[point_text(p, report) for p in points])))
    blocks.extend(section_context(note) for note in notes(report))
    return blocks[:MAX_BLOCKS]


def notes(report: PeriodicReport) -> list[str]:
    """Missing sources, missing history, unknown KPIs, and where the numbers came from."""
    found = [PROBLEMS[problem.key] for problem in (report.ga4_problem, report.gsc_problem) if problem is not None]
    weekly = report.cadence is DigestCadence.WEEKLY
    if report.property_label and report.ga4_problem is None and not report.ga4_year_ago:
        found.append(words.no_year_ago(weekly=weekly))
    if report.unknown_kpis:
        found.append(words.unknown_kpis(names=report.unknown_kpis))
    site_period = report.gsc_period
    found.append(
        words.sources(
            property_label=report.property_label if report.ga4_problem is None else None,
            period=words.short_range(report.period.start, report.period.end),
            site_label=report.site_label if report.gsc_problem is None else None,
            site_period=None if site_period is None else words.short_range(site_period.start, site_period.end),
        )
    )
    return found


def periodic_text(report: PeriodicReport) -> str:
    """The notification / fallback text."""
    if report.cadence is DigestCadence.MONTHLY:
        what = words.monthly_what(month=report.period.start, sample=report.sample)
    else:
        what = words.weekly_what(start=report.period.start, end=report.period.end, sample=report.sample)
    sessions = next((line for line in report.lines if line.kpi.key == "sessions"), None)
    return words.fallback(
        title=report.title,
        what=what,
        sessions=None if sessions is None else format_number(sessions.value),
        change=None if sessions is None else change_text(sessions, sessions.vs_previous),
        unit=_unit(report),
    )


def periodic_chart_title(report: PeriodicReport) -> str:
    return words.chart_title(title=report.title, weekly=report.cadence is DigestCadence.WEEKLY, count=len(report.chart))
