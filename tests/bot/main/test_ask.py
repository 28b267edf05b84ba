"""`lookout ask`: the same turn as a mention, printed to the terminal, over the wire to the fake model and GA4."""

from __future__ import annotations

import gc
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config.settings import Settings
from bot.fakes.anthropic import FakeAnthropic
from bot.fakes.llm_script import Reply, ScriptedToolCall
from bot.main.ask import ask
from bot.main.cli import main
from bot.text import operator as operator_messages
from storage.db import Database
from storage.repos.workspaces import ensure_workspace
from tests.bot.agent.test_slack_answers import LAST_WEEK, FakeGoogleContexts, dataset, google, sessions_total
from tools.fakes.google import FakeGoogle

__all__ = ["dataset", "google"]


@pytest.fixture
async def claude() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as fake:
        yield fake


def settings_for(database_url: str, tmp_path: Path, claude: FakeAnthropic) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        lookout_secret_key=Fernet.generate_key().decode(),
        lookout_data_dir=tmp_path,
        anthropic_api_key="test-key",
        anthropic_base_url=claude.url,
        lookout_models_fast="anthropic:claude-haiku-4-5",
        lookout_models_deep="anthropic:claude-haiku-4-5",
    )


async def test_ask_prints_the_streamed_answer_and_the_footer(
    database: Database, database_url: str, tmp_path: Path, claude: FakeAnthropic, google: FakeGoogle
) -> None:
    async with database.session() as session:
        await ensure_workspace(session=session, enterprise_id=None, team_id="T0ACME", name="Acme")
    claude.script(Reply(tool_calls=(ScriptedToolCall("ga4_run_report", LAST_WEEK),)))
    claude.responder = lambda recorded: Reply(text=f"Sessions were **{sessions_total(recorded):,}**.")
    out, err = io.StringIO(), io.StringIO()
    contexts = FakeGoogleContexts(google)

    code = await ask(
        settings=settings_for(database_url, tmp_path, claude),
        question="sessions last week?",
        team_id="T0ACME",
        channel_id=None,
        contexts=contexts,
        out=out,
        err=err,
    )
    contexts.runtime.close()

    total = sessions_total(claude.requests[1])
    assert code == 0
    assert out.getvalue() == (
        f"Sessions were **{total:,}**.\n\nGA4 · Acme (properties/123456) · Nov 13–19 · Claude Haiku 4.5\n"
    )
    assert "[GA4: sessions, Nov 13–19]" in err.getvalue()  # the plan, in a marketer's words


async def test_ask_for_an_unknown_workspace_says_so(database_url: str, tmp_path: Path, claude: FakeAnthropic) -> None:
    err = io.StringIO()

    code = await ask(
        settings=settings_for(database_url, tmp_path, claude),
        question="hi",
        team_id="T0NOPE",
        channel_id=None,
        err=err,
    )

    assert code == 2
    assert "no workspace with team id T0NOPE" in err.getvalue()
    assert claude.requests == []


def test_ask_on_a_fresh_install_migrates_and_says_the_team_is_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A fresh install: no database file yet, nothing ever served.
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/fresh/lookout.db")
    monkeypatch.setenv("LOOKOUT_DATA_DIR", str(tmp_path / "data"))
    # Earlier tests' unreachable SDK clients must not be finalised (and complain on stderr) inside this one.
    gc.collect()
    capsys.readouterr()

    code = main(["ask", "how was last week?", "--team", "T0NOTHERE"])

    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert operator_messages.no_such_workspace(team_id="T0NOTHERE") in err.splitlines()
    assert "T0NOTHERE" in err and "install Lookout" in err
