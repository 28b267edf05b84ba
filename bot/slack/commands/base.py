"""What a `/lookout` subcommand receives and how it answers, independent of Slack's request plumbing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.access.policy import Capability
from bot.platform.services import Services
from storage.tables.core import Workspace


class Responder(Protocol):
    """bolt's `respond`: posts to the command's `response_url` (ephemeral unless told otherwise)."""

    async def __call__(
        self,
        text: str = "",
        *,
        blocks: Sequence[dict[str, Any]] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
    ) -> Any: ...


@dataclass(frozen=True, kw_only=True)
class CommandRequest:
    """One `/lookout …` invocation, already tied to its workspace."""

    services: Services
    workspace: Workspace
    user_id: str
    channel_id: str
    args: list[str]  # the words after the subcommand name
    raw_text: str  # everything after `/lookout`, as typed
    respond: Responder
    client: AsyncWebClient

    @property
    def workspace_id(self) -> int:
        assert self.workspace.id is not None  # a workspace resolved by the router is stored
        return self.workspace.id


@dataclass(frozen=True, kw_only=True)
class Subcommand:
    name: str
    usage: str  # e.g. "property <GA4 property id>"
    summary: str  # one line for `/lookout help`
    run: Callable[[CommandRequest], Awaitable[None]]
    # Who may run it (`bot.access.policy`): a subcommand changes settings unless it says otherwise.
    needs: Capability = Capability.SETTINGS
