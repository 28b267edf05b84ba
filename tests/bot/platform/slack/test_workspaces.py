"""One workspace per request, decided as bolt decides which installation authorises it.

The shapes are Slack's: a Slack Connect delivery names the workspace where the event happened in the envelope and
the installation it is delivered for in `authorizations[0]` (bolt-python's tests/scenario_tests_async/
test_events_shared_channels.py); an org-wide install is stored without a team and named by `is_enterprise_install`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.fakes.slack_api import FakeSlack
from bot.platform.incoming import IncomingMessage
from bot.platform.slack.clients import installation_store
from bot.text import core as messages
from storage.db import Database
from storage.tables.core import ProcessedEvent, Workspace
from tests.bot.slack.test_oauth_install import install
from tests.helpers.app_harness import RunningApp
from tests.helpers.slack_requests import app_mention, app_uninstalled, event_envelope

ACME, GLOBEX = "T0ACME", "T0GLOBEX"


def shared_channel_envelope(event: dict[str, Any], *, envelope_team: str, installed_team: str) -> dict[str, Any]:
    """A Slack Connect delivery: the envelope names `envelope_team`, `authorizations[0]` the installation."""
    envelope = event_envelope(event, team_id=envelope_team, bot_user_id=f"U0BOT{installed_team}")
    envelope["authorizations"][0]["team_id"] = installed_team
    envelope["is_ext_shared_channel"] = True
    return envelope


class Answers:
    """A message handler that remembers which workspace each answer was for, and answers with the given client."""

    def __init__(self) -> None:
        self.workspaces: list[str] = []

    async def __call__(self, *, message: IncomingMessage, client: AsyncWebClient) -> None:
        self.workspaces.append(message.workspace.team_id)
        await client.chat_postMessage(channel=message.channel_id, thread_ts=message.thread_ts, text="an answer")


async def _two_installs(app: RunningApp, slack: FakeSlack) -> dict[str, str]:
    tokens = {}
    for team in (ACME, GLOBEX):
        grant = slack.add_oauth_code(f"code-{team}", team_id=team, team_name=team)
        assert (await install(app, code=f"code-{team}"))[0] < 400
        tokens[team] = grant.workspace.bot_token
    return tokens


async def test_a_shared_channel_mention_is_answered_by_the_authorised_installation_alone(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    # given Acme and Globex both installed, and a channel shared between them
    tokens = await _two_installs(multi_workspace_app, fake_slack)
    answers = Answers()
    multi_workspace_app.message_handler = answers
    mention = app_mention("how many sessions last week?", channel="C0SHARED", team=GLOBEX, bot_user_id="U0BOTT0ACME")

    # when Slack delivers a Globex person's mention for Acme's installation
    envelope = shared_channel_envelope(mention, envelope_team=GLOBEX, installed_team=ACME)
    response = await multi_workspace_app.sender.envelope(envelope)
    [post] = await multi_workspace_app.wait_for_calls("chat.postMessage")

    # then Acme answers: Acme's workspace (its Google connection, settings, budget), Acme's token, Acme's claim
    assert response.status == 200
    assert answers.workspaces == [ACME]
    assert post.token == tokens[ACME]
    async with database.session() as session:
        claimed = (await session.execute(select(ProcessedEvent.key))).scalars().all()
    assert f"message:-/{ACME}:C0SHARED:{mention['ts']}" in claimed
    assert not any(GLOBEX in key for key in claimed)


async def test_an_uninstall_delivered_in_the_shared_channel_shape_forgets_only_that_installation(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    await _two_installs(multi_workspace_app, fake_slack)

    envelope = shared_channel_envelope(app_uninstalled(), envelope_team=GLOBEX, installed_team=ACME)
    await multi_workspace_app.sender.envelope(envelope)
    await asyncio.sleep(0.2)
    await multi_workspace_app.settle()

    async with database.session() as session:
        teams = (await session.execute(select(Workspace.team_id))).scalars().all()
    assert teams == [GLOBEX]


async def _install_org_wide(app: RunningApp, slack: FakeSlack, *, enterprise_id: str) -> str:
    """An Enterprise Grid org-wide install, saved through the installation store as bolt's OAuth flow saves it."""
    token = f"xoxb-fake-{enterprise_id}"
    slack.add_workspace(team_id=enterprise_id, bot_token=token, enterprise_id=enterprise_id)
    await installation_store(app.services).async_save(
        Installation(
            app_id="A0LOOKOUT",
            enterprise_id=enterprise_id,
            team_id=None,
            bot_token=token,
            bot_id="B0ORG",
            bot_user_id="U0BOTORG",
            bot_scopes=["chat:write", "commands"],
            user_id="U0INSTALLER",
            is_enterprise_install=True,
        )
    )
    return token


async def test_an_org_wide_install_answers_a_slash_command_from_any_of_its_workspaces(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await _install_org_wide(multi_workspace_app, fake_slack, enterprise_id="E0ORG")

    response = await multi_workspace_app.command(
        "help", team_id="T0ORGSALES", enterprise_id="E0ORG", is_enterprise_install=True
    )
    [answer] = await fake_slack.wait_for_responses(1)

    assert response.status == 200
    assert answer.body["text"] != messages.WORKSPACE_NOT_INSTALLED
    assert "Lookout commands" in answer.body["text"]


async def test_an_org_wide_install_answers_a_mention_with_its_own_workspace_and_token(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack
) -> None:
    token = await _install_org_wide(multi_workspace_app, fake_slack, enterprise_id="E0ORG")
    answers = Answers()
    multi_workspace_app.message_handler = answers
    envelope = event_envelope(app_mention(team="T0ORGSALES"), team_id="T0ORGSALES", enterprise_id="E0ORG")
    envelope["authorizations"][0].update(team_id=None, is_enterprise_install=True)

    await multi_workspace_app.sender.envelope(envelope)
    [post] = await multi_workspace_app.wait_for_calls("chat.postMessage")

    assert answers.workspaces == [""]  # the org-wide workspace row has no team
    assert post.token == token
    assert post.get("channel") == envelope["event"]["channel"]
