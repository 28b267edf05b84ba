"""A new assistant thread is greeted with prompts that fit what the workspace has connected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.fakes.slack_api import FakeSlack
from bot.text import core as messages
from storage.repos import google as google_repo
from storage.repos.workspaces import ensure_workspace
from tests.helpers.app_harness import RunningApp
from tests.helpers.slack_requests import DEFAULT_DM, DEFAULT_TEAM, assistant_thread_started

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def connect(app: RunningApp, *, ga4: bool, search_console: bool, healthy: bool = True) -> None:
    async with app.services.database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=DEFAULT_TEAM)
        await session.flush()
        assert workspace.id is not None
        await google_repo.save_connection(
            session=session,
            workspace_id=workspace.id,
            refresh_token_enc="r-enc",
            access_token_enc="a-enc",
            access_token_expires_at=NOW + timedelta(hours=1),
            scopes="analytics.readonly webmasters.readonly",
            connected_by_user_id="U0ALICE",
            connected_at=NOW,
        )
        if ga4:
            await google_repo.set_property(
                session=session,
                workspace_id=workspace.id,
                channel_id="",
                property_id="123456",
                property_name="Acme",
                timezone=None,
                currency=None,
                chosen_by_user_id="U0ALICE",
                now=NOW,
            )
        if search_console:
            await google_repo.set_site(
                session=session,
                workspace_id=workspace.id,
                channel_id="",
                site_url="sc-domain:acme.test",
                chosen_by_user_id="U0ALICE",
                now=NOW,
            )
        if not healthy:
            await google_repo.mark_needs_reconnect(session=session, workspace_id=workspace.id, now=NOW)


@pytest.mark.parametrize(
    ("ga4", "search_console", "healthy", "expected"),
    [
        (True, False, True, messages.PROMPTS_GA4),
        (False, True, True, messages.PROMPTS_SEARCH_CONSOLE),
        (True, True, True, messages.PROMPTS_BOTH),
        (True, True, False, messages.PROMPTS_NOT_CONNECTED),  # access revoked: nothing to ask about yet
    ],
)
async def test_suggested_prompts_fit_the_connected_sources(
    slack_app: RunningApp,
    fake_slack: FakeSlack,
    ga4: bool,
    search_console: bool,
    healthy: bool,
    expected: tuple[tuple[str, str], ...],
) -> None:
    await connect(slack_app, ga4=ga4, search_console=search_console, healthy=healthy)

    await slack_app.send_event(assistant_thread_started())
    await slack_app.settle()

    [call] = fake_slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert call.ok and call.get("channel_id") == DEFAULT_DM
    assert [(p["title"], p["message"]) for p in call.get("prompts")] == list(expected)


async def test_a_workspace_without_google_gets_prompts_that_lead_to_connecting(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await slack_app.send_event(assistant_thread_started())
    await slack_app.settle()

    [call] = fake_slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert call.ok
    assert [p["title"] for p in call.get("prompts")] == [title for title, _ in messages.PROMPTS_NOT_CONNECTED]


async def test_a_workspace_on_sample_data_gets_the_prompts_for_both_sources(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    # given a workspace that chose `/lookout connect demo` (the Demo Store has GA4 and Search Console)
    async with slack_app.services.database.session() as session:
        workspace = await ensure_workspace(session=session, enterprise_id=None, team_id=DEFAULT_TEAM)
        await session.flush()
        assert workspace.id is not None
        assert await google_repo.start_sample_data(session=session, workspace_id=workspace.id, now=NOW)

    await slack_app.send_event(assistant_thread_started())
    await slack_app.settle()

    [call] = fake_slack.calls_to("assistant.threads.setSuggestedPrompts")
    assert [(p["title"], p["message"]) for p in call.get("prompts")] == list(messages.PROMPTS_BOTH)
