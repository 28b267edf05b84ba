"""`/lookout connect`, `connect demo`, `status`, `property`, `site`, `disconnect`: the workspace's Google connection
(or the built-in sample property in its place) from Slack."""

from __future__ import annotations

from typing import Literal

from bot.access.policy import Capability
from bot.google import oauth
from bot.google.choices import GoogleChoices, SampleStart
from bot.google.problems import GoogleProblem
from bot.slack.commands.base import CommandRequest, Subcommand
from bot.text import google as messages
from bot.text import google_choices as choice_messages
from storage.repos import google as repo
from storage.tables.google import ConnectionStatus

_HERE = {"here", "channel"}
_RESET = {"reset", "clear"}


async def _answer_problem(request: CommandRequest, problem: GoogleProblem) -> None:
    await request.respond(messages.problem_text(problem.message_key, workspace_name=request.workspace.name))


_SAMPLE_ANSWERS = {
    SampleStart.STARTED: messages.SAMPLE_STARTED,
    SampleStart.ALREADY: messages.SAMPLE_ALREADY,
    SampleStart.CONNECTED: messages.SAMPLE_REFUSED_CONNECTED,
}


async def connect(request: CommandRequest) -> None:
    if [word.lower() for word in request.args] == ["demo"]:
        started = await GoogleChoices(request.services).start_sample(workspace_id=request.workspace_id)
        await request.respond(_SAMPLE_ANSWERS[started])
        return
    if request.args:
        await request.respond(messages.USAGE["connect"])
        return
    workspace_id = request.workspace_id
    try:
        url = await oauth.start_authorization(
            request.services, workspace_id=workspace_id, user_id=request.user_id, channel_id=request.channel_id
        )
    except GoogleProblem as problem:
        await _answer_problem(request, problem)
        return
    async with request.services.database.session() as session:
        existing = await repo.get_connection(session=session, workspace_id=workspace_id)
        sample = await repo.sample_data_since(session=session, workspace_id=workspace_id) is not None
    reconnect = existing is not None and existing.status != ConnectionStatus.HEALTHY.value
    already_connected = existing is not None and not reconnect
    text, blocks = messages.connect_prompt(url, reconnect=reconnect, already_connected=already_connected, sample=sample)
    await request.respond(text, blocks=blocks)


async def status(request: CommandRequest) -> None:
    view = await GoogleChoices(request.services).status_view(
        workspace_id=request.workspace_id, channel_id=request.channel_id or None
    )
    text, blocks = messages.status(view)
    await request.respond(text, blocks=blocks)


def _split_scope(args: list[str]) -> tuple[list[str], bool]:
    """The words without a trailing `here`, and whether the choice is for this channel only."""
    if args and args[-1].lower() in _HERE:
        return args[:-1], True
    return args, False


async def _choose(request: CommandRequest, *, kind: Literal["property", "site"]) -> None:
    words, here = _split_scope(request.args)
    channel_id = request.channel_id if here else ""
    choices = GoogleChoices(request.services)
    workspace_id = request.workspace_id
    try:
        if not words:
            text, blocks = await choices.picker(workspace_id=workspace_id, channel_id=channel_id)
            await request.respond(text, blocks=blocks)
        elif len(words) == 1 and words[0].lower() in _RESET and channel_id:
            await request.respond(await choices.reset_channel(workspace_id=workspace_id, channel_id=channel_id))
        elif len(words) == 1:
            choose = choices.choose_property if kind == "property" else choices.choose_site
            answer = await choose(
                workspace_id=workspace_id, user_id=request.user_id, channel_id=channel_id, raw=words[0]
            )
            await request.respond(answer)
        else:
            await request.respond(choice_messages.PROPERTY_USAGE if kind == "property" else choice_messages.SITE_USAGE)
    except GoogleProblem as problem:
        await _answer_problem(request, problem)


async def choose_property(request: CommandRequest) -> None:
    await _choose(request, kind="property")


async def choose_site(request: CommandRequest) -> None:
    await _choose(request, kind="site")


async def disconnect(request: CommandRequest) -> None:
    if request.args:
        await request.respond(messages.USAGE["disconnect"])
        return
    removed = await GoogleChoices(request.services).disconnect(workspace_id=request.workspace_id)
    await request.respond(messages.disconnected_text(removed))


SUBCOMMANDS: list[Subcommand] = [
    # `connect demo` is `connect` with one word: a settings change (managers only), recorded in the trail as typed.
    Subcommand(name="connect", usage="connect [demo]", summary=messages.SUMMARY_CONNECT, run=connect),
    Subcommand(name="status", usage="status", summary=messages.SUMMARY_STATUS, run=status, needs=Capability.EVERYONE),
    Subcommand(
        name="property",
        usage="property <GA4 property id> [here]",
        summary=messages.SUMMARY_PROPERTY,
        run=choose_property,
    ),
    Subcommand(
        name="site",
        usage="site <Search Console site> [here]",
        summary=messages.SUMMARY_SITE,
        run=choose_site,
    ),
    Subcommand(name="disconnect", usage="disconnect", summary=messages.SUMMARY_DISCONNECT, run=disconnect),
]
