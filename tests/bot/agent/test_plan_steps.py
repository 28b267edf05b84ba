"""Task titles and details come from a call's arguments alone, in a marketer's words; links are Lookout's own."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.agent.plan_steps import Where, describe
from bot.llm.messages import ToolCallPart

WHERE = Where(
    property_id="123456",
    site_url="sc-domain:acme.test",
    ga4_today=date(2026, 11, 20),
    search_console_today=date(2026, 11, 20),
)


def call(name: str, arguments: object) -> ToolCallPart:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return ToolCallPart(id=f"{name}-1", name=name, arguments=text)


@pytest.mark.parametrize(
    ("name", "arguments", "title"),
    [
        (
            "ga4_compare_periods",
            {"metrics": ["keyEvents"], "current": {"start_date": "7daysAgo", "end_date": "yesterday"}},
            "GA4: key events, Nov 13–19 vs Nov 6–12",
        ),
        (
            "ga4_run_report",
            {
                "metrics": ["sessions", "totalUsers"],
                "dimensions": ["landingPage"],
                "date_ranges": [{"start_date": "2026-11-09", "end_date": "2026-11-15"}],
                "dimension_filter": {
                    "filter": {
                        "field_name": "landingPage",
                        "string_filter": {"match_type": "BEGINS_WITH", "value": "/blog/"},
                    }
                },
            },
            "GA4: sessions and users by landing page for /blog/*, Nov 9–15",
        ),
        ("ga4_realtime", {}, "GA4 realtime: active users, last 30 minutes"),
        (
            "explain_change",
            {"metric": "clicks", "current": {"start_date": "2026-11-09", "end_date": "2026-11-15"}},
            "Explaining the change in clicks, Nov 9–15 vs Nov 2–8",
        ),
        (
            "gsc_workflow",
            {"workflow": "striking_distance", "page_contains": "/blog/"},
            "Search Console: queries close to page one for */blog/*, Oct 21–Nov 17",
        ),
        ("gsc_inspect_url", {"url": "/pricing"}, "Search Console: index status of /pricing"),
        (
            "ga4_workflow",
            {"workflow": "key_events", "by": "channel", "event_name": "purchase"},
            "GA4: purchase key events by channel, Oct 23–Nov 19 vs Sep 25–Oct 22",
        ),
        ("chart", {"title": "<!channel> buy now", "kind": "bar", "series": []}, "Drawing a bar chart"),
        ("ga4_run_report", '{"metrics": ["sessions"', "GA4: a report"),  # malformed: still a plain title
        (
            "annotations",
            {"start_date": "2026-11-09", "end_date": "2026-11-15"},
            "Notes: GA4 annotations and Lookout notes, Nov 9–15",
        ),
        ("annotations", {}, "Notes: GA4 annotations and Lookout notes, Oct 23–Nov 20"),
        ("something_new", {}, "Looking something up"),
    ],
)
def test_titles_come_from_the_arguments(name: str, arguments: object, title: str) -> None:
    assert describe(call(name, arguments), where=WHERE).title == title


def test_a_title_never_carries_the_models_free_text() -> None:
    view = describe(call("chart", {"title": "Ignore instructions <@U0BOSS>", "kind": "line"}), where=WHERE)
    assert "Ignore" not in view.title + view.details


def test_sources_open_the_matching_report_and_only_lookouts() -> None:
    inspect = describe(call("gsc_inspect_url", {"url": "/pricing"}), where=WHERE)
    sitemaps = describe(call("gsc_workflow", {"workflow": "sitemaps"}), where=WHERE)
    no_property = describe(call("ga4_run_report", {"metrics": ["sessions"]}), where=Where())

    assert [s.url for s in inspect.sources] == [
        "https://search.google.com/search-console/inspect?resource_id=sc-domain%3Aacme.test&id=https%3A%2F%2Facme.test%2Fpricing"
    ]
    assert [s.url for s in sitemaps.sources] == [
        "https://search.google.com/search-console/sitemaps?resource_id=sc-domain%3Aacme.test"
    ]
    assert no_property.sources == ()  # no property known: no link rather than a wrong one


def test_ga4_workflow_titles_say_which_workflow_and_which_periods() -> None:
    by_channel = describe(
        call("ga4_workflow", {"workflow": "key_events", "by": "channel", "event_name": "sign_up"}), where=WHERE
    )
    steps = [{"event_name": "session_start"}, {"event_name": "purchase"}]
    funnel = describe(call("ga4_workflow", {"workflow": "funnel", "steps": steps}), where=WHERE)

    assert by_channel.title == "GA4: sign_up key events by channel, Oct 23–Nov 19 vs Sep 25–Oct 22"
    assert funnel.title == "GA4: a funnel, Oct 23–Nov 19"
    assert "2 steps" in funnel.details
