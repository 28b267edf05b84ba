"""App Home's digest modal offers the roll-up (agencies) as the slash command does: tick it, optionally name the
properties, save; a name the Google connection does not list, or a channel shared with another organisation, shows
an error under its field. Driven through signed requests, with the Google grant on the fake."""

from __future__ import annotations

from typing import Any

from bot.text import rollups as rollup_words
from bot.text import subscriptions as messages
from tests.bot.digest.test_rollup_slack import agency, google
from tests.bot.slack.views.test_digest_fields import cadence_values
from tests.helpers.app_harness import StartApp
from tests.helpers.app_home import (
    digest_values,
    home_text,
    modal_element,
    open_modal,
    stored_subscriptions,
    submit_modal,
)
from tests.helpers.slack_requests import DEFAULT_CHANNEL
from tools.fakes.google import FakeGoogle

__all__ = ["google"]  # the agency's grant, as the slash-command tests use it


def rollup_values(*, ticked: bool, properties: str | None) -> dict[str, Any]:
    """The roll-up fields as Slack sends them (an unticked checkbox group has no selected options)."""
    box = {"text": {"type": "plain_text", "text": "Roll-up"}, "value": rollup_words.ROLLUP_VALUE}
    return {
        rollup_words.BLOCK_ROLLUP: {
            messages.ELEMENT: {"type": "checkboxes", "selected_options": [box] if ticked else []}
        },
        rollup_words.BLOCK_PROPERTIES: {messages.ELEMENT: {"type": "plain_text_input", "value": properties}},
    }


def values(*, properties: str | None, cadence: str = "weekly") -> dict[str, Any]:
    return {
        **digest_values(channel=DEFAULT_CHANNEL, time="08:00", timezone="Europe/Paris"),
        **cadence_values(cadence=cadence, weekday=2, kpis=[]),
        **rollup_values(ticked=True, properties=properties),
    }


async def test_a_rollup_is_added_from_the_modal_with_chosen_properties_then_edited(
    start_app: StartApp, google: FakeGoogle
) -> None:
    app = await agency(start_app, google)
    view = await open_modal(app, messages.ACTION_ADD_DIGEST)
    assert modal_element(view, rollup_words.BLOCK_ROLLUP)["type"] == "checkboxes"

    wrong = await submit_modal(app, view, values(properties="Acme, Globex"))
    saved = await submit_modal(app, view, values(properties="Beta, 111"))

    assert wrong.json()["errors"][rollup_words.BLOCK_PROPERTIES].startswith("No GA4 property “Globex” is readable")
    [subscription] = await stored_subscriptions(app)
    assert saved.text == ""
    assert (subscription.rollup, subscription.properties, subscription.cadence, subscription.weekday) == (
        True,
        "222,111",
        "weekly",
        2,
    )
    assert f"<#{DEFAULT_CHANNEL}> — weekly roll-up of 2 properties, Wednesdays at *08:00* Europe/Paris" in home_text(
        app.slack
    )

    edit = await open_modal(app, messages.ACTION_EDIT_SUBSCRIPTION, value=str(subscription.id))
    assert modal_element(edit, rollup_words.BLOCK_ROLLUP)["initial_options"][0]["value"] == rollup_words.ROLLUP_VALUE
    assert modal_element(edit, rollup_words.BLOCK_PROPERTIES)["initial_value"] == "222, 111"
    unticked = {**values(properties="222, 111"), **rollup_values(ticked=False, properties="222, 111")}
    await submit_modal(app, edit, unticked)
    [plain] = await stored_subscriptions(app)
    assert (plain.id, plain.rollup, plain.properties) == (subscription.id, False, "")


async def test_the_modal_refuses_a_rollup_in_a_channel_shared_with_another_organisation(
    start_app: StartApp, google: FakeGoogle
) -> None:
    app = await agency(start_app, google)
    app.slack.add_channel(DEFAULT_CHANNEL, ext_shared=True)
    view = await open_modal(app, messages.ACTION_ADD_DIGEST)

    refused = await submit_modal(app, view, values(properties=None))

    assert refused.json()["errors"] == {messages.BLOCK_CHANNEL: rollup_words.MODAL_SHARED_CHANNEL}
    assert await stored_subscriptions(app) == []
