"""App Home's "This month" section: the workspace's AI spend against the budget every workspace has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.views.block_kit import Block, plain, section
from bot.text import subscriptions as messages

if TYPE_CHECKING:
    from bot.platform.services import Services

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def usage_blocks(*, services: Services, month: str, cost_usd: float, requests: int) -> list[Block]:
    """ "This month": the workspace's AI spend against the budget every workspace has (LOOKOUT_MONTHLY_BUDGET_USD).

    `month` is "YYYY-MM", as `storage.repos.agent.month_of` gives it."""
    month_name = _MONTHS[int(month[5:7]) - 1]
    text = messages.home_usage(
        month_name=month_name,
        cost_usd=cost_usd,
        budget_usd=services.settings.lookout_monthly_budget_usd,
        requests=requests,
    )
    return [{"type": "header", "text": plain(messages.HOME_USAGE_HEADER)}, section(text)]
