"""`/lookout digest|alerts|subscriptions|unsubscribe`: what is stored, what the person is told, what Slack was asked."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import Settings
from bot.fakes.slack_api import FakeSlack
from bot.platform.services import Services
from bot.slack.commands.base import CommandRequest
from bot.slack.commands.subscriptions import SUBCOMMANDS, parse_channel
from bot.text.subscriptions import DIGEST_USAGE
from storage.crypto import TokenCipher
from storage.db import Database
from storage.repos.schedule import list_subscriptions
from storage.repos.workspaces import ensure_workspace
from storage.tables.core import Workspace

COMMANDS = {sub.name: sub for sub in SUBCOMMANDS}


@dataclass
class Responses:
    texts: list[str] = field(default_factory=list)

    async def __call__(self, text: str | None = None, **_: Any) -> None:
        self.texts.append(text or "")


@pytest.fixture
async def workspace(database: Database) -> Workspace:
    async with database.session() as session:
        return await ensure_workspace(session=session, enterprise_id=None, team_id="T0LOOKOUT")


async def run(
    name: str, text: str, *, database: Database, cipher: TokenCipher, slack: FakeSlack, workspace: Workspace
) -> Responses:
    responses = Responses()
    services = Services(settings=Settings(database_url=str(database.url)), database=database, cipher=cipher)
    request = CommandRequest(
        services=services,
        workspace=workspace,
        user_id="U0ALICE",
        channel_id="C0HERE",
        args=text.split(),
        raw_text=f"{name} {text}",
        respond=responses,
        client=AsyncWebClient(token=slack.workspace.bot_token, base_url=slack.url),
    )
    await COMMANDS[name].run(request)
    return responses


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("<#C0GROWTH|growth>", ("C0GROWTH", None)),
        ("<#C0GROWTH>", ("C0GROWTH", None)),
        ("C0GROWTH12", ("C0GROWTH12", None)),
        ("#growth-team", (None, "growth-team")),
        ("growth", None),
    ],
)
def test_channels_arrive_escaped_or_plain(word: str, expected: tuple[str | None, str | None] | None) -> None:
    ref = parse_channel(word)
    assert (None if ref is None else (ref.id, ref.name)) == expected


async def test_a_digest_subscription_is_stored_with_its_time_and_timezone(
    database: Database, cipher: TokenCipher, fake_slack: FakeSlack, workspace: Workspace
) -> None:
    responses = await run(
        "digest",
        "<#C0GROWTH|growth> 8:30 Europe/Paris",
        database=database,
        cipher=cipher,
        slack=fake_slack,
        workspace=workspace,
    )
    async with database.session() as session:
        stored = await list_subscriptions(session=session, workspace_id=workspace.id or 0)

    assert [(s.channel_id, s.kind, s.time_of_day, s.timezone, s.created_by) for s in stored] == [
        ("C0GROWTH", "digest", "08:30", "Europe/Paris", "U0ALICE")
    ]
    assert [call.get("channel") for call in fake_slack.calls_to("conversations.info")] == ["C0GROWTH"]
    assert "08:30" in responses.texts[0] and "<#C0GROWTH>" in responses.texts[0]


async def test_without_google_the_digest_defaults_to_nine_utc_and_says_so(
    database: Database, cipher: TokenCipher, fake_slack: FakeSlack, workspace: Workspace
) -> None:
    responses = await run(
        "digest", "<#C0GROWTH|growth>", database=database, cipher=cipher, slack=fake_slack, workspace=workspace
    )
    async with database.session() as session:
        stored = await list_subscriptions(session=session, workspace_id=workspace.id or 0)

    assert [(s.time_of_day, s.timezone) for s in stored] == [("09:00", "UTC")]
    assert "/lookout connect" in responses.texts[0]


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "Which channel?"),
        ("<#C0GROWTH|growth> 25:00", "HH:MM"),
        ("<#C0GROWTH|growth> 09:00 Mars/Olympus", "IANA timezone"),
        ("<#C0GROWTH|growth> 09:00 UTC extra", "didn't understand"),
    ],
)
async def test_invalid_input_gets_usage_help_and_stores_nothing(
    text: str, hint: str, database: Database, cipher: TokenCipher, fake_slack: FakeSlack, workspace: Workspace
) -> None:
    responses = await run("digest", text, database=database, cipher=cipher, slack=fake_slack, workspace=workspace)
    async with database.session() as session:
        stored = await list_subscriptions(session=session, workspace_id=workspace.id or 0)

    assert stored == []
    assert hint in responses.texts[0]
    assert f"Usage: `/lookout {DIGEST_USAGE}`" in responses.texts[0]


async def test_a_channel_the_bot_is_not_in_gets_invite_instructions(
    database: Database, cipher: TokenCipher, fake_slack: FakeSlack, workspace: Workspace
) -> None:
    fake_slack.add_channel("C0OUTSIDE", name="outside")
    fake_slack.channels["C0OUTSIDE"]["is_member"] = False
    fake_slack.fail_next("conversations.info", error="channel_not_found")

    private = await run(
        "alerts", "<#G0SECRET|secret>", database=database, cipher=cipher, slack=fake_slack, workspace=workspace
    )
    not_member = await run(
        "alerts", "<#C0OUTSIDE|outside> high", database=database, cipher=cipher, slack=fake_slack, workspace=workspace
    )
    async with database.session() as session:
        stored = await list_subscriptions(session=session, workspace_id=workspace.id or 0)

    assert stored == []
    assert "/invite @Lookout" in private.texts[0]
    assert "/invite @Lookout" in not_member.texts[0]


async def test_a_plain_channel_name_is_looked_up(
    database: Database, cipher: TokenCipher, fake_slack: FakeSlack, workspace: Workspace
) -> None:
    fake_slack.on(
        "conversations.list",
        lambda call: {
            "ok": True,
            "channels": [{"id": "C0OTHER", "name": "other"}, {"id": "C0GROWTH", "name": "growth"}],
            "response_metadata": {"next_cursor": ""},
        },
    )
    await run("alerts", "#growth low", database=database, cipher=cipher, slack=fake_slack, workspace=workspace)
    missing = await run("alerts", "#nope", database=database, cipher=cipher, slack=fake_slack, workspace=workspace)
    async with database.session() as session:
        stored = await list_subscriptions(session=session, workspace_id=workspace.id or 0)

    assert [(s.channel_id, s.kind, s.sensitivity) for s in stored] == [("C0GROWTH", "alerts", "low")]
    assert "can't find a channel called `#nope`" in missing.texts[0]


async def test_listing_and_unsubscribing(
    database: Database, cipher: TokenCipher, fake_slack: FakeSlack, workspace: Workspace
) -> None:
    common = {"database": database, "cipher": cipher, "slack": fake_slack, "workspace": workspace}
    await run("digest", "<#C0GROWTH|growth> 07:15 Asia/Tokyo", **common)  # type: ignore[arg-type]
    await run("alerts", "<#C0GROWTH|growth> medium", **common)  # type: ignore[arg-type]
    listing = await run("subscriptions", "", **common)  # type: ignore[arg-type]
    gone = await run("unsubscribe", "<#C0GROWTH|growth>", **common)  # type: ignore[arg-type]
    after = await run("subscriptions", "", **common)  # type: ignore[arg-type]

    assert "daily digest at 07:15 (Asia/Tokyo)" in listing.texts[0]
    assert "anomaly alerts, medium sensitivity" in listing.texts[0]
    assert "Stopped" in gone.texts[0]
    assert "No digests, alerts or rules yet" in after.texts[0]
