"""A dated line drawn straight onto pixels with Pillow: the digest's chart (sessions over the last 28 days) without
matplotlib's figure machinery.

matplotlib builds a figure, axes, tickers and text objects, then lays them out, for every PNG: about 50 ms of CPU
for a simple line, which a morning run of 1,000 digests pays 1,000 times. One line over dated days needs none of
that: the layout here is fixed (the same 1200 × 675 px, margins, DejaVu Sans sizes, colours, grid and date ticks as
`tools.chart`'s dated line charts), so the drawing is a few Pillow calls, ~10x cheaper. The line and its markers are
drawn at twice the size and reduced, so their edges are smoothed as matplotlib's Agg canvas smooths them.

`tools.chart.render_chart` sends the charts this can draw here (`tools.chart.draws_directly` says which); anything
else (bars, several series, a shaded stretch, hours, axis labels) stays with matplotlib.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import struct
import zlib
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image, ImageDraw
    from PIL.ImageFont import FreeTypeFont

WIDTH, HEIGHT, DPI = 1200, 675, 150
POINT = DPI / 72  # pixels per typographic point, as matplotlib sizes text and lines at this DPI
LEFT, RIGHT, TOP, BOTTOM = round(0.75 * DPI), WIDTH - round(0.3 * DPI), round(0.6 * DPI), HEIGHT - round(0.7 * DPI)
TITLE_PT, TICK_PT = 15, 11
TITLE_PAD = round(12 * POINT)
TICK_LENGTH, TICK_PAD = round(3.5 * POINT), round(3.5 * POINT)
LINE_WIDTH = 2.2 * POINT
MARKER_RADIUS = 3 * POINT  # matplotlib's default marker size, 6 pt across
MAX_MARKED = 14  # points are marked only on a short line, as `tools.chart` does
MARGIN = 0.05  # matplotlib's default data margin on each side
GRID = (231, 231, 231)  # matplotlib's #b0b0b0 grid at alpha 0.3 over white
INK = (0, 0, 0)
SUPERSAMPLE = 2
MAX_X_TICKS = 8  # as `tools.chart`'s AutoDateLocator(maxticks=8)
MAX_Y_TICKS = 9
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.cache
def _font_path() -> Path | None:
    """DejaVu Sans as matplotlib ships it (found without importing matplotlib), so both renderers write alike."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return path
    return None


def available() -> bool:
    """Pillow with FreeType and the font are here (otherwise matplotlib draws every chart)."""
    if _font_path() is None:
        return False
    try:
        from PIL import features
    except ImportError:
        return False
    return bool(features.check("freetype2"))


@functools.cache
def _font(points: int) -> FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(_font_path()), size=round(points * POINT))


def nice_ticks(low: float, high: float, *, most: int = MAX_Y_TICKS) -> list[float]:
    """Round values from `low` to `high` (both included when round) a step of 1, 2, 2.5 or 5 × 10^k apart, as
    matplotlib's default y locator picks them; at most `most`."""
    span = high - low
    if span <= 0:
        return [low]
    base = 10 ** math.floor(math.log10(span / most))
    step = next(base * s for s in (1, 2, 2.5, 5, 10, 20) if span / (base * s) <= most - 1)
    first = math.ceil(low / step - 1e-9)
    ticks = [(first + i) * step for i in range(most + 1)]
    return [0.0 if abs(t) < step * 1e-9 else t for t in ticks if t <= high + step * 1e-9]


def date_ticks(first: date, last: date) -> list[date]:
    """Days to label between `first` and `last`: every 1, 2 or 3 days on a short range, then the 1st, 8th, 15th,
    22nd and 29th of each month (or the 1st and 15th), then month starts, as matplotlib's date locator does."""
    span = (last - first).days
    for every in (1, 2, 3):
        if span // every + 1 <= MAX_X_TICKS:
            return [first + timedelta(days=n) for n in range(0, span + 1, every)]
    for monthdays in ((1, 8, 15, 22), (1, 15)):
        days = [first + timedelta(days=n) for n in range(span + 1)]
        ticks = [day for day in days if day.day in monthdays]
        if 0 < len(ticks) <= MAX_X_TICKS:
            return ticks
    for months in (1, 2, 3, 6, 12):
        ticks = [day for day in _month_starts(first, last) if (day.month - 1) % months == 0]
        if len(ticks) <= MAX_X_TICKS:
            return ticks
    return [first, last]


def _month_starts(first: date, last: date) -> list[date]:
    starts = []
    day = date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            starts.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return starts


def short_date(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}"


def draw_dated_line(
    *,
    title: str,
    days: Sequence[date],
    values: Sequence[float],
    color: str,
    y_format: Callable[[float], str],
    compress_level: int = 1,
) -> bytes:
    """A PNG of one line over `days` (in date order, at least two) titled `title`; y ticks written by `y_format`."""
    from PIL import Image, ImageDraw

    frame = Frame.around(days, values)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    _y_axis(draw, frame, y_format)
    _x_axis(draw, frame)
    draw.line([(LEFT, TOP), (LEFT, BOTTOM)], fill=INK, width=2)
    draw.line([(LEFT, BOTTOM), (RIGHT, BOTTOM)], fill=INK, width=2)
    draw.text((LEFT, TOP - TITLE_PAD), title, fill=INK, font=_font(TITLE_PT), anchor="ls")
    points = [(frame.x(day.toordinal()), frame.y(value)) for day, value in zip(days, values, strict=True)]
    _smooth_line(image, points, color=color, marked=len(points) <= MAX_MARKED)
    return _png(image.tobytes(), width=WIDTH, height=HEIGHT, compress_level=compress_level)


