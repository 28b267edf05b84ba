"""App Home's Edit and Remove buttons on a subscription, driven as a person would."""

from __future__ import annotations

from bot.text import subscriptions as messages
from tests.helpers.app_harness import RunningApp
from tests.helpers.app_home import (
    SEO,
    click,
    digest_values,
    given_workspace,
    home_buttons,
    home_text,
    lookout,
    modal_element,
    open_modal,
    published_after,
    stored_subscriptions,
    submit_modal,
)
from tests.helpers.slack_requests import DEFAULT_CHANNEL, app_home_opened


async def test_edit_opens_the_modal_filled_in_and_saves_the_change_in_place(home_app: RunningApp) -> None:
    await given_workspace(home_app, google=True, property_and_site=True)
    await submit_modal(
        home_app,
        await open_modal(home_app, messages.ACTION_ADD_DIGEST),
        digest_values(channel=DEFAULT_CHANNEL, time="08:30", timezone="Europe/Paris"),
    )
    [original] = await stored_subscriptions(home_app)

    # when Alice clicks Edit on it
    view = await open_modal(home_app, messages.ACTION_EDIT_SUBSCRIPTION, value=str(original.id))

    # then the modal shows what is saved
    assert modal_element(view, messages.BLOCK_CHANNEL)["initial_conversation"] == DEFAULT_CHANNEL
    assert modal_element(view, messages.BLOCK_TIME)["initial_time"] == "08:30"
    assert modal_element(view, messages.BLOCK_TIMEZONE)["initial_option"]["value"] == "Europe/Paris"

    # when she moves it to #seo at 07:00 UTC
    await submit_modal(home_app, view, digest_values(channel=SEO, time="07:00", timezone="UTC"))

    # then there is still one digest, in #seo, and Home says so
    [edited] = await stored_subscriptions(home_app)
    assert (edited.channel_id, edited.time_of_day, edited.timezone) == (SEO, "07:00", "UTC")
    home = home_text(home_app.slack)
    assert f"<#{SEO}> — daily digest at *07:00* UTC" in home
    assert f"<#{DEFAULT_CHANNEL}> — daily digest" not in home

    # and a zone set with `/lookout digest` that the menu does not list by default is offered, and chosen, on Edit
    await lookout(home_app, f"digest <#{SEO}|seo> 06:45 America/Boise")
    view = await open_modal(home_app, messages.ACTION_EDIT_SUBSCRIPTION, value=str(edited.id))
    assert modal_element(view, messages.BLOCK_TIMEZONE)["initial_option"]["value"] == "America/Boise"


async def test_remove_deletes_only_that_subscription_and_republishes_home(home_app: RunningApp) -> None:
    await given_workspace(home_app, google=True, property_and_site=True)
    await lookout(home_app, f"alerts <#{DEFAULT_CHANNEL}|growth> low")
    await lookout(home_app, f"digest <#{DEFAULT_CHANNEL}|growth> 09:15 Europe/Paris")
    alerts, digest = sorted(await stored_subscriptions(home_app), key=lambda s: s.kind)

    # the Remove button asks first
    await home_app.send_event(app_home_opened())
    await home_app.wait_for_calls("views.publish")
    [remove] = [
        b
        for b in home_buttons(home_app.slack)
        if b["action_id"] == messages.ACTION_REMOVE_SUBSCRIPTION and b["value"] == str(alerts.id)
    ]
    assert remove["confirm"]["title"]["text"] == messages.REMOVE_CONFIRM_TITLE

    before = len(home_app.slack.calls_to("views.publish"))
    await click(home_app, messages.ACTION_REMOVE_SUBSCRIPTION, value=str(alerts.id))
    await published_after(home_app, before)

    assert [s.id for s in await stored_subscriptions(home_app)] == [digest.id]
    home = home_text(home_app.slack)
    assert "anomaly alerts, low sensitivity" not in home
    assert f"<#{DEFAULT_CHANNEL}> — daily digest at *09:15* Europe/Paris" in home
    # and the slash command and the buttons wrote the same rows: `/lookout subscriptions` agrees
    listing = await lookout(home_app, "subscriptions")
    assert "daily digest at 09:15" in listing and "anomaly alerts" not in listing
