"""The small user-visible wording rules of UX.md that are easy to get subtly wrong: plurals, fallbacks, sources."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.digest.blocks import digest_blocks, section_texts
from bot.digest.report import DigestReport, MetricKind, compare
from bot.text import agent, alerts, google
from tools.anomaly.models import IncidentKind
from tools.errors import USER_ERROR_KEYS


def test_every_google_tool_problem_has_its_own_text_not_the_google_is_down_one() -> None:
    for key in USER_ERROR_KEYS:
        if key != "google.unavailable":
            assert google.problem_text(key, workspace_name="Acme") != google.UNAVAILABLE, key

    assert "Acme's Google Analytics any more" in google.problem_text("google.reconnect_needed", workspace_name="Acme")


def test_the_footer_names_every_model_that_failed_once_with_the_right_verb() -> None:
    one = agent.footer(sources=[], date_ranges=[], model_label="Gemini 3.8 Flash", fallback_from=["Claude Haiku 5.5"])
    two = agent.footer(
        sources=[],
        date_ranges=[],
        model_label="Grok 4.7",
        fallback_from=["Claude Haiku 5.5", "Gemini 3.8 Flash", "Claude Haiku 5.5"],
    )

    assert one == "answered by Gemini 3.8 Flash because Claude Haiku 5.5 was unavailable"
    assert two == "answered by Grok 4.7 because Claude Haiku 5.5 and Gemini 3.8 Flash were unavailable"


def test_a_recovery_of_about_an_hour_says_one_hour() -> None:
    since = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)

    assert alerts.recovered(since=since, affected=timedelta(minutes=70), hourly=True).endswith(
        "since Nov 18 11:00, 1 hour affected."
    )
    assert alerts.recovered(since=since, affected=timedelta(hours=8), hourly=True).endswith("8 hours affected.")
    assert alerts.recovered(since=since, affected=timedelta(days=3), hourly=False).endswith("3 days affected.")


def test_an_incident_cut_short_by_a_fall_to_near_zero_is_not_called_back_to_normal() -> None:
    text = alerts.superseded(at=datetime(2026, 11, 19, 9, 0, tzinfo=UTC), hourly=True, by="near_zero")

    assert "Nov 19 09:00" in text and "almost zero" in text
    assert "Back to normal" not in text


@pytest.mark.parametrize(("by", "said"), [("spike", "rose well above"), ("drop", "fell well below")])
def test_an_incident_cut_short_by_a_sharp_turn_says_which_way_the_values_went(by: IncidentKind, said: str) -> None:
    text = alerts.superseded(at=datetime(2026, 11, 19, 16, 0, tzinfo=UTC), hourly=True, by=by)

    assert f"ended Nov 19 16:00, when the values {said} what was expected" in text
    assert "almost zero" not in text and "Back to normal" not in text


def test_the_digest_header_names_only_the_sources_it_has_numbers_from() -> None:
    day = date(2026, 11, 19)
    series = {day - timedelta(days=n): 100.0 for n in range(29)}
    sessions = compare(series, day=day, key="sessions", label="Sessions", kind=MetricKind.COUNT)

    ga4_only = section_texts(digest_blocks(DigestReport(title="Acme", day=day, currency="USD", ga4=[sessions])))

    assert ga4_only[0] == "*Acme — Thursday Nov 19*  ·  GA4"


def test_an_incident_the_detector_got_used_to_is_not_called_back_to_normal() -> None:
    since = datetime(2026, 11, 16, 21, 0, tzinfo=UTC)

    text = alerts.settled(label="Sessions", direction="down", relative=0.46, since=since, hourly=True)
    daily = alerts.settled(label="Key <events>", direction="up", relative=1.2, since=since, hourly=False)

    assert "Not back to normal: since Nov 16 21:00, *Sessions* stayed about 46 % below the same hours" in text
    assert "Back to normal" not in text.replace("Not back to normal", "")
    assert "*Key &lt;events&gt;* stayed about 120 % above the same days" in daily


def test_a_part_of_an_event_that_comes_back_says_which_way_and_against_what() -> None:
    start = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)

    text = alerts.came_back(label="Sessions", direction="up", start=start, expected=210.4, actual=386, hourly=True)

    assert text == (
        ":arrow_up: It came back: *Sessions* rose again since Nov 17 07:00 — expected about 210 an hour, got 386."
    )
