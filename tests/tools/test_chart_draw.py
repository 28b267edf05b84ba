"""The digest's chart drawn straight with Pillow: a real PNG of preview size, the series where it belongs, and only
the shapes it draws as matplotlib would."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from tools.chart import PALETTE, ChartInput, draws_directly, render_chart
from tools.chart_draw import HEIGHT, WIDTH, Frame, _png, date_ticks, nice_ticks

START = date(2026, 10, 23)
VALUES = [1200.0 + 300 * (i % 7 in (5, 6)) * -1 + 10 * i for i in range(28)]


def digest_shaped(values: list[float] = VALUES) -> ChartInput:
    points = [{"x": (START + timedelta(days=i)).isoformat(), "y": y} for i, y in enumerate(values)]
    return ChartInput.model_validate(
        {"title": "Sessions, last 28 days — Site 1", "series": [{"name": "Sessions", "points": points}]}
    )


def test_the_digest_chart_is_a_png_of_preview_size_with_the_series_drawn_where_its_values_are() -> None:
    spec = digest_shaped()
    assert draws_directly(spec)

    image = render_chart(spec)

    picture = Image.open(io.BytesIO(image.png))
    picture.load()  # decodes every row: a broken IDAT or CRC raises
    assert picture.format == "PNG" and picture.size == (WIDTH, HEIGHT) == (1200, 675)
    days = [START + timedelta(days=i) for i in range(28)]
    frame = Frame.around(days, VALUES)
    blue = tuple(int(PALETTE[0][i : i + 2], 16) for i in (1, 3, 5))
    for day, value in zip(days, VALUES, strict=True):
        pixel = picture.getpixel((round(frame.x(day.toordinal())), round(frame.y(value))))
        assert isinstance(pixel, tuple)
        assert max(abs(a - b) for a, b in zip(pixel, blue, strict=True)) < 40, (day, pixel)
    assert image.x_range == "Oct 23 – Nov 19"
    assert image.series == ["Sessions"]


def test_other_values_draw_another_line() -> None:
    assert render_chart(digest_shaped()).png != render_chart(digest_shaped([v * 2 for v in VALUES])).png


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "bar"},
        {"y_label": "sessions"},
        {"highlight": {"start": "2026-11-01", "end": "2026-11-02"}},
        {
            "series": [
                {"name": "Sessions", "points": [{"x": "2026-11-01 10:00", "y": 1}, {"x": "2026-11-01 11:00", "y": 2}]}
            ]
        },
        {"series": [{"name": "Sessions", "points": [{"x": "Organic", "y": 1}, {"x": "Direct", "y": 2}]}]},
        {"series": [{"name": "Sessions", "points": [{"x": "2026-11-01", "y": 1}]}]},
    ],
)
def test_matplotlib_keeps_every_other_shape(change: dict[str, object]) -> None:
    spec = ChartInput.model_validate({**digest_shaped().model_dump(), **change})

    assert not draws_directly(spec)


def test_two_series_stay_with_matplotlib() -> None:
    spec = digest_shaped()
    compared = spec.series[0].model_copy(update={"name": "Previous 28 days", "compared": True})

    assert not draws_directly(spec.model_copy(update={"series": [spec.series[0], compared]}))


def test_y_ticks_are_round_and_cover_the_axis() -> None:
    assert nice_ticks(0, 1470) == [0, 200, 400, 600, 800, 1000, 1200, 1400]
    assert nice_ticks(0, 9.45) == [0, 2, 4, 6, 8]
    assert nice_ticks(-12, 40) == [-10, 0, 10, 20, 30, 40]


def test_date_ticks_follow_the_range() -> None:
    assert date_ticks(date(2026, 11, 1), date(2026, 11, 7)) == [date(2026, 11, d) for d in range(1, 8)]
    assert date_ticks(date(2026, 10, 22), date(2026, 11, 20)) == [
        date(2026, 10, 22),
        date(2026, 11, 1),
        date(2026, 11, 8),
        date(2026, 11, 15),
    ]
    assert date_ticks(date(2026, 1, 1), date(2026, 12, 31))[:2] == [date(2026, 1, 1), date(2026, 3, 1)]


def test_the_png_writer_round_trips_pixels() -> None:
    picture = Image.new("RGB", (5, 3), (10, 20, 30))
    picture.putpixel((4, 2), (255, 0, 128))

    decoded = Image.open(io.BytesIO(_png(picture.tobytes(), width=5, height=3, compress_level=1)))

    assert decoded.convert("RGB").tobytes() == picture.tobytes()
