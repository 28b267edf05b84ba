"""`lookout export --team T` writes everything stored about a workspace as JSON, never a token; `lookout purge
--team T` deletes it all (and revokes its Google grant), leaving other workspaces alone."""

from __future__ import annotations

import io
import json
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.main.workspace_data import TOKENS_OMITTED, export, purge
from storage.repos.workspaces import ensure_workspace
from storage.tables import AgentConversation, GoogleConnection, Workspace
from tests.bot.google.test_slack_flow import _connect, _lookout
from tests.helpers import retention_data
from tests.helpers.app_harness import RunningApp, StartApp
from tests.helpers.slack_requests import DEFAULT_TEAM
from tools.fakes.google_auth import FakeGoogleAuth, FakeProperty


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogleAuth]:
    async with FakeGoogleAuth() as fake:
        fake.add_account("ana@acme.test", properties=[FakeProperty("123456", "Acme web")])
        yield fake


async def _acme_and_globex(start_app: StartApp, google: FakeGoogleAuth) -> tuple[RunningApp, int, int]:
    """Acme connected Google, subscribed a channel and asked questions; Globex has conversations of its own."""
    app = await start_app(**google.settings_overrides())
    await _connect(app, google, "ana@acme.test")
    await _lookout(app, "digest <#C0GROWTH|growth> 09:00 Europe/Paris")
    async with app.services.database.session() as session:
        acme = await ensure_workspace(session=session, enterprise_id=None, team_id=DEFAULT_TEAM)
        globex = await ensure_workspace(session=session, enterprise_id=None, team_id="T0GLOBEX")
        await session.flush()
        assert acme.id is not None and globex.id is not None
    now = app.services.clock()
    await retention_data.seed(app.services.database, workspace_id=acme.id, now=now)
    await retention_data.seed(app.services.database, workspace_id=globex.id, now=now)
    return app, acme.id, globex.id


async def test_export_writes_everything_about_the_workspace_and_no_token(
    start_app: StartApp, google: FakeGoogleAuth, tmp_path: Path
) -> None:
    app, acme, _ = await _acme_and_globex(start_app, google)
    out = tmp_path / "acme.json"

    assert await export(settings=app.settings, team_id=DEFAULT_TEAM, out_path=out) == 0

    document = json.loads(out.read_text())
    tables = document["tables"]
    assert document["workspace"]["team_id"] == DEFAULT_TEAM
    assert {row["workspace_id"] for rows in tables.values() for row in rows} == {acme}
    assert [row["connected_by_user_id"] for row in tables["googleconnection"]] == ["U0ALICE"]
    assert [row["property_id"] for row in tables["googlechoice"]] == ["123456"]
    assert [row["channel_id"] for row in tables["subscription"]] == ["C0GROWTH"]
    assert len(tables["agentconversation"]) == 4
    assert tables["agentconversation"][0]["messages_json"][0]["role"] == "user"  # decoded, readable
    assert len(tables["modelusage"]) == 4
    assert {row["action"] for row in tables["settingschange"]} >= {"connect", "digest"}
    # tokens: neither the columns nor any token, plaintext or encrypted, and the export says so
    assert document["omitted"]["note"] == TOKENS_OMITTED
    assert "googleconnection.refresh_token_enc" in document["omitted"]["columns"]
    assert all(not name.endswith("_enc") for rows in tables.values() for row in rows for name in row)
    text = out.read_text()
    for token in [*google.refresh_tokens_issued(), *google.access_tokens_issued(), app.slack.workspace.bot_token]:
        assert token not in text
    assert "gAAAAA" not in text  # no Fernet ciphertext either
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


async def test_export_to_stdout_and_an_unknown_team(start_app: StartApp, google: FakeGoogleAuth) -> None:
    app, _, _ = await _acme_and_globex(start_app, google)
    stdout = io.StringIO()

    assert await export(settings=app.settings, team_id="T0GLOBEX", out_path=None, out=stdout) == 0
    assert json.loads(stdout.getvalue())["workspace"]["team_id"] == "T0GLOBEX"
    assert await export(settings=app.settings, team_id="T0NOBODY", out_path=None, out=io.StringIO()) == 2


async def test_purge_deletes_the_workspace_and_everything_about_it_and_only_that(
    start_app: StartApp, google: FakeGoogleAuth
) -> None:
    app, acme, globex = await _acme_and_globex(start_app, google)
    stdout = io.StringIO()

    assert await purge(settings=app.settings, team_id=DEFAULT_TEAM, out=stdout) == 0

    assert "deleted workspace T0LOOKOUT" in stdout.getvalue() and "4 agentconversation" in stdout.getvalue()
    assert "revoked at Google" in stdout.getvalue()
    assert google.revoked_tokens == google.refresh_tokens_issued()
    async with app.services.database.session() as session:
        workspaces = {row.id for row in (await session.execute(select(Workspace))).scalars()}
        conversations = {row.workspace_id for row in (await session.execute(select(AgentConversation))).scalars()}
        connections = list((await session.execute(select(GoogleConnection))).scalars())
    assert workspaces == {globex} and conversations == {globex} and connections == []
    assert acme not in workspaces
