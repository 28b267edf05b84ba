"""The pictures in digests and alerts, drawn by the `chart` tool's renderer off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.digest import blocks as digest_messages
from bot.digest.periodic import PeriodicReport
from bot.digest.periodic_blocks import periodic_chart_title
from bot.digest.report import DigestReport
from bot.scheduler.periods import year_before
from bot.text import alerts as alert_messages
from bot.text import daily_digest as daily_messages
from bot.text import digests as periodic_messages
from storage.tables.schedule import DigestCadence
from tools.anomaly.watch import Found
from tools.chart import ChartInput, ChartPoint, ChartSeries, Highlight, render_chart_async

ALERT_HOURLY_WINDOW = timedelta(days=7)
ALERT_DAILY_WINDOW = timedelta(days=28)


async def digest_chart(report: DigestReport) -> bytes | None:
    spec = digest_chart_spec(report)
    return None if spec is None else (await render_chart_async(spec)).png


def digest_chart_spec(report: DigestReport) -> ChartInput | None:
    """Sessions over the last 28 days, titled as the upload is."""
    if len(report.chart_series) < 2:
        return None
    return ChartInput(
        title=digest_messages.chart_title(report)[:100],
        series=[
            ChartSeries(
                name=daily_messages.CHART_SERIES,
                points=[ChartPoint(x=day.isoformat(), y=value) for day, value in report.chart_series],
            )
        ],
    )


async def periodic_chart(report: PeriodicReport) -> bytes | None:
    spec = periodic_chart_spec(report)
    return None if spec is None else (await render_chart_async(spec)).png


def periodic_chart_spec(report: PeriodicReport) -> ChartInput | None:
    """Sessions per week (month) over the last 12, with the same weeks (months) a year before dashed when GA4 has
    them; each point is dated by its period's first day."""
    if len(report.chart) < 2:
        return None
    name, year_name = periodic_messages.chart_series(weekly=report.cadence is DigestCadence.WEEKLY)
    series = [
        ChartSeries(name=name, points=[ChartPoint(x=p.period.start.isoformat(), y=p.sessions) for p in report.chart])
    ]
    if all(point.year_ago is not None for point in report.chart):
        series.append(
            ChartSeries(
                name=year_name,
                # Its own dates (drawn aligned with this year's), so the legend names the weeks it shows.
                points=[
                    ChartPoint(x=year_before(report.cadence, p.period).start.isoformat(), y=p.year_ago or 0.0)
                    for p in report.chart
                ],
                compared=True,
            )
        )
    return ChartInput(title=periodic_chart_title(report)[:100], kind="line", series=series)


async def alert_chart(found: Found) -> bytes | None:
    spec = alert_chart_spec(found)
    return None if spec is None else (await render_chart_async(spec)).png


def alert_chart_spec(found: Found) -> ChartInput | None:
    """The alerted series over the last week (hourly) or four weeks (daily), with the week before dashed and the
    incident's stretch shaded, titled as the upload is."""
    points = found.series.points
    last = points[-1].timestamp
    window = ALERT_HOURLY_WINDOW if found.series.spec.granularity == "hourly" else ALERT_DAILY_WINDOW
    by_time = {point.timestamp: point.value for point in points}
    recent = [point for point in points if point.timestamp > last - window][-400:]
    earlier = [(point, by_time.get(point.timestamp - timedelta(weeks=1))) for point in recent]
    if len(recent) < 2:
        return None
    _label = _labeller(found)
    series = [
        ChartSeries(
            name=alert_messages.CHART_THIS_PERIOD, points=[ChartPoint(x=_label(p.timestamp), y=p.value) for p in recent]
        )
    ]
    if all(value is not None for _, value in earlier):
        series.append(
            ChartSeries(
                name=alert_messages.CHART_WEEK_BEFORE,
                # Its own dates (drawn aligned with this period's), so the legend names the week it shows.
                points=[ChartPoint(x=_label(p.timestamp - timedelta(weeks=1)), y=value or 0.0) for p, value in earlier],
                compared=True,
            )
        )
    incident = found.incident
    return ChartInput(
        title=alert_messages.chart_title(
            label=found.series.spec.label, hourly=found.series.spec.granularity == "hourly"
        )[:100],
        series=series,
        highlight=Highlight(
            start=_label(max(incident.start, recent[0].timestamp)),
            end=_label(incident.end or last),
            label=alert_messages.CHART_HIGHLIGHT,
        ),
    )


def _labeller(found: Found) -> Callable[[datetime], str]:
    """Hours as `YYYY-MM-DD HH:MM`, days as `YYYY-MM-DD`: the chart writes each as people read it."""
    if found.series.spec.granularity == "hourly":
        return lambda moment: moment.strftime("%Y-%m-%d %H:%M")
    return lambda moment: moment.date().isoformat()
