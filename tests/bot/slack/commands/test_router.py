"""`/lookout`: acked at once, help lists every subcommand, anything unknown gets usage help (ephemeral)."""

from __future__ import annotations

import pytest

from bot.fakes.slack_api import FakeSlack
from bot.slack.commands.base import CommandRequest, Subcommand
from bot.slack.commands.router import AREA_MODULES, CommandRouter, collect_subcommands
from tests.helpers.app_harness import RunningApp, StartApp


async def test_help_lists_every_subcommand_ephemerally(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    response = await slack_app.command("help")

    posts = await fake_slack.wait_for_responses(1)
    assert response.status == 200
    assert response.elapsed < 3.0
    body = posts[0].body
    assert body.get("response_type") in (None, "ephemeral")
    for subcommand in collect_subcommands():
        assert f"`/lookout {subcommand.usage}`" in body["text"]


@pytest.mark.parametrize("text", ["", "   "])
async def test_no_subcommand_shows_help(slack_app: RunningApp, fake_slack: FakeSlack, text: str) -> None:
    await slack_app.command(text)

    posts = await fake_slack.wait_for_responses(1)
    assert "Lookout commands" in posts[0].body["text"]


async def test_an_unknown_subcommand_gets_usage_help_with_the_input_escaped(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    await slack_app.command("<!channel> now")

    posts = await fake_slack.wait_for_responses(1)
    text = posts[0].body["text"]
    assert "I don't know `/lookout &lt;!channel&gt;`" in text
    assert "<!channel>" not in text
    assert "`/lookout help`" in text
    assert posts[0].body.get("response_type") in (None, "ephemeral")


async def test_a_subcommand_gets_its_arguments_and_a_failure_answers_a_reference_not_the_error(
    start_app: StartApp, fake_slack: FakeSlack
) -> None:
    seen: list[CommandRequest] = []

    async def echo(request: CommandRequest) -> None:
        seen.append(request)
        await request.respond("echo ok")

    async def broken(request: CommandRequest) -> None:
        raise RuntimeError("secret internals xoxb-123")

    router = CommandRouter(
        [
            Subcommand(name="echo", usage="echo <words>", summary="echo", run=echo),
            Subcommand(name="broken", usage="broken", summary="fails", run=broken),
        ]
    )

    app = await start_app(router=router)

    await app.command("echo  hello   world")
    await app.command("broken")

    # Both commands run in the background, so their answers may arrive in either order.
    texts = sorted((post.body["text"] for post in await fake_slack.wait_for_responses(2)), key=lambda t: t != "echo ok")
    assert seen[0].args == ["hello", "world"]
    assert seen[0].raw_text == "echo  hello   world"
    assert seen[0].workspace.team_id == "T0LOOKOUT"
    assert texts[0] == "echo ok"
    assert "something went wrong on my side (ref " in texts[1]
    assert "secret" not in texts[1]


def test_area_modules_expose_subcommands_and_names_are_unique() -> None:
    subcommands = collect_subcommands()

    assert [sub.name for sub in subcommands][-1] == "help"
    assert len({sub.name for sub in subcommands}) == len(subcommands)
    for module in AREA_MODULES:
        assert all(isinstance(sub, Subcommand) for sub in module.SUBCOMMANDS)
