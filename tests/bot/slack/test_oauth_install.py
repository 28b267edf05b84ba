"""'Add to Slack' stores an encrypted installation; uninstalling or revoking forgets it; tokens rotate."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import aiohttp
from sqlalchemy import select, text
from sqlmodel import SQLModel

from bot.fakes.slack_api import FakeSlack
from bot.platform.slack.clients import web_client_for
from storage.db import Database
from storage.tables.core import SlackInstallation, Workspace
from tests.helpers.app_harness import RunningApp
from tests.helpers.slack_requests import app_mention, app_uninstalled, tokens_revoked


async def install(app: RunningApp, *, code: str) -> tuple[int, str]:
    """Walk the browser side of the OAuth flow: /slack/install, Slack's consent (skipped), the redirect."""
    async with aiohttp.ClientSession() as browser:
        async with browser.get(app.url + "/slack/install", allow_redirects=False) as started:
            assert started.status == 302
            authorize = urlparse(started.headers["Location"])
            # The state cookie is `Secure`; a browser on the real HTTPS PUBLIC_URL sends it back.
            cookie = started.cookies["slack-app-oauth-state"]
        query = parse_qs(authorize.query)
        assert query["client_id"] == [app.slack.client_id]
        assert query["redirect_uri"] == [app.url + "/slack/oauth_redirect"]
        assert set(query["scope"][0].split(",")) >= {"app_mentions:read", "chat:write", "commands"}
        state = query["state"][0]
        async with browser.get(
            app.url + "/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": f"{cookie.key}={cookie.value}"},
            allow_redirects=False,
        ) as finished:
            return finished.status, state


async def all_stored_text(database: Database) -> str:
    """Every value of every table, as text: what a database dump would reveal."""
    chunks: list[str] = []
    async with database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            chunks.extend(str(value) for row in rows for value in row)
    return "\n".join(chunks)


async def test_an_install_stores_an_encrypted_installation_and_answers_in_that_workspace(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    # given Slack will grant a bot token for Acme
    grant = fake_slack.add_oauth_code("code-acme", team_id="T0ACME", team_name="Acme")
    token = grant.workspace.bot_token

    # when someone adds Lookout to Acme
    status, _ = await install(multi_workspace_app, code="code-acme")

    # then the code was exchanged, and the installation is stored encrypted
    assert status < 400
    exchange = fake_slack.calls_to("oauth.v2.access")[0]
    assert exchange.get("code") == "code-acme"
    async with database.session() as session:
        workspace = (await session.execute(select(Workspace).where(Workspace.team_id == "T0ACME"))).scalar_one()
        stored = (await session.execute(select(SlackInstallation))).scalar_one()
    assert workspace.name == "Acme"
    assert stored.workspace_id == workspace.id
    assert stored.bot_user_id == grant.workspace.bot_user_id
    assert multi_workspace_app.services.cipher.decrypt(stored.bot_token_enc) == token
    assert token not in await all_stored_text(database)
    if database.is_sqlite:
        await database.dispose()  # checkpoint nothing away: read the main file and the WAL as they are on disk
        path = Path(str(database.url.database))
        on_disk = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"T0ACME" in on_disk  # the check would see the token if it were there
        assert token.encode() not in on_disk

    # and a mention in Acme is answered with Acme's own bot token
    await multi_workspace_app.send_event(app_mention(team="T0ACME"), team_id="T0ACME")
    posts = await multi_workspace_app.wait_for_calls("chat.postMessage")
    assert posts[0].token == token


async def test_a_replayed_or_unknown_state_installs_nothing(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    fake_slack.add_oauth_code("code-1", team_id="T0ONE")
    fake_slack.add_oauth_code("code-2", team_id="T0TWO")
    await install(multi_workspace_app, code="code-1")

    async with (
        aiohttp.ClientSession() as browser,
        browser.get(
            multi_workspace_app.url + "/slack/oauth_redirect", params={"code": "code-2", "state": "forged"}
        ) as forged,
    ):
        forged_status = forged.status

    assert forged_status >= 400
    assert len(fake_slack.calls_to("oauth.v2.access")) == 1
    async with database.session() as session:
        teams = (await session.execute(select(Workspace.team_id))).scalars().all()
    assert teams == ["T0ONE"]


async def test_app_uninstalled_deletes_the_workspace_and_its_tokens(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    fake_slack.add_oauth_code("code-acme", team_id="T0ACME")
    await install(multi_workspace_app, code="code-acme")

    response = await multi_workspace_app.send_event(app_uninstalled(), team_id="T0ACME")
    await asyncio.sleep(0.2)
    await multi_workspace_app.settle()

    assert response.status == 200
    async with database.session() as session:
        assert (await session.execute(select(SlackInstallation))).all() == []
        assert (await session.execute(select(Workspace))).all() == []
    # and a later delivery for that workspace gets no answer
    await multi_workspace_app.send_event(app_mention(team="T0ACME"), team_id="T0ACME")
    await asyncio.sleep(0.3)
    await multi_workspace_app.settle()
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_tokens_revoked_for_the_bot_deletes_the_workspace(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    grant = fake_slack.add_oauth_code("code-acme", team_id="T0ACME")
    await install(multi_workspace_app, code="code-acme")

    await multi_workspace_app.send_event(tokens_revoked(bot_user_ids=[grant.workspace.bot_user_id]), team_id="T0ACME")
    await asyncio.sleep(0.2)
    await multi_workspace_app.settle()

    async with database.session() as session:
        assert (await session.execute(select(SlackInstallation))).all() == []


async def test_a_rotating_token_is_refreshed_before_a_scheduled_post(
    multi_workspace_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    # given an install whose bot token expires in an hour (token rotation on)
    grant = fake_slack.add_oauth_code("code-acme", team_id="T0ACME", rotation_expires_in=3600)
    first_token = grant.workspace.bot_token
    await install(multi_workspace_app, code="code-acme")
    async with database.session() as session:
        workspace = (await session.execute(select(Workspace))).scalar_one()
    assert workspace.id is not None

    # when a job asks for the workspace's client outside any request
    client = await web_client_for(services=multi_workspace_app.services, workspace_id=workspace.id)
    posted = await client.chat_postMessage(channel="C0DIGEST", text="Morning digest")

    # then the token was refreshed through oauth.v2.access, saved (encrypted) and used
    refresh = fake_slack.calls_to("oauth.v2.access")[-1]
    assert refresh.get("grant_type") == "refresh_token"
    assert posted["ok"] is True
    assert fake_slack.calls_to("chat.postMessage")[0].token != first_token
    async with database.session() as session:
        stored = (await session.execute(select(SlackInstallation))).scalar_one()
    assert multi_workspace_app.services.cipher.decrypt(stored.bot_token_enc) == client.token
