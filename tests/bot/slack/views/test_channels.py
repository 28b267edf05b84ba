"""App Home as the settings page, driven as a person would through the real app and the fake Slack API: open the
"Add a digest" / "Add alerts" modals, submit them, Edit and Remove, and read the Home tab Slack is asked to show."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.fakes.slack_api import FakeSlack, SlackCall
from bot.text import subscriptions as messages
from storage.repos import agent as agent_repo
from storage.repos import google as google_repo
from storage.repos.workspaces import ensure_workspace
from storage.tables import SettingsChange, Subscription
from storage.tables.base import utcnow
from storage.tables.schedule import SubscriptionKind
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_TEAM, DEFAULT_USER, app_home_opened
from tools.fakes.google_auth import FakeGoogleAuth

HOME_VIEW = {"type": "home", "id": "V0HOME"}
MEMBER = "U0BOB"  # an ordinary member: not an admin, not a manager
SEO = "C0SEO"


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogleAuth]:
    async with FakeGoogleAuth() as fake:
        yield fake


@pytest.fixture
async def slack_app(start_app: StartApp, google: FakeGoogleAuth) -> RunningApp:
    """The real app in single-workspace mode with a Google OAuth client configured (on the fake)."""
    return await start_app(**google.settings_overrides())


async def _workspace(app: RunningApp, *, google: bool = False, property_and_site: bool = False) -> int:
    """Given: the workspace, optionally connected to Google with a property in Europe/Paris and a site."""
    async with app.services.database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=DEFAULT_TEAM, name="Acme")
        await session.flush()
        assert workspace.id is not None
        if google:
            await google_repo.save_connection(
                session=session,
                workspace_id=workspace.id,
                refresh_token_enc=app.services.cipher.encrypt("1//refresh"),
                access_token_enc=app.services.cipher.encrypt("ya29.access"),
                access_token_expires_at=utcnow() + timedelta(hours=1),
                scopes="https://www.googleapis.com/auth/analytics.readonly "
                "https://www.googleapis.com/auth/webmasters.readonly",
                connected_by_user_id=DEFAULT_USER,
                connected_at=utcnow(),
                google_email="ana@acme.test",
            )
        if property_and_site:
            await google_repo.set_property(
                session=session,
                workspace_id=workspace.id,
                channel_id="",
                property_id="123456",
                property_name="Acme web",
                timezone="Europe/Paris",
                currency="EUR",
                chosen_by_user_id=DEFAULT_USER,
                now=utcnow(),
            )
            await google_repo.set_site(
                session=session,
                workspace_id=workspace.id,
                channel_id="",
                site_url="sc-domain:acme.test",
                chosen_by_user_id=DEFAULT_USER,
                now=utcnow(),
            )
        return workspace.id


async def _subscriptions(app: RunningApp) -> list[Subscription]:
    async with app.services.database.session() as session:
        return list((await session.execute(select(Subscription).order_by(Subscription.id))).scalars())  # type: ignore[arg-type]


async def _click(app: RunningApp, action_id: str, *, value: str = "", user_id: str = DEFAULT_USER) -> None:
    response = await app.sender.action(action_id=action_id, value=value, view=HOME_VIEW, user_id=user_id)
    assert response.status == 200
    await app.settle()


async def _open(app: RunningApp, action_id: str, *, value: str = "") -> dict[str, Any]:
    """Click a button that opens a modal; return the modal Slack was asked to open."""
    before = len(app.slack.calls_to("views.open"))
    await _click(app, action_id, value=value)
    calls = await app.wait_for_calls("views.open", before + 1)
    view = calls[before].get("view")
    assert isinstance(view, dict)
    return view


def _digest_values(*, channel: str, time: str, timezone: str) -> dict[str, Any]:
    """`view.state.values` as Slack sends them for the digest modal's channel, time and timezone pickers."""
    return {
        messages.BLOCK_CHANNEL: {messages.ELEMENT: {"type": "conversations_select", "selected_conversation": channel}},
        messages.BLOCK_TIME: {messages.ELEMENT: {"type": "timepicker", "selected_time": time}},
        messages.BLOCK_TIMEZONE: {
            messages.ELEMENT: {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": timezone}, "value": timezone},
            }
        },
    }


def _alerts_values(*, channel: str, sensitivity: str) -> dict[str, Any]:
    return {
        messages.BLOCK_CHANNEL: {messages.ELEMENT: {"type": "conversations_select", "selected_conversation": channel}},
        messages.BLOCK_SENSITIVITY: {
            messages.ELEMENT: {
                "type": "radio_buttons",
                "selected_option": {"text": {"type": "plain_text", "text": sensitivity}, "value": sensitivity},
            }
        },
    }


