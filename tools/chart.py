"""`chart`: a PNG line or bar chart of one or more series, rendered headless and readable at Slack's preview size.

Rendering uses matplotlib's object API with the Agg canvas (no pyplot global state, no display), or Pillow for one
line over plain dates (`tools.chart_draw`: the digest's chart). It is CPU-bound Python, so `render_chart_async` runs
it in the process's CPU worker (`tools.workers`: a thread would share the event loop's GIL).
A series marked `compared` is drawn dashed and aligned point-by-point with the first series, so "this week vs last
week" lines overlay. The PNG bytes travel in the result for the Slack side to upload; the model only sees metadata.
"""

from __future__ import annotations

import io
import math
import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from tools.base import Tool, ToolError
from tools.context import ToolContext
from tools.workers import cpu_pool

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 150  # 1200 × 675 px: sharp in Slack's ~360–700 px previews
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
# Margins in inches for date-axis charts. tight_layout measures every label (a full text layout pass, ~40% of a
# chart's CPU); dated labels are short and predictable: y ticks are at most "-1.2k" (`_human`), x ticks are
# ConciseDateFormatter's day numbers with its offset line below.
LEFT_IN, LEFT_LABEL_IN, RIGHT_IN, TOP_IN, BOTTOM_IN = 0.75, 0.35, 0.3, 0.6, 0.7
# zlib level 1: ~3x faster to encode than the default 6 for a slightly larger file (flat-colour charts compress well
# either way).
PNG_COMPRESS_LEVEL = 1
MAX_LINE_TICKS = 10


class ChartPoint(BaseModel):
    x: str = Field(
        description="A date (YYYY-MM-DD or GA4's YYYYMMDD), an hour (YYYY-MM-DD HH:MM or GA4's YYYYMMDDHH) or a label."
    )
    y: float


class ChartSeries(BaseModel):
    name: str = Field(max_length=80)
    points: list[ChartPoint] = Field(min_length=1, max_length=400)
    compared: bool = Field(
        default=False, description="True for the comparison period: drawn dashed, aligned point by point with series 1."
    )


class Highlight(BaseModel):
    """A stretch of the x axis to shade, e.g. an anomaly: from `start` to `end` (both x values of the chart)."""

    start: str
    end: str
    label: str = Field(default="Unusual", max_length=40)


class ChartInput(BaseModel):
    title: str = Field(max_length=100)
    kind: Literal["line", "bar"] = "line"
    series: list[ChartSeries] = Field(min_length=1, max_length=6)
    y_label: str | None = Field(default=None, max_length=40)
    highlight: Highlight | None = Field(default=None, description="Optional stretch to shade on a dated line chart.")

    @model_validator(mode="after")
    def _has_primary(self) -> ChartInput:
        if all(series.compared for series in self.series):
            raise ValueError("at least one series must not be compared")
        return self


class ChartImage(BaseModel):
    """A rendered chart. `png` is excluded from the JSON the model sees; the Slack side uploads it."""

    title: str
    filename: str
    kind: str
    width_px: int
    height_px: int
    series: list[str]
    x_range: str
    alt_text: str
    png: bytes = Field(exclude=True, repr=False)


_COMPACT_DATE = re.compile(r"^\d{8}$")
_COMPACT_HOUR = re.compile(r"^\d{10}$")  # GA4's dateHour
_DATE_IN_TEXT = re.compile(r"\b(\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{10}|\d{8})\b")


