"""Who may change Lookout's settings, through the real app and the fake Slack API: admins and named managers may;
an ordinary member's commands, App Home buttons and modal submissions are refused and change nothing; a guest's
question is declined unless an admin allows guests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.fakes.slack_api import FakeSlack
from bot.text import access as access_messages
from bot.text import alerts as alert_messages
from bot.text import google as google_messages
from storage.repos import google as google_repo
from storage.repos.workspaces import ensure_workspace
from storage.tables import (
    GoogleChoice,
    GoogleConnection,
    GoogleOAuthState,
    SettingsChange,
    Subscription,
    WorkspaceAccess,
)
from storage.tables.base import utcnow
from tests.bot.slack.test_oauth_install import install
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_TEAM, DEFAULT_USER, app_home_opened, app_mention
from tools.fakes.google_auth import FakeGoogleAuth

MEMBER = "U0BOB"
OTHER_MEMBER = "U0CAROL"
GUEST = "U0GUEST"
GROWTH = f"<#{DEFAULT_CHANNEL}|growth>"
HOME_VIEW = {"type": "home", "id": "V0HOME"}


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogleAuth]:
    async with FakeGoogleAuth() as fake:
        yield fake


@pytest.fixture
async def slack_app(start_app: StartApp, google: FakeGoogleAuth) -> RunningApp:
    """The real app in single-workspace mode, with Google's OAuth endpoints on the fake."""
    return await start_app(**google.settings_overrides())


async def _lookout(app: RunningApp, text: str, **fields: Any) -> str:
    """Run `/lookout text` and return the ephemeral answer's text."""
    before = len(app.slack.responses)
    assert (await app.command(text, **fields)).status == 200
    responses = await app.slack.wait_for_responses(before + 1)
    await app.settle()
    return str(responses[before].body.get("text", ""))


async def _connected_workspace(app: RunningApp) -> int:
    """Given: the workspace exists and has a Google connection (as if a manager had connected it)."""
    async with app.services.database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=DEFAULT_TEAM, name="Acme")
        await session.flush()
        assert workspace.id is not None
        await google_repo.save_connection(
            session=session,
            workspace_id=workspace.id,
            refresh_token_enc=app.services.cipher.encrypt("1//refresh"),
            access_token_enc=app.services.cipher.encrypt("ya29.access"),
            access_token_expires_at=utcnow() + timedelta(hours=1),
            scopes=" ".join(google_repo_scopes()),
            connected_by_user_id=DEFAULT_USER,
            connected_at=utcnow(),
        )
        return workspace.id


def google_repo_scopes() -> list[str]:
    from bot.google.oauth import SCOPES

    return list(SCOPES)


async def _rows(app: RunningApp, table: Any) -> list[Any]:
    async with app.services.database.session() as session:
        return list((await session.execute(select(table))).scalars())


async def _name_managers(
    app: RunningApp, *, users: list[str] | None = None, group: tuple[str, str] | None = None, guests: bool = False
) -> Any:
    """Alice (an admin) submits the "Lookout managers" modal."""
    values: dict[str, Any] = {
        access_messages.BLOCK_MANAGERS: {
            access_messages.ELEMENT_MANAGERS: {"type": "multi_users_select", "selected_users": users or []}
        },
        access_messages.BLOCK_GUESTS: {
            access_messages.ELEMENT_GUESTS: {
                "type": "checkboxes",
                "selected_options": [{"value": access_messages.GUESTS_ALLOWED_VALUE}] if guests else [],
            }
        },
    }
    if group is not None:
        group_id, handle = group
        values[access_messages.BLOCK_GROUP] = {
            access_messages.ELEMENT_GROUP: {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": f"@{handle}"}, "value": group_id},
            }
        }
    response = await app.sender.view_submission(callback_id=access_messages.VIEW_MANAGERS, values=values)
    await app.settle()
    return response