async def _submit(app: RunningApp, view: dict[str, Any], values: dict[str, Any], *, user_id: str = DEFAULT_USER) -> Any:
    """Press Save on the modal `view` (as opened) with these values; return Slack's answer to the submission."""
    response = await app.sender.view_submission(
        callback_id=view["callback_id"],
        values=values,
        user_id=user_id,
        private_metadata=view.get("private_metadata", ""),
    )
    assert response.status == 200
    await app.settle()
    return response


def _home_text(slack: FakeSlack, user_id: str = DEFAULT_USER) -> str:
    return json.dumps(slack.home_views[user_id], ensure_ascii=False)


def _home_buttons(slack: FakeSlack, user_id: str = DEFAULT_USER) -> list[dict[str, Any]]:
    return [
        element
        for block in slack.home_views[user_id]["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def _element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    [block] = [block for block in view["blocks"] if block.get("block_id") == block_id]
    element = block["element"]
    assert isinstance(element, dict)
    return element


async def _published_after(app: RunningApp, before: int) -> SlackCall:
    calls = await app.wait_for_calls("views.publish", before + 1)
    return calls[-1]


async def test_add_a_digest_opens_a_modal_then_stores_it_and_republishes_home(slack_app: RunningApp) -> None:
    await _workspace(slack_app, google=True, property_and_site=True)

    # when Alice clicks "Add a digest" in App Home
    view = await _open(slack_app, messages.ACTION_ADD_DIGEST)

    # then a modal with Slack's own channel, time and timezone pickers opens, the timezone the property's
    assert view["callback_id"] == messages.VIEW_DIGEST
    assert _element(view, messages.BLOCK_CHANNEL)["type"] == "conversations_select"
    assert _element(view, messages.BLOCK_TIME) == {"type": "timepicker", "action_id": "pick", "initial_time": "09:00"}
    timezone = _element(view, messages.BLOCK_TIMEZONE)
    assert timezone["type"] == "static_select"
    assert timezone["initial_option"]["value"] == "Europe/Paris"
    offered = [option["value"] for group in timezone["option_groups"] for option in group["options"]]
    assert len(offered) <= 100  # Slack's limit for one select menu
    assert {"UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney"} <= set(offered)

    # when she picks #growth at 08:30 New York time and saves
    before = len(slack_app.slack.calls_to("views.publish"))
    response = await _submit(
        slack_app, view, _digest_values(channel=DEFAULT_CHANNEL, time="08:30", timezone="America/New_York")
    )

    # then the modal closes, the digest is stored, and her Home tab is published again showing it
    assert response.text == ""
    [subscription] = await _subscriptions(slack_app)
    assert (subscription.channel_id, subscription.kind) == (DEFAULT_CHANNEL, SubscriptionKind.DIGEST.value)
    assert (subscription.time_of_day, subscription.timezone, subscription.created_by) == (
        "08:30",
        "America/New_York",
        DEFAULT_USER,
    )
    published = await _published_after(slack_app, before)
    assert published.get("user_id") == DEFAULT_USER
    home = _home_text(slack_app.slack)
    assert f"<#{DEFAULT_CHANNEL}> — daily digest at *08:30* America/New_York" in home
    ids = [(button["action_id"], button.get("value")) for button in _home_buttons(slack_app.slack)]
    assert (messages.ACTION_EDIT_SUBSCRIPTION, str(subscription.id)) in ids
    assert (messages.ACTION_REMOVE_SUBSCRIPTION, str(subscription.id)) in ids
    # and the settings trail names the form and what was chosen
    async with slack_app.services.database.session() as session:
        [change] = (await session.execute(select(SettingsChange))).scalars().all()
    assert (change.user_id, change.action, change.surface) == (DEFAULT_USER, messages.VIEW_DIGEST, "modal")
    assert "America/New_York" in change.detail and "Daily digest" in home


async def test_add_alerts_stores_the_chosen_sensitivity(slack_app: RunningApp) -> None:
    await _workspace(slack_app, google=True, property_and_site=True)

    view = await _open(slack_app, messages.ACTION_ADD_ALERTS)
    sensitivity = _element(view, messages.BLOCK_SENSITIVITY)
    assert [option["value"] for option in sensitivity["options"]] == ["low", "medium", "high"]
    assert sensitivity["initial_option"]["value"] == "medium"
    await _submit(slack_app, view, _alerts_values(channel=SEO, sensitivity="high"))

    [subscription] = await _subscriptions(slack_app)
    assert (subscription.channel_id, subscription.kind, subscription.sensitivity) == (SEO, "alerts", "high")
    assert subscription.timezone == "Europe/Paris"  # as `/lookout alerts` stores it: the property's day
    assert f"<#{SEO}> — anomaly alerts, high sensitivity" in _home_text(slack_app.slack)


async def test_edit_opens_the_modal_filled_in_and_saves_the_change_in_place(slack_app: RunningApp) -> None:
    await _workspace(slack_app, google=True, property_and_site=True)
    await _submit(
        slack_app,
        await _open(slack_app, messages.ACTION_ADD_DIGEST),
        _digest_values(channel=DEFAULT_CHANNEL, time="08:30", timezone="Europe/Paris"),
    )
    [original] = await _subscriptions(slack_app)

    # when Alice clicks Edit on it
    view = await _open(slack_app, messages.ACTION_EDIT_SUBSCRIPTION, value=str(original.id))

    # then the modal shows what is saved
    assert _element(view, messages.BLOCK_CHANNEL)["initial_conversation"] == DEFAULT_CHANNEL
    assert _element(view, messages.BLOCK_TIME)["initial_time"] == "08:30"
    assert _element(view, messages.BLOCK_TIMEZONE)["initial_option"]["value"] == "Europe/Paris"

    # when she moves it to #seo at 07:00 UTC
    await _submit(slack_app, view, _digest_values(channel=SEO, time="07:00", timezone="UTC"))

    # then there is still one digest, in #seo, and Home says so
    [edited] = await _subscriptions(slack_app)
    assert (edited.channel_id, edited.time_of_day, edited.timezone) == (SEO, "07:00", "UTC")
    home = _home_text(slack_app.slack)
    assert f"<#{SEO}> — daily digest at *07:00* UTC" in home
    assert f"<#{DEFAULT_CHANNEL}> — daily digest" not in home

    # and a zone set with `/lookout digest` that the menu does not list by default is offered, and chosen, on Edit
    await _lookout(slack_app, f"digest <#{SEO}|seo> 06:45 America/Boise")
    view = await _open(slack_app, messages.ACTION_EDIT_SUBSCRIPTION, value=str(edited.id))
    assert _element(view, messages.BLOCK_TIMEZONE)["initial_option"]["value"] == "America/Boise"


async def test_remove_deletes_only_that_subscription_and_republishes_home(slack_app: RunningApp) -> None:
    await _workspace(slack_app, google=True, property_and_site=True)
    await _lookout(slack_app, f"alerts <#{DEFAULT_CHANNEL}|growth> low")
    await _lookout(slack_app, f"digest <#{DEFAULT_CHANNEL}|growth> 09:15 Europe/Paris")
    alerts, digest = sorted(await _subscriptions(slack_app), key=lambda s: s.kind)

    # the Remove button asks first
    await slack_app.send_event(app_home_opened())
    await slack_app.wait_for_calls("views.publish")
    [remove] = [
        b
        for b in _home_buttons(slack_app.slack)
        if b["action_id"] == messages.ACTION_REMOVE_SUBSCRIPTION and b["value"] == str(alerts.id)
    ]
    assert remove["confirm"]["title"]["text"] == messages.REMOVE_CONFIRM_TITLE

    before = len(slack_app.slack.calls_to("views.publish"))
    await _click(slack_app, messages.ACTION_REMOVE_SUBSCRIPTION, value=str(alerts.id))
    await _published_after(slack_app, before)

    assert [s.id for s in await _subscriptions(slack_app)] == [digest.id]
    home = _home_text(slack_app.slack)
    assert "anomaly alerts, low sensitivity" not in home
    assert f"<#{DEFAULT_CHANNEL}> — daily digest at *09:15* Europe/Paris" in home
    # and the slash command and the buttons wrote the same rows: `/lookout subscriptions` agrees
    listing = await _lookout(slack_app, "subscriptions")
    assert "daily digest at 09:15" in listing and "anomaly alerts" not in listing


async def test_a_members_modal_submission_is_refused_and_nothing_is_stored(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await _workspace(slack_app, google=True, property_and_site=True)
    view = await _open(slack_app, messages.ACTION_ADD_DIGEST)  # opened by Alice, submitted by Bob
    publishes = len(fake_slack.calls_to("views.publish"))

    response = await _submit(
        slack_app, view, _digest_values(channel=DEFAULT_CHANNEL, time="08:30", timezone="UTC"), user_id=MEMBER
    )
    await _click(slack_app, messages.ACTION_ADD_ALERTS, user_id=MEMBER)

    assert response.json()["response_action"] == "update"
    assert "Only Lookout managers" in json.dumps(response.json()["view"])
    assert await _subscriptions(slack_app) == []
    assert len(fake_slack.calls_to("views.publish")) == publishes
    assert len(fake_slack.calls_to("views.open")) == 1  # Bob's click opened nothing
    # and Bob's Home lists the channels without the buttons that would change them
    await slack_app.send_event(app_home_opened(user=MEMBER))
    await slack_app.wait_for_calls("views.publish", publishes + 1)
    assert messages.HOME_CHANNELS_HEADER in _home_text(fake_slack, MEMBER)
    assert not [b for b in _home_buttons(fake_slack, MEMBER) if b["action_id"].startswith("lookout_")]


async def test_a_channel_the_bot_is_not_in_is_an_error_under_the_field(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await _workspace(slack_app)
    fake_slack.add_channel("G0PRIVATE", name="leads")
    fake_slack.channels["G0PRIVATE"]["is_member"] = False
    view = await _open(slack_app, messages.ACTION_ADD_DIGEST)
    assert _element(view, messages.BLOCK_TIMEZONE)["initial_option"]["value"] == "UTC"  # no property to ask

    response = await _submit(slack_app, view, _digest_values(channel="G0PRIVATE", time="08:30", timezone="UTC"))

    assert response.json() == {
        "response_action": "errors",
        "errors": {messages.BLOCK_CHANNEL: messages.MODAL_NOT_A_MEMBER},
    }
    assert await _subscriptions(slack_app) == []


async def test_next_steps_go_away_one_by_one_and_usage_shows_against_the_budget(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    workspace_id = await _workspace(slack_app)
    await slack_app.send_event(app_home_opened())
    await slack_app.wait_for_calls("views.publish")
    fresh = _home_text(fake_slack)
    for step in (
        messages.STEP_CONNECT,
        messages.STEP_CHOOSE,
        messages.STEP_ASK,
        messages.STEP_DIGEST,
        messages.STEP_ALERTS,
    ):
        assert json.dumps(step, ensure_ascii=False)[1:-1] in fresh
    assert "*$0.00* of the $50.00 AI budget (0%) · 0 model requests" in fresh
    assert "/lookout connect demo" in fresh  # a way to try it first

    # on sample data, connecting Google is still a step to take, worded for where the workspace is
    await _lookout(slack_app, "connect demo")
    await slack_app.send_event(app_home_opened())
    await slack_app.wait_for_calls("views.publish", 2)
    on_sample = _home_text(fake_slack)
    assert json.dumps(messages.STEP_CONNECT_FROM_SAMPLE, ensure_ascii=False)[1:-1] in on_sample
    assert json.dumps(messages.STEP_CONNECT, ensure_ascii=False)[1:-1] not in on_sample

    # given Google is connected, a property and site chosen, a question answered ($7.40 so far) and a digest
    await _workspace(slack_app, google=True, property_and_site=True)
    async with slack_app.services.database.session() as session:
        await agent_repo.add_usage(
            session=session,
            workspace_id=workspace_id,
            month=agent_repo.month_of(utcnow()),
            model="anthropic:claude-haiku",
            input_tokens=1000,
            output_tokens=100,
            cached_tokens=0,
            cost_usd=7.40,
            requests=212,
        )
    await _lookout(slack_app, f"digest <#{DEFAULT_CHANNEL}|growth>")
    await slack_app.send_event(app_home_opened())
    await slack_app.wait_for_calls("views.publish", 3)
    partly = _home_text(fake_slack)
    assert "Next steps" in partly and "Add alerts* above" in partly
    for done in (messages.STEP_CONNECT, messages.STEP_ASK, messages.STEP_DIGEST):
        assert json.dumps(done, ensure_ascii=False)[1:-1] not in partly
    assert "*$7.40* of the $50.00 AI budget (15%) · 212 model requests" in partly

    # when the last step is done, the section is gone
    await _lookout(slack_app, f"alerts <#{DEFAULT_CHANNEL}|growth>")
    await slack_app.send_event(app_home_opened())
    await slack_app.wait_for_calls("views.publish", 4)
    assert "Next steps" not in _home_text(fake_slack)


async def test_many_subscriptions_stay_within_slacks_100_blocks(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    workspace_id = await _workspace(slack_app, google=True, property_and_site=True)
    from bot.subscriptions import manage

    for number in range(60):
        await manage.save_subscription(
            services=slack_app.services,
            workspace_id=workspace_id,
            channel_id=f"C0{number:04d}",
            kind=SubscriptionKind.DIGEST,
            time_of_day="09:00",
            timezone="UTC",
            sensitivity="medium",
            user_id=DEFAULT_USER,
        )

    await slack_app.send_event(app_home_opened())
    [published] = await slack_app.wait_for_calls("views.publish")

    blocks = published.get("view")["blocks"]
    assert len(blocks) <= 100
    home = _home_text(fake_slack)
    assert "…and 40 more" in home and "/lookout subscriptions" in home
    assert messages.ADD_DIGEST_BUTTON in home  # the Add buttons survive the summary


async def _lookout(app: RunningApp, text: str, **fields: Any) -> str:
    """Run `/lookout text` and return the ephemeral answer's text."""
    before = len(app.slack.responses)
    assert (await app.command(text, **fields)).status == 200
    responses = await app.slack.wait_for_responses(before + 1)
    await app.settle()
    return str(responses[before].body.get("text", ""))