def _as_moment(text: str) -> datetime | None:
    """A date or an hour in any form GA4, Search Console or the bot writes them; None for a category label."""
    value = text.strip()
    if _COMPACT_HOUR.match(value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:8]} {value[8:]}:00"
    elif _COMPACT_DATE.match(value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    if not value[:1].isdigit():
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _is_midnight_form(text: str) -> bool:
    """A plain date (no time of day written)."""
    value = text.strip()
    return bool(_COMPACT_DATE.match(value)) or (len(value) == 10 and value[4] == "-")


def readable(text: str) -> str:
    """`20261123` or `2026-11-23` → `Nov 23`; an hour → `Nov 23 14:00`; anything else unchanged."""
    moment = _as_moment(text)
    if moment is None:
        return text
    day = f"{moment.strftime('%b')} {moment.day}"
    return day if _is_midnight_form(text) else f"{day} {moment.strftime('%H:%M')}"


def readable_title(title: str) -> str:
    """A title with every date in it written as people write them."""
    return _DATE_IN_TEXT.sub(lambda match: readable(match.group(1)), title)


def legend_label(series: ChartSeries) -> str:
    """A comparison series names the dates it shows: "Previous 28 days (Sep 25 – Oct 22)"."""
    if series.compared and _as_moment(series.points[0].x) is not None:
        return f"{series.name} ({readable(series.points[0].x)} – {readable(series.points[-1].x)})"
    return series.name


def _shade(axes: Any, highlight: Highlight) -> str | None:
    """Shade the highlighted stretch; its description for the alt text, or None when its ends are not dates."""
    start, end = _as_moment(highlight.start), _as_moment(highlight.end)
    if start is None or end is None:
        return None
    end = max(start, end)
    if _is_midnight_form(highlight.start) and _is_midnight_form(highlight.end):
        # Daily points sit at midnight: shade whole days around them, so a one-day stretch is visible.
        start, end = start - timedelta(hours=12), end + timedelta(hours=12)
    axes.axvspan(start, end, color="#d62728", alpha=0.12, linewidth=0, label=highlight.label)
    first, last = readable(highlight.start), readable(highlight.end)
    return f"{highlight.label} on {first}" if first == last else f"{highlight.label} from {first} to {last}"


def _human(value: float, _: object = None) -> str:
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if magnitude >= 10_000:
        return f"{value / 1_000:.0f}k"
    if magnitude >= 1_000:
        return f"{value / 1_000:.1f}k"
    if magnitude and magnitude < 1:
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _sorted_by_date(spec: ChartInput) -> ChartInput:
    """Report rows often come sorted by a metric; a time series must be drawn in date order."""
    series = []
    for item in spec.series:
        if all(_as_moment(p.x) is not None for p in item.points):
            points = sorted(item.points, key=lambda p: _as_moment(p.x) or datetime.min)
            item = item.model_copy(update={"points": points})
        series.append(item)
    return spec.model_copy(update={"series": series})


def _date_ticks(moment: float, _: object = None) -> str:
    from matplotlib import dates as mdates

    when = mdates.num2date(moment)  # type: ignore[no-untyped-call]
    return f"{when.strftime('%b')} {when.day}"


def draws_directly(spec: ChartInput) -> bool:
    """One line over plain dates, nothing else on it (the digest's chart): `tools.chart_draw` draws it with Pillow,
    ~10x cheaper than a matplotlib figure and laid out the same."""
    from tools import chart_draw

    if spec.kind != "line" or len(spec.series) != 1 or spec.highlight is not None or spec.y_label:
        return False
    points = spec.series[0].points
    return (
        len(points) >= 2
        and all(_is_midnight_form(p.x) and _as_moment(p.x) is not None and math.isfinite(p.y) for p in points)
        and chart_draw.available()
    )


def _draw_directly(spec: ChartInput) -> ChartImage:
    from tools import chart_draw

    title = readable_title(spec.title)
    primary = spec.series[0]
    png = chart_draw.draw_dated_line(
        title=title,
        days=[moment.date() for p in primary.points if (moment := _as_moment(p.x)) is not None],
        values=[p.y for p in primary.points],
        color=PALETTE[0],
        y_format=_human,
        compress_level=PNG_COMPRESS_LEVEL,
    )
    return _image(spec, title=title, primary=primary, png=png, shaded=None)


def render_chart(spec: ChartInput) -> ChartImage:
    """Draw the chart to PNG bytes. Pure CPU work: from async code, await `render_chart_async` instead."""
    spec = _sorted_by_date(spec)
    if draws_directly(spec):
        return _draw_directly(spec)
    # Imported here, on the first chart: matplotlib costs about half a second and 50 MB that a process which never
    # draws (or has not drawn yet) should not pay at start-up.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    primary = next(series for series in spec.series if not series.compared)
    primary_moments = [_as_moment(p.x) for p in primary.points]
    dated = all(d is not None for d in primary_moments)
    positions: list[Any] = list(primary_moments) if dated else list(range(len(primary.points)))
    title = readable_title(spec.title)

    _draw_series(axes, spec=spec, positions=positions)
    _x_axis(axes, spec=spec, primary=primary, positions=positions, dated=dated)
    axes.yaxis.set_major_formatter(FuncFormatter(_human))
    axes.set_ylim(bottom=min(0.0, *(p.y for s in spec.series for p in s.points)))
    shaded = _shade(axes, spec.highlight) if dated and spec.kind == "line" and spec.highlight is not None else None
    # y given: matplotlib would otherwise measure every artist on each draw to lift the title over top ticks, which
    # these charts never have (~25% of a chart's CPU; the PNG is byte for byte the same).
    axes.set_title(title, fontsize=15, loc="left", pad=12, y=1.0)
    if spec.y_label:
        axes.set_ylabel(spec.y_label, fontsize=12)
    axes.tick_params(labelsize=11)
    axes.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if len(spec.series) > 1 or shaded is not None:
        axes.legend(fontsize=11, frameon=False, loc="best")
    if dated and spec.kind == "line":
        left = LEFT_IN + (LEFT_LABEL_IN if spec.y_label else 0.0)
        figure.subplots_adjust(
            left=left / WIDTH_IN,
            right=1 - RIGHT_IN / WIDTH_IN,
            top=1 - TOP_IN / HEIGHT_IN,
            bottom=BOTTOM_IN / HEIGHT_IN,
        )
    else:
        figure.tight_layout()  # category labels vary in length and may be rotated: measure them
    buffer = io.BytesIO()
    # The canvas's print_png draws once; figure.savefig would draw a second time (without rendering) because
    # tight_layout leaves a placeholder layout engine behind.
    canvas.print_png(buffer, pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})  # type: ignore[no-untyped-call]
    return _image(spec, title=title, primary=primary, png=buffer.getvalue(), shaded=shaded)


