"""`/lookout` dispatch: every area's `SUBCOMMANDS` in one table, usage help for anything else.

To add an area's subcommands, import its module below and append it to `AREA_MODULES`; each module exposes
`SUBCOMMANDS: list[Subcommand]` (see `bot/slack/commands/base.py`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from types import ModuleType

from slack_sdk.web.async_client import AsyncWebClient

from bot.access import gate
from bot.access.policy import Capability, Surface
from bot.platform.services import Services
from bot.platform.slack.workspaces import resolve_workspace
from bot.slack.commands import google, notes, rules, subscriptions
from bot.slack.commands.base import CommandRequest, Responder, Subcommand
from bot.slack.commands.help import build_help, help_lines
from bot.text import core as messages

logger = logging.getLogger(__name__)

# The areas' subcommand modules, in the order `/lookout help` lists them.
AREA_MODULES: tuple[ModuleType, ...] = (google, subscriptions, rules, notes)


def collect_subcommands(modules: Sequence[ModuleType] = AREA_MODULES) -> list[Subcommand]:
    """Every area's subcommands plus `help`; a name claimed twice is a programming error."""
    subcommands: list[Subcommand] = []
    for module in modules:
        subcommands.extend(module.SUBCOMMANDS)
    subcommands.append(build_help(subcommands))
    names = [sub.name for sub in subcommands]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"/lookout subcommands defined twice: {', '.join(duplicates)}")
    return subcommands


class CommandRouter:
    """Finds the subcommand for `/lookout <name> …` and runs it; answers usage help for anything else."""

    def __init__(self, subcommands: Sequence[Subcommand]) -> None:
        self.subcommands = list(subcommands)
        self._by_name = {sub.name: sub for sub in self.subcommands}

    def help_text(self) -> str:
        return messages.help_text(lines=help_lines(self.subcommands))

    async def dispatch(
        self,
        *,
        services: Services,
        text: str,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str,
        channel_id: str,
        respond: Responder,
        client: AsyncWebClient,
    ) -> None:
        words = text.split()
        name = words[0].lower() if words else "help"
        subcommand = self._by_name.get(name)
        if subcommand is None:
            await respond(f"{messages.unknown_subcommand(name=words[0])}\n\n{self.help_text()}")
            return
        workspace = await resolve_workspace(services=services, enterprise_id=enterprise_id, team_id=team_id)
        if workspace is None or workspace.id is None:
            await respond(messages.WORKSPACE_NOT_INSTALLED)
            return
        refusal = await gate.check(
            services=services, workspace=workspace, user_id=user_id, capability=subcommand.needs, client=client
        )
        if refusal is not None:
            await respond(refusal.text)
            return
        request = CommandRequest(
            services=services,
            workspace=workspace,
            user_id=user_id,
            channel_id=channel_id,
            args=words[1:],
            raw_text=text,
            respond=respond,
            client=client,
        )
        try:
            await subcommand.run(request)
            if subcommand.needs in (Capability.SETTINGS, Capability.ADMIN):
                await gate.record_change(
                    services=services,
                    workspace_id=workspace.id,
                    user_id=user_id,
                    surface=Surface.SLASH,
                    action=name,
                    detail=f"/lookout {text.strip()}",
                )
        except Exception:
            reference = secrets.token_hex(3)
            services.metrics.handler_errors.labels(handler=f"command:{name}").inc()
            logger.exception("/lookout %s failed (ref %s)", name, reference)
            await respond(messages.unexpected_error(reference=reference))
