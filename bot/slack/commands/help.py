"""`/lookout help`: the list of every subcommand, built from the router's table."""

from __future__ import annotations

from collections.abc import Sequence

from bot.access.policy import Capability
from bot.slack.commands.base import CommandRequest, Subcommand
from bot.text import core as messages


def help_lines(subcommands: Sequence[Subcommand]) -> list[tuple[str, str]]:
    return [(sub.usage, sub.summary) for sub in subcommands]


def build_help(subcommands: Sequence[Subcommand]) -> Subcommand:
    """The `help` subcommand listing `subcommands` (itself included, last)."""

    async def run(request: CommandRequest) -> None:
        await request.respond(messages.help_text(lines=help_lines(listed)))

    help_command = Subcommand(
        name="help", usage="help", summary=messages.HELP_SUMMARY, run=run, needs=Capability.EVERYONE
    )
    listed = [*subcommands, help_command]
    return help_command
