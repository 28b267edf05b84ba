"""The set-up a newcomer runs: `make run` installs only the runtime lock and reports a missing configuration once,
without make's own error line; the dev lock adds the test and lint tools on top, still pinned."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==\S+$")


def _pins(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        if line and not line.startswith(("#", " ", "-r ")):
            match = PIN.match(line)
            assert match, f"{path.name}: not an exact pin: {line!r}"
            names.add(match.group(1).lower())
    return names


def test_the_runtime_lock_has_no_test_or_lint_tools_and_the_dev_lock_adds_them() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev_tools = {re.split(r"[<>=\[ ]", spec)[0].lower() for spec in project["optional-dependencies"]["dev"]}
    runtime = {re.split(r"[<>=\[ ]", spec)[0].lower() for spec in project["dependencies"]}

    assert runtime <= _pins(ROOT / "requirements.lock")
    assert not dev_tools & _pins(ROOT / "requirements.lock")
    assert dev_tools <= _pins(ROOT / "requirements-dev.lock")
    assert "-r requirements.lock" in (ROOT / "requirements-dev.lock").read_text().splitlines()


def _fake_venv(tmp_path: Path, *, serve_exit: int) -> Path:
    """A virtual environment whose `lookout serve` prints a checklist and exits `serve_exit`, already installed."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("#!/bin/sh\nexit 0\n")
    (venv / "bin" / "lookout").write_text(f"#!/bin/sh\necho 'Lookout is not configured yet' >&2\nexit {serve_exit}\n")
    for script in (venv / "bin").iterdir():
        script.chmod(0o755)
    (venv / ".installed-runtime").touch()
    return venv


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(("serve_exit", "make_exit"), [(2, 0), (1, 2)], ids=["not-configured", "crashed"])
def test_make_run_reports_a_missing_configuration_once_without_make_noise(
    tmp_path: Path, serve_exit: int, make_exit: int
) -> None:
    venv = _fake_venv(tmp_path, serve_exit=serve_exit)

    done = subprocess.run(
        ["make", "--no-print-directory", "run", f"VENV={venv}"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == make_exit
    assert done.stderr.count("Lookout is not configured yet") == 1
    assert ("make: ***" in done.stderr) == (make_exit != 0)
    assert "pip install" not in done.stdout  # the stamp says the runtime lock is installed: nothing reinstalled
