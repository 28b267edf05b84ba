"""Grounding: numbers the data supports pass (rounded, summed, as a change); invented ones are marked."""

from __future__ import annotations

import json

import pytest

from bot.agent.grounding import Grounder, extract_numbers

REPORT = json.dumps(
    {
        "rows": [
            {
                "dimensionValues": [{"value": "Organic Search"}],
                "metricValues": [{"value": "11842"}, {"value": "0.4523"}],
            },
            {"dimensionValues": [{"value": "Paid Search"}], "metricValues": [{"value": "14430"}, {"value": "0.31"}]},
        ]
    }
)


@pytest.mark.parametrize(
    "sentence",
    [
        "Organic sessions were 11,842.",  # a value
        "Organic sessions were about 11.8k.",  # abbreviated
        "Roughly 12,000 sessions.",  # rounded to thousands
        "Organic fell 18 % against paid.",  # a change: 11842 vs 14430 = -17.9 %
        "Engagement rate 45.2%.",  # a rate given as a fraction
        "Together 26,272 sessions.",  # a sum
        "Paid had 2,588 more.",  # a difference
        "Nov 9–15 vs Nov 2–8, since 2026-11-15 at 14:00, top 3 pages.",  # dates, times, small counts
        "Property 123456 as asked.",  # given in the question
    ],
)
def test_traceable_numbers_pass(sentence: str) -> None:
    grounder = Grounder([REPORT], given=["What about property 123456?"])

    marked, report = grounder.check(sentence)

    assert report.untraced == ()
    assert marked == sentence


def test_invented_numbers_are_marked_and_counted() -> None:
    grounder = Grounder([REPORT])

    marked, report = grounder.check("Organic had 11,842 sessions and 3,917 conversions, up 42 %.")

    assert report.untraced == ("3,917", "42 %")
    assert report.checked == 3
    assert marked == "Organic had 11,842 sessions and 3,917 (unverified) conversions, up 42 % (unverified)."


def test_numbers_inside_identifiers_are_not_checked() -> None:
    assert extract_numbers("See /blog/2024-recap and G-12345 and properties/987654") == []


# What ga4_run_report hands the model: two weeks by channel, with the totals of each week.
BY_CHANNEL = json.dumps(
    {
        "property_id": "123456",
        "date_ranges": [
            {"name": "date_range_0", "start_date": "2026-11-09", "end_date": "2026-11-15"},
            {"name": "date_range_1", "start_date": "2026-11-02", "end_date": "2026-11-08"},
        ],
        "currency": "USD",
        "dimensions": ["sessionDefaultChannelGroup", "dateRange"],
        "metrics": [{"name": "sessions", "type": "TYPE_INTEGER"}, {"name": "totalRevenue", "type": "TYPE_CURRENCY"}],
        "rows": [
            {"sessionDefaultChannelGroup": "Organic Search", "dateRange": "date_range_0", "sessions": 11842,
             "totalRevenue": 48210.37},
            {"sessionDefaultChannelGroup": "Organic Search", "dateRange": "date_range_1", "sessions": 14430,
             "totalRevenue": 51002.1},
            {"sessionDefaultChannelGroup": "Paid Search", "dateRange": "date_range_0", "sessions": 3120,
             "totalRevenue": 9120.5},
            {"sessionDefaultChannelGroup": "Paid Search", "dateRange": "date_range_1", "sessions": 2980,
             "totalRevenue": 8800.0},
        ],
        "totals": [
            {"date_range": "date_range_0", "values": {"sessions": 14962, "totalRevenue": 57330.87}},
            {"date_range": "date_range_1", "values": {"sessions": 17410, "totalRevenue": 59802.1}},
        ],
        "row_count": 4,
        "rows_shown": 4,
    }
)  # fmt: skip
# What ga4_compare_periods hands the model: each change already computed.
COMPARISON = json.dumps(
    {
        "totals": {"sessions": {"current": 14962, "previous": 17410, "change": -2448, "change_pct": -14.06}},
        "rows": [
            {
                "dimensions": {"landingPage": f"/blog/post-{index}"},
                "metrics": {
                    "sessions": {"current": current, "previous": previous, "change": current - previous,
                                 "change_pct": round(100 * (current - previous) / previous, 2)},
                    "engagementRate": {"current": 0.4523, "previous": 0.51, "change": -0.0577, "change_pct": -11.31},
                },
            }
            for index, (current, previous) in enumerate([(1200, 1530), (860, 790), (640, 655), (410, 388)])
        ],
    }
)  # fmt: skip
# A month of daily sessions: many values, and dates whose parts must not pass for figures.
DAILY = json.dumps(
    {
        "rows": [{"date": f"2026-11-{day:02d}", "sessions": 4000 + (day * 137) % 900} for day in range(1, 31)],
        "totals": [{"values": {"sessions": sum(4000 + (day * 137) % 900 for day in range(1, 31))}}],
        "row_count": 30,
    }
)


