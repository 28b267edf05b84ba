"""The pictures in digests and alerts, drawn by the `chart` tool's renderer off the event loop."""

from __future__ import annotations

from datetime import timedelta

from bot.alerts.detect import Found
from bot.digest.report import DigestReport
from tools.chart import ChartInput, ChartPoint, ChartSeries, render_chart_async

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
    image = await render_chart_async(spec)
    return image.png


async def alert_chart(found: Found) -> bytes | None:
    """The alerted series over the last week (hourly) or four weeks (daily), with the week before dashed."""
    points = found.series.points
    last = points[-1].timestamp
    window = ALERT_HOURLY_WINDOW if found.series.spec.granularity == "hourly" else ALERT_DAILY_WINDOW
    by_time = {point.timestamp: point.value for point in points}
    recent = [point for point in points if point.timestamp > last - window][-400:]
    earlier = [(point, by_time.get(point.timestamp - timedelta(weeks=1))) for point in recent]
    if len(recent) < 2:
        return None
    series = [ChartSeries(name="This period", points=[ChartPoint(x=_label(p.timestamp), y=p.value) for p in recent])]
    if all(value is not None for _, value in earlier):
        series.append(
            ChartSeries(
                name="A week before",
                points=[ChartPoint(x=_label(p.timestamp), y=value or 0.0) for p, value in earlier],
                compared=True,
            )
        )
    spec = ChartInput(title=f"{found.series.spec.label}: this period and a week before"[:100], series=series)
    image = await render_chart_async(spec)
    return image.png


def _label(moment: object) -> str:
    return str(moment)[:16]
