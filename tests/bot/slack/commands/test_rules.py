"""`/lookout rule`, `subscriptions` and `unsubscribe ID` as a manager meets them: signed slash commands through the
real app on the fake Slack, the workspace on the built-in sample property (whose GA4 metadata checks the names)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.main.scheduling import build_scheduled_work
from bot.platform.services import Services
from bot.text import rules as messages
from bot.text.alerts import ACTION_MUTE
from bot.text.sample import SAMPLE_NOTE
from storage.repos.rules import list_rules
from storage.repos.schedule import get_scheduled_subscription, list_subscriptions
from tests.bot.google.test_slack_flow import _lookout, _workspace_id
from tests.helpers.app_harness import RunningApp, StartApp

GROWTH = "<#C0GROWTH|growth>"
MEMBER = "U0BOB"  # an ordinary member of the fake workspace (the default user is an admin)


async def _demo_app(start_app: StartApp) -> RunningApp:
    app = await start_app()
    assert "sample" in (await _lookout(app, "connect demo"))["text"]
    return app


async def _rules(app: RunningApp) -> list[tuple[str, str, str, str, float, bool, str, str, str]]:
    async with app.services.database.session() as session:
        stored = await list_rules(session=session, workspace_id=await _workspace_id(app))
    return [
        (
            s.subscription.channel_id,
            s.rule.source,
            s.rule.metric,
            s.rule.condition,
            s.rule.threshold,
            s.rule.percent,
            s.rule.window,
            s.rule.dimension,
            s.rule.dimension_value,
        )
        for s in stored
    ]


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("sessions drops 30%", ("ga4", "sessions", "drops", 30.0, True, "daily", "", "")),
        ("keyEvents below 5 hourly", ("ga4", "keyEvents", "below", 5.0, False, "hourly", "", "")),
        ("sessions rises 50 % daily", ("ga4", "sessions", "rises", 50.0, True, "daily", "", "")),
        ("totalRevenue above 10,000", ("ga4", "totalRevenue", "above", 10000.0, False, "daily", "", "")),
        (
            "sessions drops 20% where sessionDefaultChannelGroup = Organic Search",
            ("ga4", "sessions", "drops", 20.0, True, "daily", "sessionDefaultChannelGroup", "Organic Search"),
        ),
        (
            "sessions drops 20% hourly where sessionSourceMedium=google / cpc",
            ("ga4", "sessions", "drops", 20.0, True, "hourly", "sessionSourceMedium", "google / cpc"),
        ),
        ("clicks drops 25% where page = /pricing", ("gsc", "clicks", "drops", 25.0, True, "daily", "page", "/pricing")),
        ("Impressions below 1000", ("gsc", "impressions", "below", 1000.0, False, "daily", "", "")),
        ("conversions drops 10%", ("ga4", "keyEvents", "drops", 10.0, True, "daily", "", "")),
    ],
)
async def test_every_rule_form_is_stored_as_written(start_app: StartApp, text: str, stored: tuple[Any, ...]) -> None:
    app = await _demo_app(start_app)

    answer = await _lookout(app, f"rule {GROWTH} {text}")

    assert await _rules(app) == [("C0GROWTH", *stored)]
    assert answer["text"].startswith(":white_check_mark: Rule `")
    assert "<#C0GROWTH>" in answer["text"] and "/lookout unsubscribe" in answer["text"]
    # the alert's comparison is said in words when the rule is made
    if stored[2] in ("drops", "rises"):
        assert "a week before" in answer["text"]
    if text.startswith("conversions"):
        assert "used keyEvents" in answer["text"]


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("rule", "Which channel?"),
        (f"rule {GROWTH}", "Which metric?"),
        (f"rule {GROWTH} sessions", "Say when to alert"),
        (f"rule {GROWTH} sessions plummets 30%", "`plummets` isn't a condition"),
        (f"rule {GROWTH} sessions drops", "Which threshold?"),
        (f"rule {GROWTH} sessions drops lots", "`lots` isn't a positive number"),
        (f"rule {GROWTH} sessions drops -5%", "`-5` isn't a positive number"),
        (f"rule {GROWTH} sessions drops 130%", "more than 100 %"),
        (f"rule {GROWTH} sessions drops 30% weekly", "`weekly`"),
        (f"rule {GROWTH} sessions drops 30% where channel", "where DIMENSION = VALUE"),
        (f"rule {GROWTH} sesions drops 30%", "Did you mean `sessions`"),
        (f"rule {GROWTH} sessions drops 30% where sessionChanel = Organic Search", "isn't a dimension"),
        (f"rule {GROWTH} clicks drops 30% hourly", "by day, not by hour"),
        (f"rule {GROWTH} clicks drops 30% where sessionDefaultChannelGroup = Paid", "`query`, `page`"),
        ("rule growth sessions drops 30%", "Which channel?"),
    ],
)
async def test_malformed_rules_get_usage_help_and_store_nothing(start_app: StartApp, text: str, hint: str) -> None:
    app = await _demo_app(start_app)

    answer = await _lookout(app, text)

    assert hint in answer["text"], answer["text"]
    assert f"Usage: `/lookout {messages.RULE_USAGE}`" in answer["text"]
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    assert await _rules(app) == []


async def test_listing_shows_every_kind_with_its_id_and_unsubscribe_id_removes_one(start_app: StartApp) -> None:
    app = await _demo_app(start_app)
    await _lookout(app, f"digest {GROWTH} 08:30")
    await _lookout(app, f"alerts {GROWTH}")
    await _lookout(app, f"rule {GROWTH} sessions drops 30%")
    await _lookout(app, f"rule {GROWTH} keyEvents below 5 hourly where sessionDefaultChannelGroup = Paid & Search")
    async with app.services.database.session() as session:
        rows = await list_subscriptions(session=session, workspace_id=await _workspace_id(app))
    assert sorted(row.kind for row in rows) == ["alerts", "digest", "rule", "rule"]

    listing = (await _lookout(app, "subscriptions"))["text"]

    for row in rows:
        assert f"id `{row.id}`" in listing
    assert "rule `sessions` drops 30 % daily" in listing
    # the value as Slack sent it (`&amp;`) is stored as typed and escaped again when shown
    assert "`sessionDefaultChannelGroup` = *Paid &amp; Search*" in listing
    assert (await _rules(app))[1][-1] == "Paid & Search"

    first_rule = min((row for row in rows if row.kind == "rule"), key=lambda row: row.id or 0)
    removed = (await _lookout(app, f"unsubscribe {first_rule.id}"))["text"]
    assert f"Removed rule `{first_rule.id}`" in removed and "`sessions` drops 30 %" in removed
    assert [rule[2] for rule in await _rules(app)] == ["keyEvents"]
    again = (await _lookout(app, f"unsubscribe {first_rule.id}"))["text"]
    assert "no digest, alert or rule with id" in again

    # the channel form keeps working, and takes the channel's rules with it
    gone = (await _lookout(app, f"unsubscribe {GROWTH}"))["text"]
    assert "Stopped the digest, alerts and rules" in gone
    assert "No digests, alerts or rules yet" in (await _lookout(app, "subscriptions"))["text"]


async def test_another_workspaces_id_is_not_removed(start_app: StartApp) -> None:
    app = await _demo_app(start_app)
    await _lookout(app, f"rule {GROWTH} sessions drops 30%")
    [(channel, *_)] = await _rules(app)

    answer = (await _lookout(app, "unsubscribe 99999"))["text"]

    assert "no digest, alert or rule with id `99999`" in answer
    assert len(await _rules(app)) == 1 and channel == "C0GROWTH"


async def test_an_ordinary_member_cannot_add_a_rule(start_app: StartApp) -> None:
    app = await _demo_app(start_app)

    answer = await _lookout(app, f"rule {GROWTH} sessions drops 30%", user_id=MEMBER)

    assert "Only Lookout managers" in answer["text"]
    assert await _rules(app) == []


async def test_without_google_the_rule_asks_to_connect_first(start_app: StartApp) -> None:
    app = await start_app()

    answer = await _lookout(app, f"rule {GROWTH} sessions drops 30%")

    assert "/lookout connect" in answer["text"] or "GOOGLE_CLIENT_ID" in answer["text"]
    assert await _rules(app) == []


async def test_a_rule_made_in_slack_alerts_once_and_its_mute_button_mutes_it(start_app: StartApp) -> None:
    # The Demo Store's planted incident: its GA4 tag stopped firing 16 hours before this moment.
    now = datetime(2026, 12, 6, 15, 8, tzinfo=UTC)

    def configure(services: Services) -> None:
        services.clock = lambda: now

    app = await start_app(configure=configure)
    await _lookout(app, "connect demo")
    await _lookout(app, f"rule {GROWTH} sessions below 5 hourly")
    async with app.services.database.session() as session:
        [row] = await list_subscriptions(session=session, workspace_id=await _workspace_id(app))
        assert row.id is not None
        subscription = await get_scheduled_subscription(session=session, subscription_id=row.id)
    assert subscription is not None
    work = build_scheduled_work(app.services, claimant="test")

    checked = await work.rules.check(subscription)
    await work.rules.check(subscription)

    assert checked.verdict is not None and checked.verdict.breached
    [alert] = [call for call in app.slack.calls_to("chat.postMessage") if call.get("channel") == "C0GROWTH"]
    text = json.dumps(alert.get("blocks"))
    assert "*Sessions below 5*" in str(alert.get("text")) and SAMPLE_NOTE in text and "each complete hour" in text

    mute = next(
        element
        for block in alert.get("blocks")
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ACTION_MUTE
    )
    await app.sender.action(
        action_id=ACTION_MUTE, value=mute["value"], message_ts=alert.response["ts"], channel_id="C0GROWTH"
    )
    (update,) = await app.wait_for_calls("chat.update")
    assert "muted this rule for 7 days" in json.dumps(update.get("blocks"))
