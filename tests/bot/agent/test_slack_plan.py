"""Answers that show their work: each tool call streamed as a task (Slack's `task_update` chunks), then the text;
"How I got this" where streaming is refused; a status that follows the steps; links to the matching reports.

Signed event → app → agent → fake model → tools → fake Google → what reached the fake Slack, as Slack would get it.
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.agent.loop import AgentLimits
from bot.agent.plan import MAX_TASKS
from bot.fakes.llm_script import LLMFakeServer, RecordedRequest, Reply, ScriptedToolCall
from bot.fakes.slack_api import FakeSlack, SlackCall
from tests.bot.agent.test_slack_answers import PROPERTY, SITE, AgentApp, ask, footer, sessions_total
from tests.helpers.slack_requests import DEFAULT_DM, message_im
from tools.fakes.google import FakeGoogle

BY_CHANNEL = {
    "metrics": ["sessions"],
    "dimensions": ["sessionDefaultChannelGroup"],
    "date_ranges": [
        {"start_date": "2026-11-09", "end_date": "2026-11-15"},
        {"start_date": "2026-11-02", "end_date": "2026-11-08"},
    ],
}
BLOG_CLICKS = {
    "start_date": "2026-11-09",
    "end_date": "2026-11-15",
    "dimension_filter_groups": [{"filters": [{"dimension": "page", "operator": "contains", "expression": "/blog/"}]}],
}
GA4_TITLE = "GA4: sessions by channel, Nov 9–15 vs Nov 2–8"
GSC_TITLE = "Search Console: clicks for */blog/*, Nov 9–15"
GA4_LINK = (
    f"https://analytics.google.com/analytics/web/#/p{PROPERTY}/reports/explorer"
    "?params=_u.date00%3D20261109%26_u.date01%3D20261115%26_u.date10%3D20261102%26_u.date11%3D20261108"
    "&r=lifecycle-traffic-acquisition-v2"
)
GSC_LINK = (
    "https://search.google.com/search-console/performance/search-analytics?resource_id=sc-domain%3Aacme.test"
    "&start_date=20261109&end_date=20261115&page=%2A%2Fblog%2F"
)


def stream_calls(slack: FakeSlack) -> list[SlackCall]:
    methods = ("chat.startStream", "chat.appendStream", "chat.stopStream")
    return sorted((call for method in methods for call in slack.calls_to(method)), key=lambda call: call.at)


def chunks_of(call: SlackCall) -> list[dict[str, Any]]:
    return list(call.get("chunks") or [])


def statuses(slack: FakeSlack) -> list[tuple[str, list[str] | None]]:
    return [
        (call.get("status"), call.get("loading_messages")) for call in slack.calls_to("assistant.threads.setStatus")
    ]


async def test_a_two_tool_answer_streams_its_plan_then_the_text(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack, google: FakeGoogle
) -> None:
    app = await agent_app(order=("anthropic",))
    google.latency = 1.0  # lookups that take a while are shown running (updates quicker than 0.25 s are merged)
    fake = fakes["anthropic"]
    fake.script(
        Reply(
            tool_calls=(
                ScriptedToolCall("ga4_run_report", BY_CHANNEL),
                ScriptedToolCall("gsc_search_analytics", BLOG_CLICKS),
            )
        )
    )
    fake.responder = lambda recorded: Reply(text="Organic Search held steady while blog clicks slipped.")

    answer = await ask(app, "what happened to organic traffic last week?")

    calls = stream_calls(fake_slack)
    ga4 = {"id": "task-1", "title": GA4_TITLE}
    gsc = {"id": "task-2", "title": GSC_TITLE}
    start = calls[0]
    assert start.method == "chat.startStream" and start.get("task_display_mode") == "timeline"
    assert [(c["id"], c["title"], c["status"]) for c in chunks_of(start)] == [
        (ga4["id"], GA4_TITLE, "pending"),
        (gsc["id"], GSC_TITLE, "pending"),
    ]
    assert [(c["id"], c["status"]) for c in chunks_of(calls[1])] == [
        ("task-1", "in_progress"),
        ("task-2", "in_progress"),
    ]
    finishes = [chunk for call in calls[2:] for chunk in chunks_of(call) if chunk["type"] == "task_update"]
    assert sorted((c["id"], c["status"]) for c in finishes) == [("task-1", "complete"), ("task-2", "complete")]
    # The exact request on every update of a task; once complete, a link to the report it read.
    first, second = chunks_of(start)
    assert first["details"] == "Metrics: sessions · By: channel · Dates: Nov 9–15, 2026 vs Nov 2–8, 2026"
    assert second["details"] == (
        "Metrics: clicks, impressions, ctr, position · Filter: */blog/* · Dates: Nov 9–15, 2026"
    )
    assert "sources" not in first and "sources" not in second
    done = {chunk["id"]: chunk for chunk in finishes}
    assert done["task-1"]["sources"] == [{"type": "url", "url": GA4_LINK, "text": "Open in Google Analytics"}]
    assert done["task-2"]["sources"] == [{"type": "url", "url": GSC_LINK, "text": "Open in Search Console"}]
    # Then the text, after every task: no task chunk follows the first text chunk.
    kinds = [chunk["type"] for call in calls for chunk in chunks_of(call)]
    assert kinds == ["task_update"] * 6 + ["markdown_text"] * kinds.count("markdown_text")
    assert calls[-1].method == "chat.stopStream"
    assert answer.text == "Organic Search held steady while blog clicks slipped."
    assert [task["status"] for task in answer.tasks.values()] == ["complete", "complete"]
    # No "How I got this" when the plan streamed; the footer's sources open their reports.
    assert not any(block["type"] == "context" and "How I got this" in str(block) for block in answer.blocks or [])
    assert "|GA4 · Acme (properties/123456)>" in footer(answer)
    assert "|Search Console sc-domain:acme.test>" in footer(answer)


async def test_the_status_follows_the_steps_never_repeats_and_clears_when_the_answer_starts(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake = fakes["anthropic"]
    fake.delay = 0.4  # each step outlasts the status interval, so each is shown (quicker ones are merged)
    # Three rounds of GA4 reports: the old status said "Looking at GA4…" for each; this one says what each does.
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", BY_CHANNEL),)),
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", BY_CHANNEL),)),
        Reply(tool_calls=(ScriptedToolCall("gsc_search_analytics", BLOG_CLICKS),)),
        Reply(text="Steady."),
    )

    await ask(app, "how was last week?")

    shown = statuses(fake_slack)
    assert shown == [
        ("is thinking…", ["Reading your question…"]),
        ("is reading GA4…", [GA4_TITLE]),
        ("is writing the answer…", ["Putting the answer together…"]),
        # the second, identical GA4 step is not announced again
        ("is reading Search Console…", [GSC_TITLE]),
        ("is writing the answer…", ["Putting the answer together…"]),
        ("", None),
    ]
    assert all(a != b for a, b in itertools.pairwise(shown))
    last_status = max(call.at for call in fake_slack.calls_to("assistant.threads.setStatus"))
    first_text = min(
        call.at
        for call in stream_calls(fake_slack)
        if any(chunk["type"] == "markdown_text" for chunk in chunks_of(call))
    )
    assert last_status <= first_text  # cleared before the answer's first words


async def test_without_streaming_how_i_got_this_carries_the_same_plan(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake_slack.fail_next("chat.startStream", error="not_allowed_token_type")
    fake = fakes["anthropic"]
    fake.script(
        Reply(
            tool_calls=(
                ScriptedToolCall("ga4_run_report", BY_CHANNEL),
                ScriptedToolCall("gsc_search_analytics", BLOG_CLICKS),
            )
        )
    )
    fake.responder = lambda recorded: Reply(text="Organic Search held steady.")

    answer = await ask(app, "what happened to organic traffic last week?")

    assert len(fake_slack.calls_to("chat.startStream")) == 1  # refused once, never tried again
    assert not fake_slack.calls_to("chat.appendStream")
    assert answer.text == "Organic Search held steady."
    how = next(block for block in answer.blocks or [] if block["type"] == "context" and "How I got this" in str(block))
    lines = [element["text"] for element in how["elements"]]
    assert lines == [
        "*How I got this*",
        f"✅ {GA4_TITLE} — Metrics: sessions · By: channel · Dates: Nov 9–15, 2026 vs Nov 2–8, 2026"
        f" · <{GA4_LINK}|Open in Google Analytics>",
        f"✅ {GSC_TITLE} — Metrics: clicks, impressions, ctr, position · Filter: */blog/* · Dates: Nov 9–15, 2026"
        f" · <{GSC_LINK}|Open in Search Console>",
    ]
    # the plan sits between the answer and its footer
    kinds = [block["type"] for block in answer.blocks or []]
    assert kinds.index("markdown") < answer.blocks.index(how) < kinds.index("context", answer.blocks.index(how) + 1)  # type: ignore[union-attr]


async def test_a_tool_error_is_an_error_task_and_the_answer_still_arrives(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake = fakes["anthropic"]
    broken = {"metrics": ["sessions"], "date_ranges": [{"start_date": "2026-11-15", "end_date": "2026-11-09"}]}
    fake.script(
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", broken),)),
        Reply(tool_calls=(ScriptedToolCall("ga4_run_report", BY_CHANNEL),)),
    )
    fake.responder = lambda recorded: Reply(text="Sessions held steady across channels.")

    answer = await ask(app, "sessions by channel last week?")

    failed = answer.tasks["task-1"]
    assert failed["status"] == "error"
    assert failed["output"] == "The request had a mistake, so it didn't run"  # our words, not the tool's
    assert "end_date" not in str(failed)
    assert "sources" not in failed  # no report matches a request that did not run
    assert answer.tasks["task-2"]["status"] == "complete"
    assert answer.text == "Sessions held steady across channels."


async def test_a_long_plan_stays_within_slacks_limits_and_is_summarised(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",), limits=AgentLimits(max_tool_calls=40))
    fake = fakes["anthropic"]
    days = [f"2026-11-{day:02d}" for day in range(1, 19)]
    many = tuple(
        ScriptedToolCall("ga4_run_report", {"metrics": ["sessions"], "date_ranges": [{"start_date": d, "end_date": d}]})
        for d in days
    )
    fake.script(Reply(tool_calls=many))
    fake.responder = lambda recorded: Reply(text="Daily sessions were steady.")

    answer = await ask(app, "sessions each day this month?")

    assert all(call.ok for call in stream_calls(fake_slack))  # Slack (the fake) accepted every call
    assert len(answer.tasks) == MAX_TASKS + 1
    summary = answer.tasks["more"]
    assert summary["title"] == f"{len(days) - MAX_TASKS} more lookups" and summary["status"] == "complete"

    # Without streaming the same plan is one context block within its 10 elements.
    fake_slack.fail_next("chat.startStream", error="not_allowed_token_type")
    fake.script(Reply(tool_calls=many))
    again = await ask(app, "and again?")
    how = next(block for block in again.blocks or [] if block["type"] == "context" and "How I got this" in str(block))
    assert len(how["elements"]) <= 10
    assert how["elements"][-1]["text"] == f"…and {len(days) - 7} more steps"


async def test_values_in_a_plan_cannot_ping_or_link(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake = fakes["anthropic"]
    hostile = {
        **BLOG_CLICKS,
        "dimension_filter_groups": [
            {
                "filters": [
                    {"dimension": "query", "operator": "contains", "expression": "<!channel> https://evil.example/x"}
                ]
            }
        ],
    }
    fake.script(Reply(tool_calls=(ScriptedToolCall("gsc_search_analytics", hostile),)))
    fake.responder = lambda recorded: Reply(text="Nothing notable.")

    answer = await ask(app, "queries?")

    task = answer.tasks["task-1"]
    shown = task["title"] + task["details"]
    assert "<!channel>" not in shown and "https://evil.example" not in shown
    assert "&lt;!channel&gt;" in task["title"] and "https[:]//evil[.]example/x" in task["title"]
    # the link is Lookout's own: the value only fills a URL-encoded filter of the Search Console report
    [source] = task["sources"]
    link = urlsplit(source["url"])
    assert (link.scheme, link.netloc) == ("https", "search.google.com")
    assert parse_qs(link.query)["query"] == ["*<!channel> https://evil.example/x"]


async def test_the_answer_text_and_total_are_unchanged_by_the_plan(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer]
) -> None:
    app = await agent_app(order=("anthropic",))
    fake = fakes["anthropic"]
    last_week = {"metrics": ["sessions"], "date_ranges": [{"start_date": "7daysAgo", "end_date": "yesterday"}]}
    fake.script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", last_week),)))

    def answer_with_total(recorded: RecordedRequest) -> Reply:
        return Reply(text=f"Sessions last week were **{sessions_total(recorded):,}**.")

    fake.responder = answer_with_total

    answer = await ask(app, "sessions last week?")

    assert answer.text == f"Sessions last week were **{sessions_total(fake.requests[1]):,}**."
    # relative dates are resolved in the title, as the property's calendar has them
    assert answer.tasks["task-1"]["title"] == "GA4: sessions, Nov 13–19"
    assert SITE  # the workspace has Search Console too, but only GA4 was read: the footer names GA4 alone
    assert "Search Console" not in footer(answer)


async def test_a_new_dm_thread_is_titled_after_what_was_looked_up_once(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fake = fakes["anthropic"]
    fake.script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", BY_CHANNEL),)), Reply(text="Steady."))
    root = message_im("how did channels do last week?")

    await app.send_event(root)
    await app.settle(timeout=15)
    fake.script(Reply(text="Yes, normal."))
    await app.send_event(message_im("is that normal?", thread_ts=root["ts"]))
    await app.settle(timeout=15)

    [titled] = fake_slack.calls_to("assistant.threads.setTitle")  # the follow-up keeps the thread's title
    assert titled.ok and titled.get("title") == GA4_TITLE
    assert (titled.get("channel_id"), titled.get("thread_ts")) == (DEFAULT_DM, root["ts"])


async def test_a_dm_thread_without_lookups_is_titled_with_the_question_shown_inert(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fakes["anthropic"].script(Reply(text="Hello!"))

    await app.send_event(message_im("hi <!here> see www.evil.example"))
    await app.settle(timeout=15)

    [titled] = fake_slack.calls_to("assistant.threads.setTitle")
    assert titled.get("title") == "hi &lt;!here&gt; see www[.]evil[.]example"


async def test_a_mention_in_a_channel_sets_no_title(
    agent_app: AgentApp, fakes: dict[str, LLMFakeServer], fake_slack: FakeSlack
) -> None:
    app = await agent_app(order=("anthropic",))
    fakes["anthropic"].script(Reply(text="Hello!"))

    await ask(app, "hi")

    assert not fake_slack.calls_to("assistant.threads.setTitle")
