"""App Home's settings sections (the channels' digests, alerts and rules, this month's AI usage, the next steps) from one
read of the database; `bot.slack.views.home` places them in the tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.views.block_kit import Block
from bot.slack.views.channels import channels_blocks
from bot.slack.views.next_steps import next_steps
from bot.slack.views.usage import usage_blocks
from bot.text import rules as rule_messages
from storage.repos import agent as agent_repo
from storage.repos import google as google_repo
from storage.repos import rules as rules_repo
from storage.repos import schedule as schedule_repo
from tools.rules.spec import spec_of

if TYPE_CHECKING:
    from bot.platform.services import Services
    from storage.tables.core import Workspace


async def settings_home_blocks(
    *, services: Services, workspace: Workspace, can_change: bool
) -> tuple[list[Block], list[Block], list[str]]:
    """The channels section, the usage section and the next steps still open, from one read of the database."""
    assert workspace.id is not None
    month = agent_repo.month_of(services.clock())
    async with services.database.session() as session:
        subscriptions = await schedule_repo.list_subscriptions(session=session, workspace_id=workspace.id)
        rules = await rules_repo.list_rules(session=session, workspace_id=workspace.id)
        usage = await agent_repo.usage_for_month(session=session, workspace_id=workspace.id, month=month)
        ever_asked = bool(usage) or await agent_repo.has_usage(session=session, workspace_id=workspace.id)
        connection = await google_repo.get_connection(session=session, workspace_id=workspace.id)
        sample = await google_repo.sample_data_since(session=session, workspace_id=workspace.id) is not None
        default = await google_repo.get_choice(
            session=session, workspace_id=workspace.id, channel_id=google_repo.DEFAULT_CHANNEL
        )
    steps = next_steps(
        connected=connection is not None,
        property_and_site=default is not None and bool(default.property_id) and bool(default.site_url),
        asked=ever_asked,
        subscriptions=subscriptions,
        sample=sample,
    )
    described = {stored.id: rule_messages.describe_rule(spec_of(stored.fields())) for stored in rules}
    channels = channels_blocks(subscriptions=subscriptions, can_change=can_change, rules=described)
    spend = usage_blocks(
        services=services,
        month=month,
        cost_usd=sum(row.cost_usd for row in usage),
        requests=sum(row.requests for row in usage),
    )
    return channels, spend, steps