async def test_an_ordinary_members_settings_commands_are_refused_and_change_nothing(slack_app: RunningApp) -> None:
    # given a connected workspace and Bob, an ordinary member
    await _connected_workspace(slack_app)

    # when Bob tries every settings command
    for text in (
        "connect",
        "disconnect",
        "property 123456",
        "site sc-domain:acme.test",
        "property 123456 here",
        f"digest {GROWTH} 09:00",
        f"alerts {GROWTH} high",
        f"unsubscribe {GROWTH}",
    ):
        answer = await _lookout(slack_app, text, user_id=MEMBER)
        # then each is refused, saying who can do it
        assert "Only Lookout managers can change" in answer, text
        assert "workspace admins and owners" in answer and "Nothing was changed" in answer

    # and nothing changed: Google still connected, no choice, no subscription, no consent link, no trail entry
    [connection] = await _rows(slack_app, GoogleConnection)
    assert connection.connected_by_user_id == DEFAULT_USER
    assert await _rows(slack_app, GoogleChoice) == []
    assert await _rows(slack_app, Subscription) == []
    assert await _rows(slack_app, GoogleOAuthState) == []
    assert await _rows(slack_app, SettingsChange) == []
    # while reading is for everyone
    assert "Google" in await _lookout(slack_app, "status", user_id=MEMBER)
    assert "Lookout commands" in await _lookout(slack_app, "help", user_id=MEMBER)
    assert "Only Lookout managers" not in await _lookout(slack_app, "subscriptions", user_id=MEMBER)


