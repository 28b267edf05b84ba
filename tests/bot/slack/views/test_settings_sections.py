"""App Home's settings sections as published: the next steps going away one by one, this month's AI usage against
the budget, and a long channels list staying within Slack's 100 blocks."""

from __future__ import annotations

import json

from bot.fakes.slack_api import FakeSlack
from bot.subscriptions import manage
from bot.text import subscriptions as messages
from storage.repos import agent as agent_repo
from storage.tables.base import utcnow
from storage.tables.schedule import SubscriptionKind
from tests.helpers.app_harness import RunningApp
from tests.helpers.app_home import (
    given_workspace,
    home_text,
    lookout,
)
from tests.helpers.slack_requests import DEFAULT_CHANNEL, DEFAULT_USER, app_home_opened


async def test_next_steps_go_away_one_by_one_and_usage_shows_against_the_budget(
    home_app: RunningApp, fake_slack: FakeSlack
) -> None:
    workspace_id = await given_workspace(home_app)
    await home_app.send_event(app_home_opened())
    await home_app.wait_for_calls("views.publish")
    fresh = home_text(fake_slack)
    for step in (
        messages.STEP_CONNECT,
        messages.STEP_CHOOSE,
        messages.STEP_ASK,
        messages.STEP_DIGEST,
        messages.STEP_ALERTS,
    ):
        assert json.dumps(step, ensure_ascii=False)[1:-1] in fresh
    assert "*$0.00* of the $50.00 AI budget (0%) · 0 model requests" in fresh
    assert "/lookout connect demo" in fresh  # a way to try it first

    # on sample data, connecting Google is still a step to take, worded for where the workspace is
    await lookout(home_app, "connect demo")
    await home_app.send_event(app_home_opened())
    await home_app.wait_for_calls("views.publish", 2)
    on_sample = home_text(fake_slack)
    assert json.dumps(messages.STEP_CONNECT_FROM_SAMPLE, ensure_ascii=False)[1:-1] in on_sample
    assert json.dumps(messages.STEP_CONNECT, ensure_ascii=False)[1:-1] not in on_sample

    # given Google is connected, a property and site chosen, a question answered ($7.40 so far) and a digest
    await given_workspace(home_app, google=True, property_and_site=True)
    async with home_app.services.database.session() as session:
        await agent_repo.add_usage(
            session=session,
            workspace_id=workspace_id,
            month=agent_repo.month_of(utcnow()),
            model="anthropic:claude-haiku",
            input_tokens=1000,
            output_tokens=100,
            cached_tokens=0,
            cost_usd=7.40,
            requests=212,
        )
    await lookout(home_app, f"digest <#{DEFAULT_CHANNEL}|growth>")
    await home_app.send_event(app_home_opened())
    await home_app.wait_for_calls("views.publish", 3)
    partly = home_text(fake_slack)
    assert "Next steps" in partly and "Add alerts* above" in partly
    for done in (messages.STEP_CONNECT, messages.STEP_ASK, messages.STEP_DIGEST):
        assert json.dumps(done, ensure_ascii=False)[1:-1] not in partly
    assert "*$7.40* of the $50.00 AI budget (15%) · 212 model requests" in partly

    # when the last step is done, the section is gone
    await lookout(home_app, f"alerts <#{DEFAULT_CHANNEL}|growth>")
    await home_app.send_event(app_home_opened())
    await home_app.wait_for_calls("views.publish", 4)
    assert "Next steps" not in home_text(fake_slack)


async def test_many_subscriptions_stay_within_slacks_100_blocks(home_app: RunningApp, fake_slack: FakeSlack) -> None:
    workspace_id = await given_workspace(home_app, google=True, property_and_site=True)
    for number in range(60):
        await manage.save_subscription(
            services=home_app.services,
            workspace_id=workspace_id,
            channel_id=f"C0{number:04d}",
            kind=SubscriptionKind.DIGEST,
            time_of_day="09:00",
            timezone="UTC",
            sensitivity="medium",
            user_id=DEFAULT_USER,
        )

    await home_app.send_event(app_home_opened())
    [published] = await home_app.wait_for_calls("views.publish")

    blocks = published.get("view")["blocks"]
    assert len(blocks) <= 100
    home = home_text(fake_slack)
    assert "…and 40 more" in home and "/lookout subscriptions" in home
    assert messages.ADD_DIGEST_BUTTON in home  # the Add buttons survive the summary
