"""Slack Web API calls from the app: 429s are waited out and retried, errors counted, posted text harmless."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.fakes.slack_api import FakeSlack
from bot.platform.incoming import IncomingMessage
from bot.platform.slack.clients import WorkspaceNotInstalled, web_client_for
from bot.text.escape import escape, safe_model_text
from storage.db import Database
from storage.repos.workspaces import ensure_workspace, mark_uninstalled
from tests.helpers.app_harness import RunningApp
from tests.helpers.slack_requests import app_mention


async def test_a_429_on_the_reply_is_waited_out_and_delivered_once(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limit_next("chat.postMessage", retry_after=1)

    await slack_app.send_event(app_mention())
    attempts = await slack_app.wait_for_calls("chat.postMessage", 2, timeout=10)

    assert [call.status for call in attempts] == [429, 200]
    assert len([m for m in fake_slack.messages.values() if m.thread_ts]) == 1
    metrics = (await slack_app.get("/metrics"))[1]
    assert 'lookout_slack_api_errors_total{error="ratelimited",method="chat.postMessage"} 1.0' in metrics


async def test_text_from_data_or_a_model_is_posted_harmless(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    # given a handler that posts a model's words and a page title taken from GA4
    async def answer(*, message: IncomingMessage, client: AsyncWebClient) -> None:
        model_words = "<!channel> traffic is up, thanks <@U123>! <!here|here> <!subteam^S1|@team>"
        page_title = "<!everyone> Pricing & Plans"
        text = f"{safe_model_text(model_words)}\nTop page: {escape(page_title)}"
        await client.chat_postMessage(channel=message.channel_id, thread_ts=message.thread_ts, text=text)

    slack_app.message_handler = answer

    await slack_app.send_event(app_mention())
    posted = (await slack_app.wait_for_calls("chat.postMessage"))[0].get("text")

    for control in ("<!channel>", "<@U123>", "<!here", "<!subteam", "<!everyone>"):
        assert control not in posted
    assert "traffic is up" in posted
    assert "&lt;!everyone&gt; Pricing &amp; Plans" in posted


async def test_web_client_for_the_single_workspace_uses_the_bot_token(
    slack_app: RunningApp, fake_slack: FakeSlack, database: Database
) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T0LOOKOUT")
    assert workspace.id is not None

    client = await web_client_for(services=slack_app.services, workspace_id=workspace.id)
    await client.chat_postMessage(channel="C0DIGEST", text="digest")

    assert fake_slack.calls_to("chat.postMessage")[0].token == fake_slack.workspace.bot_token
    assert client.base_url == fake_slack.url


async def test_web_client_for_an_uninstalled_workspace_refuses(slack_app: RunningApp, database: Database) -> None:
    async with database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id="T0LOOKOUT")
        assert workspace.id is not None
        await mark_uninstalled(session=session, workspace_id=workspace.id)

    with pytest.raises(WorkspaceNotInstalled):
        await web_client_for(services=slack_app.services, workspace_id=workspace.id)