async def test_an_ordinary_members_app_home_buttons_and_menus_are_refused(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await _connected_workspace(slack_app)

    # when Bob clicks Disconnect in App Home
    await slack_app.sender.action(action_id=google_messages.ACTION_DISCONNECT, view=HOME_VIEW, user_id=MEMBER)
    [dm] = await slack_app.wait_for_calls("chat.postMessage")
    # then he is told, in his DM, who can do it, and Google stays connected
    assert dm.get("channel") == MEMBER and "Only Lookout managers" in dm.get("text")
    assert len(await _rows(slack_app, GoogleConnection)) == 1

    # when he picks a property in a picker menu under a message
    await slack_app.sender.action(
        action_id=google_messages.ACTION_PICK_PROPERTY, selected_value="123456", user_id=MEMBER
    )
    [refusal] = await fake_slack.wait_for_responses(1)
    await slack_app.settle()
    assert refusal.body["response_type"] == "ephemeral" and "Only Lookout managers" in refusal.body["text"]
    assert await _rows(slack_app, GoogleChoice) == []
    assert await _rows(slack_app, SettingsChange) == []

    # and his App Home shows who the managers are, without the admin's button or the trail
    await slack_app.send_event(app_home_opened(user=MEMBER))
    [home] = await slack_app.wait_for_calls("views.publish")
    text = str(home.get("view"))
    assert "Who can change settings" in text
    assert access_messages.ACTION_EDIT_MANAGERS not in text and "Recent settings changes" not in text


async def test_an_ordinary_members_modal_submissions_are_refused(slack_app: RunningApp) -> None:
    await _connected_workspace(slack_app)

    # when Bob submits the managers modal naming himself, and another settings modal
    values = {
        access_messages.BLOCK_MANAGERS: {
            access_messages.ELEMENT_MANAGERS: {"type": "multi_users_select", "selected_users": [MEMBER]}
        }
    }
    managers = await slack_app.sender.view_submission(
        callback_id=access_messages.VIEW_MANAGERS, values=values, user_id=MEMBER
    )
    digest = await slack_app.sender.view_submission(
        callback_id="lookout_digest_modal",
        values={"channel": {"pick": {"type": "conversations_select", "selected_conversation": DEFAULT_CHANNEL}}},
        user_id=MEMBER,
    )
    await slack_app.settle()

    # then each modal turns into the refusal, and nothing is saved
    assert managers.status == 200 and managers.json()["response_action"] == "update"
    assert "Only workspace admins and owners" in str(managers.json()["view"])
    assert digest.json()["response_action"] == "update"
    assert "Only Lookout managers" in str(digest.json()["view"])
    assert await _rows(slack_app, WorkspaceAccess) == []
    assert await _rows(slack_app, SettingsChange) == []


async def test_an_admins_changes_succeed_and_the_trail_records_who_what_and_where(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await _connected_workspace(slack_app)

    # when Alice (an admin) subscribes a channel and disconnects Google from App Home
    answer = await _lookout(slack_app, f"digest {GROWTH} 08:30 Europe/Paris")
    await slack_app.sender.action(action_id=google_messages.ACTION_DISCONNECT, view=HOME_VIEW)
    await slack_app.wait_for_calls("views.publish")

    # then both happened
    assert "Only Lookout managers" not in answer
    [subscription] = await _rows(slack_app, Subscription)
    assert subscription.time_of_day == "08:30"
    assert await _rows(slack_app, GoogleConnection) == []
    # and the trail says who did what, from where; her App Home shows it
    changes = sorted(await _rows(slack_app, SettingsChange), key=lambda change: change.id)
    assert [(c.user_id, c.action, c.surface) for c in changes] == [
        (DEFAULT_USER, "digest", "slash"),
        (DEFAULT_USER, google_messages.ACTION_DISCONNECT, "app_home"),
    ]
    assert changes[0].detail == f"/lookout digest {GROWTH} 08:30 Europe/Paris"
    home = str(fake_slack.home_views[DEFAULT_USER])
    assert "Recent settings changes" in home and "slash command" in home and "App Home" in home


async def test_a_manager_named_in_app_home_may_change_settings(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    await _connected_workspace(slack_app)

    # given Alice opens the managers modal from App Home
    await slack_app.sender.action(action_id=access_messages.ACTION_EDIT_MANAGERS, view=HOME_VIEW)
    [opened] = await slack_app.wait_for_calls("views.open")
    assert opened.get("view")["callback_id"] == access_messages.VIEW_MANAGERS
    # and names Bob
    response = await _name_managers(slack_app, users=[MEMBER])
    assert response.status == 200 and response.text == ""

    # then Bob may subscribe a channel, Carol still may not, and her refusal names Bob
    assert "Only Lookout managers" not in await _lookout(slack_app, f"alerts {GROWTH} low", user_id=MEMBER)
    refused = await _lookout(slack_app, f"unsubscribe {GROWTH}", user_id=OTHER_MEMBER)
    assert "Only Lookout managers" in refused and f"<@{MEMBER}>" in refused
    [subscription] = await _rows(slack_app, Subscription)
    assert subscription.created_by == MEMBER
    assert [c.action for c in await _rows(slack_app, SettingsChange)] == [access_messages.VIEW_MANAGERS, "alerts"]


async def test_members_of_a_user_group_named_in_app_home_are_managers(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await _connected_workspace(slack_app)
    fake_slack.add_usergroup("S0GROWTH", handle="growth-leads", members=[OTHER_MEMBER])

    # the modal offers the workspace's user groups
    await slack_app.sender.action(action_id=access_messages.ACTION_EDIT_MANAGERS, view=HOME_VIEW)
    [opened] = await slack_app.wait_for_calls("views.open")
    assert "@growth-leads" in str(opened.get("view"))
    await _name_managers(slack_app, group=("S0GROWTH", "growth-leads"))

    assert "Only Lookout managers" not in await _lookout(slack_app, f"digest {GROWTH}", user_id=OTHER_MEMBER)
    refused = await _lookout(slack_app, f"unsubscribe {GROWTH}", user_id=MEMBER)
    assert "members of @growth-leads" in refused
    assert len(await _rows(slack_app, Subscription)) == 1
    assert len(fake_slack.calls_to("usergroups.users.list")) == 1  # Bob's check reused the cached membership


async def test_the_installer_is_a_manager_from_the_start_in_multi_workspace_mode(
    start_app: StartApp, fake_slack: FakeSlack, google: FakeGoogleAuth
) -> None:
    app = await start_app(mode="multi", **google.settings_overrides())
    fake_slack.add_oauth_code("code-acme", team_id="T0ACME", installer_user_id="U0DANA")
    await install(app, code="code-acme")
    fake_slack.add_user("U0DANA", team_id="T0ACME")  # an ordinary member who installed the app

    assert "Only Lookout managers" not in await _lookout(app, f"digest {GROWTH}", team_id="T0ACME", user_id="U0DANA")
    refused = await _lookout(app, f"unsubscribe {GROWTH}", team_id="T0ACME", user_id=MEMBER)
    assert "<@U0DANA> (who installed Lookout)" in refused


async def test_the_installer_is_a_manager_from_the_start_in_single_workspace_mode(
    start_app: StartApp, google: FakeGoogleAuth
) -> None:
    app = await start_app(lookout_installer_user_id="U0DANA", **google.settings_overrides())

    assert "Only Lookout managers" not in await _lookout(app, f"digest {GROWTH}", user_id="U0DANA")
    assert "Only Lookout managers" in await _lookout(app, f"unsubscribe {GROWTH}", user_id=MEMBER)


async def test_enterprise_grid_org_admins_count_as_admins(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    fake_slack.workspace.enterprise_id = "E0GRID"
    fake_slack.add_user("U0ORGADMIN", org_admin=True)  # not an admin of this workspace, an admin of the org
    fake_slack.add_user("U0ORGMEMBER")

    assert "Only Lookout managers" not in await _lookout(
        slack_app, f"digest {GROWTH}", user_id="U0ORGADMIN", enterprise_id="E0GRID"
    )
    assert "Only Lookout managers" in await _lookout(
        slack_app, f"digest {GROWTH}", user_id="U0ORGMEMBER", enterprise_id="E0GRID"
    )


async def test_a_guests_question_is_declined_until_an_admin_allows_guests(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(GUEST, is_restricted=True)
    fake_slack.add_user("U0SINGLE", is_ultra_restricted=True)

    # when a guest and a single-channel guest ask
    await slack_app.send_event(app_mention("how many sessions yesterday?", user=GUEST))
    await slack_app.send_event(app_mention("and the day before?", user="U0SINGLE"))
    declines = await slack_app.wait_for_calls("chat.postEphemeral", 2)

    # then only they are told, politely, and nobody gets data
    assert {call.get("user") for call in declines} == {GUEST, "U0SINGLE"}
    assert all(call.get("text") == access_messages.GUEST_DECLINED for call in declines)
    assert fake_slack.calls_to("chat.postMessage") == []
    # "Ask Lookout why" under an alert is a question too
    await slack_app.sender.action(action_id=alert_messages.ACTION_ASK, value="1", user_id=GUEST)
    [refusal] = await fake_slack.wait_for_responses(1)
    assert refusal.body["text"] == access_messages.GUEST_DECLINED

    # when an admin allows guests, the guest's next question is answered
    await _name_managers(slack_app, guests=True)
    await slack_app.send_event(app_mention("how many sessions yesterday?", user=GUEST))
    [answer] = await slack_app.wait_for_calls("chat.postMessage")
    assert answer.get("channel") == DEFAULT_CHANNEL


async def test_a_members_question_is_answered_and_roles_are_looked_up_once_per_person(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await slack_app.send_event(app_mention("how many sessions?", user=MEMBER))
    await slack_app.wait_for_calls("chat.postMessage")
    await _lookout(slack_app, f"digest {GROWTH}", user_id=MEMBER)
    await _lookout(slack_app, "disconnect", user_id=MEMBER)

    assert [call.get("user") for call in fake_slack.calls_to("users.info")] == [MEMBER]


async def test_when_slack_cannot_say_who_someone_is_nothing_changes(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("users.info", error="internal_error")

    answer = await _lookout(slack_app, f"digest {GROWTH}", user_id=MEMBER)

    assert answer == access_messages.ROLE_UNKNOWN
    assert await _rows(slack_app, Subscription) == []
