"""Saving the "Add a digest" / "Add alerts" modals from App Home, driven as a person would: what is stored, what
Home shows after, and the errors shown under a field."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.fakes.slack_api import FakeSlack
from bot.text import subscriptions as messages
from storage.tables import SettingsChange
from storage.tables.schedule import SubscriptionKind
from tests.helpers.app_harness import RunningApp
from tests.helpers.app_home import (
    MEMBER,
    SEO,
    alerts_values,
    click,
    digest_values,
    given_workspace,
    home_buttons,
    home_text,
    modal_element,
    open_modal,
    published_after,
    stored_subscriptions,
    submit_modal,
)
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_USER, app_home_opened


async def test_add_a_digest_opens_a_modal_then_stores_it_and_republishes_home(home_app: RunningApp) -> None:
    await given_workspace(home_app, google=True, property_and_site=True)

    # when Alice clicks "Add a digest" in App Home
    view = await open_modal(home_app, messages.ACTION_ADD_DIGEST)

    # then a modal with Slack's own channel, time and timezone pickers opens, the timezone the property's
    assert view["callback_id"] == messages.VIEW_DIGEST
    assert modal_element(view, messages.BLOCK_CHANNEL)["type"] == "conversations_select"
    assert modal_element(view, messages.BLOCK_TIME) == {
        "type": "timepicker",
        "action_id": "pick",
        "initial_time": "09:00",
    }
    timezone = modal_element(view, messages.BLOCK_TIMEZONE)
    assert timezone["type"] == "static_select"
    assert timezone["initial_option"]["value"] == "Europe/Paris"
    offered = [option["value"] for group in timezone["option_groups"] for option in group["options"]]
    assert len(offered) <= 100  # Slack's limit for one select menu
    assert {"UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney"} <= set(offered)

    # when she picks #growth at 08:30 New York time and saves
    before = len(home_app.slack.calls_to("views.publish"))
    response = await submit_modal(
        home_app, view, digest_values(channel=DEFAULT_CHANNEL, time="08:30", timezone="America/New_York")
    )

    # then the modal closes, the digest is stored, and her Home tab is published again showing it
    assert response.text == ""
    [subscription] = await stored_subscriptions(home_app)
    assert (subscription.channel_id, subscription.kind) == (DEFAULT_CHANNEL, SubscriptionKind.DIGEST.value)
    assert (subscription.time_of_day, subscription.timezone, subscription.created_by) == (
        "08:30",
        "America/New_York",
        DEFAULT_USER,
    )
    published = await published_after(home_app, before)
    assert published.get("user_id") == DEFAULT_USER
    home = home_text(home_app.slack)
    assert f"<#{DEFAULT_CHANNEL}> — daily digest at *08:30* America/New_York" in home
    ids = [(button["action_id"], button.get("value")) for button in home_buttons(home_app.slack)]
    assert (messages.ACTION_EDIT_SUBSCRIPTION, str(subscription.id)) in ids
    assert (messages.ACTION_REMOVE_SUBSCRIPTION, str(subscription.id)) in ids
    # and the settings trail names the form and what was chosen
    async with home_app.services.database.session() as session:
        [change] = (await session.execute(select(SettingsChange))).scalars().all()
    assert (change.user_id, change.action, change.surface) == (DEFAULT_USER, messages.VIEW_DIGEST, "modal")
    assert "America/New_York" in change.detail and "Digest (daily, weekly or monthly)" in home


async def test_add_alerts_stores_the_chosen_sensitivity(home_app: RunningApp) -> None:
    await given_workspace(home_app, google=True, property_and_site=True)

    view = await open_modal(home_app, messages.ACTION_ADD_ALERTS)
    sensitivity = modal_element(view, messages.BLOCK_SENSITIVITY)
    assert [option["value"] for option in sensitivity["options"]] == ["low", "medium", "high"]
    assert sensitivity["initial_option"]["value"] == "medium"
    await submit_modal(home_app, view, alerts_values(channel=SEO, sensitivity="high"))

    [subscription] = await stored_subscriptions(home_app)
    assert (subscription.channel_id, subscription.kind, subscription.sensitivity) == (SEO, "alerts", "high")
    assert subscription.timezone == "Europe/Paris"  # as `/lookout alerts` stores it: the property's day
    assert f"<#{SEO}> — anomaly alerts, high sensitivity" in home_text(home_app.slack)


async def test_a_members_modal_submission_is_refused_and_nothing_is_stored(
    home_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await given_workspace(home_app, google=True, property_and_site=True)
    view = await open_modal(home_app, messages.ACTION_ADD_DIGEST)  # opened by Alice, submitted by Bob
    publishes = len(fake_slack.calls_to("views.publish"))

    response = await submit_modal(
        home_app, view, digest_values(channel=DEFAULT_CHANNEL, time="08:30", timezone="UTC"), user_id=MEMBER
    )
    await click(home_app, messages.ACTION_ADD_ALERTS, user_id=MEMBER)

    assert response.json()["response_action"] == "update"
    assert "Only Lookout managers" in json.dumps(response.json()["view"])
    assert await stored_subscriptions(home_app) == []
    assert len(fake_slack.calls_to("views.publish")) == publishes
    assert len(fake_slack.calls_to("views.open")) == 1  # Bob's click opened nothing
    # and Bob's Home lists the channels without the buttons that would change them
    await home_app.send_event(app_home_opened(user=MEMBER))
    await home_app.wait_for_calls("views.publish", publishes + 1)
    assert messages.HOME_CHANNELS_HEADER in home_text(fake_slack, MEMBER)
    assert not [b for b in home_buttons(fake_slack, MEMBER) if b["action_id"].startswith("lookout_")]


async def test_a_channel_the_bot_is_not_in_is_an_error_under_the_field(
    home_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await given_workspace(home_app)
    fake_slack.add_channel("G0PRIVATE", name="leads")
    fake_slack.channels["G0PRIVATE"]["is_member"] = False
    view = await open_modal(home_app, messages.ACTION_ADD_DIGEST)
    assert modal_element(view, messages.BLOCK_TIMEZONE)["initial_option"]["value"] == "UTC"  # no property to ask

    response = await submit_modal(home_app, view, digest_values(channel="G0PRIVATE", time="08:30", timezone="UTC"))

    assert response.json() == {
        "response_action": "errors",
        "errors": {messages.BLOCK_CHANNEL: messages.MODAL_NOT_A_MEMBER},
    }
    assert await stored_subscriptions(home_app) == []
