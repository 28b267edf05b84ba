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
