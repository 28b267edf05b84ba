"""Charts render headless to PNGs Slack can preview."""

from __future__ import annotations

import struct
from datetime import date, timedelta

import pytest

from tools.base import ToolRegistry
from tools.chart import ChartImage, ChartInput, legend_label, render_chart
from tools.context import ToolContext

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def daily(name: str, start: date, values: list[float], *, compared: bool = False) -> dict[str, object]:
    points = [{"x": (start + timedelta(days=i)).isoformat(), "y": v} for i, v in enumerate(values)]
    return {"name": name, "points": points, "compared": compared}


async def test_line_chart_with_a_dashed_comparison_is_a_png_of_preview_size(
    registry: ToolRegistry[ToolContext], context: ToolContext
) -> None:
    args = {
        "title": "Sessions, last 28 days vs previous",
        "series": [
            daily("Sessions", date(2026, 10, 23), [4000 + 50 * i for i in range(28)]),
            daily("Previous 28 days", date(2026, 9, 25), [3800 + 40 * i for i in range(28)], compared=True),
        ],
        "y_label": "sessions",
    }

    outcome = await registry.run("chart", args, context)

    assert not outcome.is_error, outcome.content
    image = outcome.result
    assert isinstance(image, ChartImage)
    assert png_size(image.png) == (1200, 675)
    assert 10_000 < len(image.png) < 400_000
    assert '"png"' not in outcome.content  # the model sees a description, not bytes
    assert image.x_range == "Oct 23 – Nov 19"
    assert image.filename == "sessions-last-28-days-vs-previous.png"


def test_bar_chart_of_categories() -> None:
    spec = ChartInput.model_validate(
        {
            "title": "Sessions by channel",
            "kind": "bar",
            "series": [
                {"name": "This week", "points": [{"x": "Organic Search", "y": 12000}, {"x": "Direct", "y": 6000}]},
                {
                    "name": "Last week",
                    "points": [{"x": "Organic Search", "y": 15000}, {"x": "Direct", "y": 5900}],
                    "compared": True,
                },
            ],
        }
    )

    image = render_chart(spec)

    assert png_size(image.png) == (1200, 675)


def test_ga4_compact_dates_are_plotted_as_dates() -> None:
    spec = ChartInput.model_validate(
        {
            "title": "Key events",
            "series": [{"name": "keyEvents", "points": [{"x": "20261101", "y": 3}, {"x": "20261102", "y": 5}]}],
        }
    )

    image = render_chart(spec)

    assert image.png.startswith(PNG_SIGNATURE)


def test_only_compared_series_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one series"):
        ChartInput.model_validate(
            {"title": "x", "series": [{"name": "a", "points": [{"x": "a", "y": 1}], "compared": True}]}
        )


def test_time_series_points_are_drawn_in_date_order() -> None:
    shuffled = [{"x": "2026-11-03", "y": 3}, {"x": "2026-11-01", "y": 1}, {"x": "2026-11-02", "y": 2}]

    image = render_chart(ChartInput.model_validate({"title": "t", "series": [{"name": "s", "points": shuffled}]}))

    assert image.x_range == "Nov 1 – Nov 3"


def test_dates_read_as_people_write_them_in_title_legend_and_alt_text() -> None:
    spec = ChartInput.model_validate(
        {
            "title": "Sessions 20261101–20261128 vs 2026-10-04",
            "series": [
                {"name": "Sessions", "points": [{"x": f"202611{day:02d}", "y": day} for day in range(1, 29)]},
                {
                    "name": "Previous 28 days",
                    "points": [{"x": f"202610{day:02d}", "y": day} for day in range(4, 32)],
                    "compared": True,
                },
            ],
        }
    )

    image = render_chart(spec)

    assert image.title == "Sessions Nov 1–Nov 28 vs Oct 4"
    assert legend_label(spec.series[1]) == "Previous 28 days (Oct 4 – Oct 31)"
    assert (
        image.alt_text == "line chart 'Sessions Nov 1–Nov 28 vs Oct 4': Sessions, Previous 28 days from Nov 1 to Nov 28"
    )
    assert "2026" not in image.x_range + image.alt_text


def test_hours_are_dated_and_a_highlighted_stretch_is_shaded_and_described() -> None:
    hours = [f"2026-12-0{5 + hour // 24} {hour % 24:02d}:00" for hour in range(36)]
    spec = ChartInput.model_validate(
        {
            "title": "Sessions per hour",
            "series": [
                {"name": "Sessions", "points": [{"x": x, "y": 200 if i < 18 else 3} for i, x in enumerate(hours)]}
            ],
            "highlight": {"start": hours[18], "end": hours[-1], "label": "Unusual"},
        }
    )

    image = render_chart(spec)
    plain = render_chart(spec.model_copy(update={"highlight": None}))

    assert image.x_range == "Dec 5 00:00 – Dec 6 11:00"
    assert image.alt_text.endswith("; shaded: Unusual from Dec 5 18:00 to Dec 6 11:00")
    assert image.png != plain.png  # the shading is drawn
