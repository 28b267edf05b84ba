"""The pictures in digests and alerts, drawn by the `chart` tool's renderer in a worker thread."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.alerts.detect import Found
from bot.digest.report import DigestReport
from tools.chart import ChartInput, ChartPoint, ChartSeries, render_chart

ALERT_HOURLY_WINDOW = timedelta(days=7)
ALERT_DAILY_WINDOW = timedelta(days=28)


async def digest_chart(report: DigestReport) -> bytes | None:
    """Sessions over the last 28 days."""
    if len(report.chart_series) < 2:
        return None
    spec = ChartInput(
        title=f"Sessions, last {len(report.chart_series)} days",
        series=[
            ChartSeries(
                name="Sessions", points=[ChartPoint(x=day.isoformat(), y=value) for day, value in report.chart_series]
            )
        ],
    )
    image = await asyncio.to_thread(render_chart, spec)
    return image.png


async def alert_chart(found: Found) -> bytes | None:
    """The alerted series over the last week (hourly) or four weeks (daily), with what the detector expected."""
    last = found.series.points[-1].timestamp
    window = ALERT_HOURLY_WINDOW if found.series.spec.granularity == "hourly" else ALERT_DAILY_WINDOW
    scores = [score for score in found.scores if score.timestamp > last - window]
    if len(scores) < 2:
        return None
    # The chart tool takes at most 400 points per series; a week of hours is 168.
    scores = scores[-400:]
    actual = [ChartPoint(x=_label(score.timestamp), y=score.value) for score in scores]
    expected = [
        ChartPoint(x=_label(score.timestamp), y=score.expected if score.expected is not None else score.value)
        for score in scores
    ]
    spec = ChartInput(
        title=f"{found.series.spec.label}: actual and expected"[:100],
        series=[
            ChartSeries(name="Actual", points=actual),
            ChartSeries(name="Expected", points=expected, compared=True),
        ],
    )
    image = await asyncio.to_thread(render_chart, spec)
    return image.png


def _label(moment: object) -> str:
    return str(moment)[:16]
