"""Whether a channel is shared with other organisations (Slack Connect), asked of Slack's `conversations.info`.

People from another organisation can read such a channel and mention Lookout in it, so what Lookout may show there
is narrower: the channel's own property and site only, and no roll-up across the workspace's clients.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


async def externally_shared(client: AsyncWebClient, channel_id: str) -> bool:
    """True when the channel is shared with another organisation, or being shared (an invitation is pending).

    When Slack cannot say (an error, a channel the bot cannot see), the answer is True: the caller then shows
    less, which is the safe mistake to make.
    """
    try:
        response = await client.conversations_info(channel=channel_id)
    except SlackApiError as error:
        log.warning("conversations.info for %s failed: %s", channel_id, error.response.get("error"))
        return True
    info = response.get("channel") or {}
    return bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))