def _png(rgb: bytes, *, width: int, height: int, compress_level: int) -> bytes:
    """8-bit RGB rows as a PNG, every row unfiltered. Pillow's encoder tries all five PNG filters on every row, which
    was two thirds of this chart's CPU; flat colours on white compress about as well without them (~40 KB).

    The rows (each after its filter byte) are fed to the compressor one by one, straight from `rgb`: copying 2.4 MB
    into one filtered buffer first cost a third as much as compressing it. The deflate stream is the same."""
    stride = 3 * width
    compressor = zlib.compressobj(compress_level)
    pixels = memoryview(rgb)
    parts = []
    for start in range(0, stride * height, stride):
        parts.append(compressor.compress(b"\x00"))
        parts.append(compressor.compress(pixels[start : start + stride]))
    parts.append(compressor.flush())

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour, deflate, no interlace
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


class Frame:
    """Data coordinates (days as ordinals) to pixels inside the axes."""

    def __init__(self, low_x: float, high_x: float, low_y: float, high_y: float) -> None:
        self.low_x, self.high_x, self.low_y, self.high_y = low_x, high_x, low_y, high_y

    @classmethod
    def around(cls, days: Sequence[date], values: Sequence[float]) -> Frame:
        """The axes' limits for a line, as `tools.chart` sets them: the usual margin on both sides of the days and
        above the highest value, and zero (or the lowest value below it) at the bottom."""
        low_x, high_x = days[0].toordinal(), days[-1].toordinal()
        pad_x = MARGIN * (high_x - low_x)
        data_low, data_high = min(values), max(values)
        low_y, high_y = min(0.0, data_low), data_high + MARGIN * (data_high - data_low)
        if high_y <= low_y:  # a flat line at zero
            high_y = low_y + 1.0
        return cls(low_x - pad_x, high_x + pad_x, low_y, high_y)

    def x(self, value: float) -> float:
        return LEFT + (value - self.low_x) / (self.high_x - self.low_x) * (RIGHT - LEFT)

    def y(self, value: float) -> float:
        return BOTTOM - (value - self.low_y) / (self.high_y - self.low_y) * (BOTTOM - TOP)


def _y_axis(draw: ImageDraw.ImageDraw, frame: Frame, y_format: Callable[[float], str]) -> None:
    """Light horizontal grid lines and labelled ticks on the left."""
    font = _font(TICK_PT)
    for tick in nice_ticks(frame.low_y, frame.high_y):
        y = round(frame.y(tick))
        if tick != frame.low_y:
            draw.line([(LEFT, y), (RIGHT, y)], fill=GRID, width=2)
        draw.line([(LEFT - TICK_LENGTH, y), (LEFT, y)], fill=INK, width=2)
        draw.text((LEFT - TICK_LENGTH - TICK_PAD, y), y_format(tick), fill=INK, font=font, anchor="rm")


def _x_axis(draw: ImageDraw.ImageDraw, frame: Frame) -> None:
    """Labelled date ticks below the axes (the margins' days too, as matplotlib labels them)."""
    font = _font(TICK_PT)
    first, last = date.fromordinal(math.ceil(frame.low_x)), date.fromordinal(math.floor(frame.high_x))
    for day in date_ticks(first, last):
        x = round(frame.x(day.toordinal()))
        draw.line([(x, BOTTOM), (x, BOTTOM + TICK_LENGTH)], fill=INK, width=2)
        draw.text((x, BOTTOM + TICK_LENGTH + TICK_PAD), short_date(day), fill=INK, font=font, anchor="mt")


def _smooth_line(image: Image.Image, points: list[tuple[float, float]], *, color: str, marked: bool) -> None:
    """The line (and its markers) drawn at SUPERSAMPLE× into a mask, reduced, then painted through it: smooth edges."""
    from PIL import Image, ImageDraw

    scale = SUPERSAMPLE
    box = (LEFT - 10, TOP - 10, RIGHT + 10, BOTTOM + 10)  # the axes and a little room for the line's width
    mask = Image.new("L", ((box[2] - box[0]) * scale, (box[3] - box[1]) * scale), 0)
    draw = ImageDraw.Draw(mask)
    scaled = [((x - box[0]) * scale, (y - box[1]) * scale) for x, y in points]
    draw.line(scaled, fill=255, width=round(LINE_WIDTH * scale), joint="curve")
    radius = (LINE_WIDTH / 2 if not marked else MARKER_RADIUS) * scale
    for x, y in scaled if marked else (scaled[0], scaled[-1]):  # round ends, as matplotlib's caps
        draw.ellipse([(x - radius, y - radius), (x + radius, y + radius)], fill=255)
    image.paste(color, box, mask.reduce(scale))
