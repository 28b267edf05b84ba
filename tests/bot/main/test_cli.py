"""`lookout` as an operator runs it: a database that cannot be used is one line and a non-zero exit, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.main.cli import main
from bot.text import operator as operator_messages
from storage.reachability import DatabaseProblem
from tests.helpers.fresh_interpreter import in_fresh_interpreter

REFUSED_URL = "postgresql://lookout:hunter2@127.0.0.1:1/lookout"


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return {
        **keep,
        "LOOKOUT_SECRET_KEY": Fernet.generate_key().decode(),
        "LOOKOUT_DATA_DIR": str(tmp_path / "data"),
        "SLACK_BOT_TOKEN": "xoxb-1-not-used",
        "SLACK_SIGNING_SECRET": "not-used",
        "SLACK_API_URL": "http://127.0.0.1:1/api/",
        **extra,
    }


def test_serve_with_postgresql_down_exits_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        cwd=tmp_path,
        env=_environment(tmp_path, DATABASE_URL=REFUSED_URL),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    expected = operator_messages.database_unavailable(
        url="postgresql://lookout@127.0.0.1:1/lookout", problem=DatabaseProblem.REFUSED
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [expected], result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_migrate_with_an_unusable_database_says_what_to_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker}/lookout.db")

    code = main(["migrate"])

    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert (
        err.strip().splitlines()[-1].startswith(f"lookout: cannot use the database at sqlite:///{blocker}/lookout.db")
    )
    assert "DATABASE_URL exists" in err


def test_a_traced_command_is_one_trace_printed_by_the_console_exporter(tmp_path: Path) -> None:
    # A fresh process: OpenTelemetry's global providers can be set once per process.
    env = _environment(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'lookout.db'}",
        OTEL_TRACES_EXPORTER="console",
        OTEL_METRICS_EXPORTER="none",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "digest", "--team", "T404", "--channel", "C1", "--dry-run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2, result.stderr  # no such workspace: said, and traced all the same
    decoder, text, spans = json.JSONDecoder(), result.stdout, []
    position = 0
    while (start := text.find("{", position)) != -1:
        span, position = decoder.raw_decode(text, start)
        spans.append(span)
    [root] = [span for span in spans if span["parent_id"] is None]
    assert root["name"] == "lookout digest"
    assert root["resource"]["attributes"]["service.name"] == "lookout"
    assert {span["context"]["trace_id"] for span in spans} == {root["context"]["trace_id"]}
    assert "sqlite transaction" in {span["name"] for span in spans}


_SERVE_UNCONFIGURED = """
import gc, json, sys
# For each collection until `main` returns: had the settings' libraries been imported yet? (The collector, turned
# back on, collects at the next allocation after that: what it found while off.)
collections, counting = [], [True]
gc.callbacks.append(
    lambda phase, info: collections.append("pydantic" in sys.modules) if phase == "stop" and counting[0] else None
)
from bot.main.cli import main
loaded_by_import = sorted(name for name in ("pydantic", "pydantic_settings", "bot.config.settings") if name in sys.modules)
code = main(["serve"])
counting[0] = False
print(json.dumps({
    "code": code,
    "loaded_by_import": loaded_by_import,
    "collections_once_pydantic_loaded": sum(collections),
    "enabled_after": gc.isenabled(),
}))
"""


async def test_serve_loads_its_settings_with_the_cyclic_collector_off(tmp_path: Path) -> None:
    # Given a fresh interpreter that imports the command line, then runs `lookout serve` without any configuration
    report = await in_fresh_interpreter(_SERVE_UNCONFIGURED, settings={}, cwd=tmp_path)

    # then importing the command line loaded no settings library: those imports (and the settings themselves)
    # happen inside `lookout serve`, with the collector off, so start-up spends nothing on collections from there...
    assert report["loaded_by_import"] == []
    assert report["collections_once_pydantic_loaded"] == 0
    # ...and a start that stops early (here: the newcomer's checklist) leaves the collector on, as it found it
    assert report["code"] == 2
    assert report["enabled_after"] is True
