"""Driving App Home's settings as a person would, through the real app and the fake Slack API: the workspace as a
test needs it, clicks, the modals Slack is asked to open and their submissions, `/lookout`, and the Home tab as
published."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.fakes.slack_api import FakeSlack, SlackCall
from bot.text import subscriptions as messages
from storage.repos import google as google_repo
from storage.repos.workspaces import ensure_workspace
from storage.tables import Subscription
from storage.tables.base import utcnow
from tests.helpers.app_harness import RunningApp
from tests.helpers.slack_requests import DEFAULT_TEAM, DEFAULT_USER

HOME_VIEW = {"type": "home", "id": "V0HOME"}
MEMBER = "U0BOB"  # an ordinary member: not an admin, not a manager
SEO = "C0SEO"


async def given_workspace(app: RunningApp, *, google: bool = False, property_and_site: bool = False) -> int:
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


async def stored_subscriptions(app: RunningApp) -> list[Subscription]:
    async with app.services.database.session() as session:
        return list((await session.execute(select(Subscription).order_by(Subscription.id))).scalars())  # type: ignore[arg-type]


async def click(app: RunningApp, action_id: str, *, value: str = "", user_id: str = DEFAULT_USER) -> None:
    response = await app.sender.action(action_id=action_id, value=value, view=HOME_VIEW, user_id=user_id)
    assert response.status == 200
    await app.settle()


async def open_modal(app: RunningApp, action_id: str, *, value: str = "") -> dict[str, Any]:
    """Click a button that opens a modal; return the modal Slack was asked to open."""
    before = len(app.slack.calls_to("views.open"))
    await click(app, action_id, value=value)
    calls = await app.wait_for_calls("views.open", before + 1)
    view = calls[before].get("view")
    assert isinstance(view, dict)
    return view


def digest_values(*, channel: str, time: str, timezone: str) -> dict[str, Any]:
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


def alerts_values(*, channel: str, sensitivity: str) -> dict[str, Any]:
    return {
        messages.BLOCK_CHANNEL: {messages.ELEMENT: {"type": "conversations_select", "selected_conversation": channel}},
        messages.BLOCK_SENSITIVITY: {
            messages.ELEMENT: {
                "type": "radio_buttons",
                "selected_option": {"text": {"type": "plain_text", "text": sensitivity}, "value": sensitivity},
            }
        },
    }


async def submit_modal(
    app: RunningApp, view: dict[str, Any], values: dict[str, Any], *, user_id: str = DEFAULT_USER
) -> Any:
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


def home_text(slack: FakeSlack, user_id: str = DEFAULT_USER) -> str:
    return json.dumps(slack.home_views[user_id], ensure_ascii=False)


def home_buttons(slack: FakeSlack, user_id: str = DEFAULT_USER) -> list[dict[str, Any]]:
    return [
        element
        for block in slack.home_views[user_id]["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def modal_element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    [block] = [block for block in view["blocks"] if block.get("block_id") == block_id]
    element = block["element"]
    assert isinstance(element, dict)
    return element


async def published_after(app: RunningApp, before: int) -> SlackCall:
    calls = await app.wait_for_calls("views.publish", before + 1)
    return calls[-1]


async def lookout(app: RunningApp, text: str, **fields: Any) -> str:
    """Run `/lookout text` and return the ephemeral answer's text."""
    before = len(app.slack.responses)
    assert (await app.command(text, **fields)).status == 200
    responses = await app.slack.wait_for_responses(before + 1)
    await app.settle()
    return str(responses[before].body.get("text", ""))