def _draw_series(axes: Any, *, spec: ChartInput, positions: list[Any]) -> None:
    """Lines (a compared series dashed) or grouped bars (a compared series hatched), one colour per series."""
    width = 0.8 / max(1, len(spec.series))
    for index, series in enumerate(spec.series):
        color = PALETTE[index % len(PALETTE)]
        ys = [p.y for p in series.points][: len(positions)]
        xs = positions[: len(ys)]
        label = legend_label(series)
        if spec.kind == "line":
            style = "--" if series.compared else "-"
            axes.plot(
                xs, ys, linestyle=style, linewidth=2.2, color=color, label=label, marker="o" if len(xs) <= 14 else None
            )
        else:
            offsets = [i + (index - (len(spec.series) - 1) / 2) * width for i in range(len(ys))]
            axes.bar(
                offsets,
                ys,
                width=width,
                color=color,
                label=label,
                hatch="//" if series.compared else None,
                alpha=0.6 if series.compared else 0.95,
            )


def _x_axis(axes: Any, *, spec: ChartInput, primary: ChartSeries, positions: list[Any], dated: bool) -> None:
    """Ticks for categories (bars), days (an hourly line labels days only), dates, or plain labels."""
    from matplotlib import dates as mdates
    from matplotlib.ticker import FuncFormatter

    hourly = dated and not all(_is_midnight_form(p.x) for p in primary.points)
    if spec.kind == "bar":
        labels = [readable(p.x) for p in primary.points]
        axes.set_xticks(list(range(len(labels))))
        axes.set_xticklabels(
            [label[:18] for label in labels],
            rotation=30 if len(labels) > 6 else 0,
            ha="right" if len(labels) > 6 else "center",
        )
    elif hourly:
        # Days are what a reader navigates by; the hours in between are marked without labels.
        axes.xaxis.set_major_locator(mdates.DayLocator())  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(FuncFormatter(_date_ticks))
        axes.xaxis.set_minor_locator(mdates.HourLocator(byhour=(6, 12, 18)))  # type: ignore[no-untyped-call]
    elif dated:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(FuncFormatter(_date_ticks))
    else:
        # At most ~MAX_LINE_TICKS labels: an hourly week (168 points) labelled at every point is an unreadable smear.
        step = -(-len(positions) // MAX_LINE_TICKS)
        axes.set_xticks(positions[::step])
        axes.set_xticklabels([p.x[:18] for p in primary.points][::step], rotation=30, ha="right")


def _image(spec: ChartInput, *, title: str, primary: ChartSeries, png: bytes, shaded: str | None) -> ChartImage:
    """The PNG with what the model and screen readers get instead of pixels: a file name, ranges, alt text."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50] or "chart"
    first, last = readable(primary.points[0].x), readable(primary.points[-1].x)
    names = [series.name for series in spec.series]
    alt = f"{spec.kind} chart '{title}': {', '.join(names)} from {first} to {last}"
    if shaded is not None:
        alt += f"; shaded: {shaded}"
    return ChartImage(
        title=title,
        filename=f"{slug}.png",
        kind=spec.kind,
        width_px=int(WIDTH_IN * DPI),
        height_px=int(HEIGHT_IN * DPI),
        series=names,
        x_range=f"{first} – {last}",
        alt_text=alt,
        png=png,
    )


async def render_chart_async(spec: ChartInput) -> ChartImage:
    """`render_chart` off the event loop, in the process's CPU worker (`tools.workers`; a thread if processes fail)."""
    return await cpu_pool().run(render_chart, spec)


def shutdown_chart_renderer() -> None:
    """Stop the CPU worker process, if one was started; the next chart starts a new one."""
    cpu_pool().shutdown()


async def chart(args: ChartInput, ctx: ToolContext) -> ChartImage:
    del ctx
    if args.kind == "bar" and sum(len(s.points) for s in args.series) > 120:
        raise ToolError("Too many bars to read; use kind='line' or fewer points (at most ~120 bars).")
    return await render_chart_async(args)


CHART_TOOLS: list[Tool[Any, ToolContext]] = [
    Tool(
        name="chart",
        description=(
            "Draw a PNG line or bar chart of one or more series (e.g. daily sessions from ga4_run_report with the date "
            "dimension). Mark the comparison period's series compared=true to draw it dashed, aligned with the first "
            "series. The image is attached to the answer; the result only describes it."
        ),
        input_model=ChartInput,
        run=chart,
    )
]
