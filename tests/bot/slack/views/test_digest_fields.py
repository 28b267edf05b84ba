"""App Home's digest modal offers the cadence, the weekday of a weekly digest and the KPIs of a weekly or monthly
one, driven as a person would: what is stored, what Home shows, and an Edit that keeps what was chosen."""

from __future__ import annotations

from typing import Any

from bot.text import subscriptions as messages
from tests.helpers.app_harness import RunningApp
from tests.helpers.app_home import (
    digest_values,
    given_workspace,
    home_text,
    lookout,
    modal_element,
    open_modal,
    stored_subscriptions,
    submit_modal,
)
from tests.helpers.slack_requests import DEFAULT_CHANNEL


def _select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value}}


def cadence_values(*, cadence: str, weekday: int | None, kpis: list[str]) -> dict[str, Any]:
    """`view.state.values` of the cadence fields as Slack sends them (an optional field left empty is null)."""
    return {
        messages.BLOCK_CADENCE: {messages.ELEMENT: _select(cadence)},
        messages.BLOCK_WEEKDAY: {
            messages.ELEMENT: _select(str(weekday)) if weekday is not None else {"type": "static_select"}
        },
        messages.BLOCK_KPIS: {
            messages.ELEMENT: {
                "type": "multi_static_select",
                "selected_options": [{"text": {"type": "plain_text", "text": k}, "value": k} for k in kpis],
            }
        },
    }


async def test_a_weekly_digest_is_added_beside_the_daily_one_and_edited_in_place(home_app: RunningApp) -> None:
    await given_workspace(home_app, google=True, property_and_site=True)
    await lookout(home_app, f"digest <#{DEFAULT_CHANNEL}|growth> 09:00 Europe/Paris")

    # when Alice clicks "Add a digest", the modal offers how often, the weekday and the KPIs
    view = await open_modal(home_app, messages.ACTION_ADD_DIGEST)
    cadence = modal_element(view, messages.BLOCK_CADENCE)
    assert [o["value"] for o in cadence["options"]] == ["daily", "weekly", "monthly"]
    assert cadence["initial_option"]["value"] == "daily"
    assert modal_element(view, messages.BLOCK_WEEKDAY)["initial_option"]["value"] == "0"
    kpis = modal_element(view, messages.BLOCK_KPIS)
    offered = [o["value"] for o in kpis["options"]]
    assert {"sessions", "keyEvents:purchase", "sessionKeyEventRate", "gsc:clicks"} <= set(offered)
    assert [o["value"] for o in kpis["initial_options"]] == [
        "sessions",
        "totalUsers",
        "keyEvents",
        "totalRevenue",
        "sessionKeyEventRate",
        "gsc:clicks",
    ]

    # and she saves a weekly digest on Wednesdays with three KPIs
    values = digest_values(channel=DEFAULT_CHANNEL, time="08:00", timezone="Europe/Paris")
    values |= cadence_values(cadence="weekly", weekday=2, kpis=["sessions", "keyEvents:purchase", "gsc:clicks"])
    response = await submit_modal(home_app, view, values)

    # then the channel has both digests, and Home lists the weekly one
    assert response.text == ""
    daily, weekly = await stored_subscriptions(home_app)
    assert (daily.cadence, daily.time_of_day) == ("daily", "09:00")
    assert (weekly.cadence, weekly.weekday, weekly.time_of_day, weekly.kpis) == (
        "weekly",
        2,
        "08:00",
        "sessions,keyEvents:purchase,gsc:clicks",
    )
    home = home_text(home_app.slack)
    assert f"<#{DEFAULT_CHANNEL}> — weekly digest, Wednesdays at *08:00* Europe/Paris" in home
    assert f"<#{DEFAULT_CHANNEL}> — daily digest at *09:00* Europe/Paris" in home

    # when she edits the weekly one, the modal shows what it has saved
    view = await open_modal(home_app, messages.ACTION_EDIT_SUBSCRIPTION, value=str(weekly.id))
    assert modal_element(view, messages.BLOCK_CADENCE)["initial_option"]["value"] == "weekly"
    assert modal_element(view, messages.BLOCK_WEEKDAY)["initial_option"]["value"] == "2"
    assert [o["value"] for o in modal_element(view, messages.BLOCK_KPIS)["initial_options"]] == [
        "sessions",
        "keyEvents:purchase",
        "gsc:clicks",
    ]
    # and moving it to a monthly digest (no KPIs chosen: the default set) changes it in place
    values = digest_values(channel=DEFAULT_CHANNEL, time="07:30", timezone="Europe/Paris")
    values |= cadence_values(cadence="monthly", weekday=None, kpis=[])
    await submit_modal(home_app, view, values)

    daily_after, monthly = await stored_subscriptions(home_app)
    assert daily_after.id == daily.id and daily_after.cadence == "daily"
    assert (monthly.cadence, monthly.time_of_day, monthly.kpis) == ("monthly", "07:30", "")
    assert f"<#{DEFAULT_CHANNEL}> — monthly digest, the 1st at *07:30* Europe/Paris" in home_text(home_app.slack)


async def test_an_unknown_cadence_or_kpi_is_an_error_under_its_field(home_app: RunningApp) -> None:
    await given_workspace(home_app, google=True, property_and_site=True)
    view = await open_modal(home_app, messages.ACTION_ADD_DIGEST)
    base = digest_values(channel=DEFAULT_CHANNEL, time="08:00", timezone="UTC")

    bad_cadence = await submit_modal(home_app, view, base | cadence_values(cadence="yearly", weekday=0, kpis=[]))
    bad_kpi = await submit_modal(home_app, view, base | cadence_values(cadence="weekly", weekday=0, kpis=["bogus"]))

    assert bad_cadence.json()["errors"] == {messages.BLOCK_CADENCE: messages.MODAL_BAD_CADENCE}
    assert bad_kpi.json()["errors"] == {messages.BLOCK_KPIS: messages.MODAL_BAD_KPIS}
    assert await stored_subscriptions(home_app) == []
