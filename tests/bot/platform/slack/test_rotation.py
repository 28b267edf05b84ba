"""Slack bot-token rotation is single-flight: replicas refreshing a workspace together spend its refresh token once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.fakes.slack_api import FakeSlack, SlackCall
from bot.platform.slack.clients import web_client_for
from storage.crypto import TokenCipher
from storage.db import Database
from storage.repos import installations
from storage.tables.core import SlackInstallation, Workspace
from tests.bot.slack.test_oauth_install import install
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import app_mention


def refreshes(slack: FakeSlack) -> list[SlackCall]:
    return [call for call in slack.calls_to("oauth.v2.access") if call.get("grant_type") == "refresh_token"]


async def two_replicas_with_an_expiring_install(start_app: StartApp, slack: FakeSlack) -> tuple[RunningApp, RunningApp]:
    """Two app processes on one database (their own `Services`), and Acme installed with a token due to rotate."""
    secret_key = Fernet.generate_key().decode()  # replicas share LOOKOUT_SECRET_KEY
    first = await start_app(mode="multi", lookout_secret_key=secret_key)
    second = await start_app(mode="multi", lookout_secret_key=secret_key)
    slack.add_oauth_code("code-acme", team_id="T0ACME", team_name="Acme", rotation_expires_in=3600)
    status, _ = await install(first, code="code-acme")
    assert status < 400
    return first, second


async def acme_id(database: Database) -> int:
    async with database.session() as session:
        workspace = (await session.execute(select(Workspace).where(Workspace.team_id == "T0ACME"))).scalar_one()
    assert workspace.id is not None
    return workspace.id


async def stored_token(app: RunningApp, database: Database) -> str:
    async with database.session() as session:
        stored = (await session.execute(select(SlackInstallation))).scalar_one()
    return app.services.cipher.decrypt(stored.bot_token_enc)


async def test_scheduled_posts_on_two_replicas_refresh_the_token_once_and_share_it(
    start_app: StartApp, fake_slack: FakeSlack, database: Database
) -> None:
    # given two replicas and an installation whose bot token expires within the rotation window
    first, second = await two_replicas_with_an_expiring_install(start_app, fake_slack)
    workspace_id = await acme_id(database)

    # when both replicas ask for Acme's client at the same moment, several times each
    clients = await asyncio.gather(
        *[web_client_for(services=app.services, workspace_id=workspace_id) for app in (first, second) * 4]
    )

    # then Slack saw exactly one refresh, and every caller got the token it issued, which is stored
    assert len(refreshes(fake_slack)) == 1
    new_token = refreshes(fake_slack)[0].response["access_token"]
    assert {client.token for client in clients} == {new_token}
    assert await stored_token(first, database) == new_token
    posted = await clients[-1].chat_postMessage(channel="C0DIGEST", text="Morning digest")
    assert posted["ok"] is True
    # and no replica holds the refresh lease any more
    async with database.session() as session:
        stored = (await session.execute(select(SlackInstallation))).scalar_one()
    assert stored.refresh_lease_owner is None and stored.refresh_lease_until is None


async def test_mentions_reaching_two_replicas_together_refresh_the_token_once(
    start_app: StartApp, fake_slack: FakeSlack, database: Database
) -> None:
    first, second = await two_replicas_with_an_expiring_install(start_app, fake_slack)

    # when a mention reaches each replica at once (bolt's authorize rotates before the listener runs)
    await asyncio.gather(
        first.send_event(app_mention(team="T0ACME"), team_id="T0ACME"),
        second.send_event(app_mention(team="T0ACME"), team_id="T0ACME"),
    )
    posts = await fake_slack.wait_for_calls("chat.postMessage", 2)
    await first.settle()
    await second.settle()

    # then one refresh, and both answers went out with the new token
    assert len(refreshes(fake_slack)) == 1
    new_token = refreshes(fake_slack)[0].response["access_token"]
    assert [post.token for post in posts] == [new_token, new_token]
    assert all(post.ok for post in posts)
    assert await stored_token(first, database) == new_token


async def test_a_replica_waits_for_another_replicas_refresh_and_uses_its_token(
    start_app: StartApp, fake_slack: FakeSlack, database: Database
) -> None:
    first, _ = await two_replicas_with_an_expiring_install(start_app, fake_slack)
    workspace_id = await acme_id(database)
    cipher = first.services.cipher
    # given another process holds the refresh lease
    now = datetime.now(UTC)
    async with database.session() as session:
        assert await installations.acquire_token_refresh_lease(
            session=session, workspace_id=workspace_id, owner="other-replica", now=now, until=now + timedelta(minutes=1)
        )

    # when this replica needs the client meanwhile
    waiting = asyncio.create_task(web_client_for(services=first.services, workspace_id=workspace_id))
    await asyncio.sleep(0.5)
    assert not waiting.done()
    # and the other process stores the token it got and lets go
    async with database.session() as session:
        assert await installations.store_rotated_bot_token(
            session=session,
            cipher=cipher,
            workspace_id=workspace_id,
            bot_token="xoxe.xoxb-from-the-other-replica",
            bot_refresh_token="xoxe-1-from-the-other-replica",
            bot_token_expires_at=now + timedelta(hours=12),
        )
        await installations.release_token_refresh_lease(
            session=session, workspace_id=workspace_id, owner="other-replica"
        )
    client = await asyncio.wait_for(waiting, timeout=5)

    # then this replica uses that token and never refreshed on its own
    assert client.token == "xoxe.xoxb-from-the-other-replica"
    assert refreshes(fake_slack) == []


async def test_a_rotation_saved_late_never_replaces_a_newer_token(database: Database, cipher: TokenCipher) -> None:
    now = datetime.now(UTC)
    async with database.session() as session:
        saved = await installations.save_installation(
            session=session,
            cipher=cipher,
            enterprise_id=None,
            team_id="T0ACME",
            team_name="Acme",
            bot_token="xoxe.xoxb-newest",
            bot_refresh_token="xoxe-1-newest",
            bot_token_expires_at=now + timedelta(hours=12),
            app_id=None,
            bot_id=None,
            bot_user_id=None,
            bot_scopes="",
            installer_user_id=None,
            is_enterprise_install=False,
        )
        workspace_id = saved.workspace_id

    async with database.session() as session:
        stored = await installations.store_rotated_bot_token(
            session=session,
            cipher=cipher,
            workspace_id=workspace_id,
            bot_token="xoxe.xoxb-older",
            bot_refresh_token="xoxe-1-older",
            bot_token_expires_at=now + timedelta(hours=11),
        )
        row = (await session.execute(select(SlackInstallation))).scalar_one()

    assert stored is False
    assert cipher.decrypt(row.bot_token_enc) == "xoxe.xoxb-newest"


async def test_slack_refuses_a_refresh_token_that_was_already_used(fake_slack: FakeSlack) -> None:
    grant = fake_slack.add_oauth_code("code-acme", team_id="T0ACME", rotation_expires_in=3600)
    client = AsyncWebClient(base_url=fake_slack.url)
    await client.oauth_v2_access(
        client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code="code-acme"
    )
    assert grant.refresh_token is not None

    first = await client.oauth_v2_access(
        client_id=fake_slack.client_id,
        client_secret=fake_slack.client_secret,
        grant_type="refresh_token",
        refresh_token=grant.refresh_token,
    )
    with pytest.raises(SlackApiError) as reused:
        await client.oauth_v2_access(
            client_id=fake_slack.client_id,
            client_secret=fake_slack.client_secret,
            grant_type="refresh_token",
            refresh_token=grant.refresh_token,
        )

    assert first["expires_in"] == 12 * 3600
    assert reused.value.response["error"] == "invalid_refresh_token"