@pytest.mark.parametrize(
    "sentence",
    [
        "Organic revenue was $48,210, down 5.5 % on the week before.",  # a change of the same channel
        "Organic sessions fell 18 % (11,842 vs 14,430).",
        "Total sessions fell 14 % to 14,962.",  # the totals of the two weeks
        "Paid Search was 21 % of sessions this week and Organic 79%.",  # shares of the week's total
        "Organic made 84 % of revenue.",
        "Paid sessions rose 4.7 %.",
        "Revenue per session was $4.07 for Organic.",  # a ratio of two measures in one row
        "Organic had 3.8 times Paid's sessions.",  # a ratio of one measure across rows
        "Organic lost 2,588 sessions.",  # a difference
        "Revenue was down 4.1 % overall.",
    ],
)
def test_numbers_derived_from_a_report_pass(sentence: str) -> None:
    marked, report = Grounder([BY_CHANNEL]).check(sentence)

    assert report.untraced == (), marked


@pytest.mark.parametrize(
    ("sentence", "invented"),
    [
        ("Organic revenue was $48,210, up 12 % on the week before.", ("12 %",)),
        ("Organic revenue was $52,900, up 12 % on the week before.", ("$52,900", "12 %")),
        ("Organic sessions were up 27 %.", ("27 %",)),
        ("Paid sessions grew 63 %.", ("63 %",)),
        ("Revenue is down 9 % and sessions up 8%.", ("9 %", "8%")),
        ("Paid converts 2.2x better.", ("2.2x",)),
    ],
)
def test_invented_percentages_and_ratios_next_to_real_numbers_are_marked(
    sentence: str, invented: tuple[str, ...]
) -> None:
    _, report = Grounder([BY_CHANNEL]).check(sentence)

    assert report.untraced == invented


def test_changes_and_rates_a_comparison_already_computed_pass_and_others_are_marked() -> None:
    grounder = Grounder([COMPARISON])

    fine = (
        "Sessions fell 14.1 % (−2,448). /blog/post-0 lost 330 sessions (−21.6 %) while /blog/post-1 gained 8.9 %. "
        "Engagement on /blog/post-0 fell from 51 % to 45.2 %, down 5.8 pp (−11.3 %)."
    )
    invented = "Sessions fell 31 %, engagement is down 7.5 pp and /blog/post-3 rose 15 %."

    assert grounder.check(fine)[1].untraced == ()
    assert grounder.check(invented)[1].untraced == ("31 %", "7.5 pp", "15 %")


def test_a_long_daily_series_traces_its_week_over_week_change_but_not_dates_or_inventions() -> None:
    days = json.loads(DAILY)["rows"]
    first, last = days[0]["sessions"], days[-1]["sessions"]
    change = 100 * (last - first) / first
    grounder = Grounder([DAILY])

    _, real = grounder.check(f"Daily sessions went from {first:,} to {last:,} ({change:+.1f} %).")
    _, dates = grounder.check("Sessions were up 12 % on Nov 12 and 3 % on Nov 3.")

    assert real.untraced == ()
    assert dates.untraced == ("12 %",)  # 3 % is a small count-like number only if the data has it


def test_a_rank_must_fit_in_a_list_the_data_has() -> None:
    grounder = Grounder([DAILY])

    _, report = grounder.check("Nov 14 ranks #14 of the month; Nov 2 is #45.")

    assert report.untraced == ("#45",)
