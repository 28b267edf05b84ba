"""A user's message to the bot (mention or DM), as the listeners hand it to whatever answers it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol

from slack_sdk.web.async_client import AsyncWebClient

from storage.tables.core import Workspace


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFields:
    """The message as Slack delivered it: everything answering it needs except the workspace record."""

    channel_id: str
    user_id: str
    text: str  # the user's words, the bot's own mention removed
    ts: str  # the message itself
    thread_ts: str  # the thread to answer in: the message's thread, or the message when top-level
    is_dm: bool
    bot_user_id: str | None
    team_id: str
    enterprise_id: str | None = None
    # Slack Connect: the channel is shared with other organisations (the event envelope's `is_ext_shared_channel`);
    # None when the request did not say (a button), and whoever needs it asks Slack.
    shared_channel: bool | None = None

    def for_workspace(self, workspace: Workspace) -> IncomingMessage:
        """These fields (only these, whatever a subclass adds) as the message of `workspace`."""
        return IncomingMessage(
            workspace=workspace, **{field.name: getattr(self, field.name) for field in fields(MessageFields)}
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class IncomingMessage(MessageFields):
    workspace: Workspace


class MessageHandler(Protocol):
    """Answers one incoming message in Slack. Runs after the ack, in the background."""

    async def __call__(self, *, message: IncomingMessage, client: AsyncWebClient) -> None: ...
