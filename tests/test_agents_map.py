"""AGENTS.md is the map of the code: every path it names exists, and every source folder is on it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = (ROOT / "AGENTS.md").read_text()
# `bot/main/build.py`, `tools/`, `bot/slack/views/` ... (backticked, relative to the repository root)
PATH = re.compile(r"`((?:bot|tools|storage|tests|docs|deploy|scripts)/[\w./<>-]*)`")


def named_paths() -> list[str]:
    return sorted({match for match in PATH.findall(MAP) if "<" not in match})


def test_every_path_the_map_names_exists() -> None:
    paths = named_paths()
    assert len(paths) > 40  # the map is read, not skipped
    missing = [path for path in paths if not (ROOT / path).exists()]
    assert missing == [], f"AGENTS.md names paths that do not exist: {missing}"


def test_every_source_folder_is_on_the_map() -> None:
    folders = sorted(
        f"{init.parent.relative_to(ROOT).as_posix()}/"
        for package in ("bot", "tools", "storage")
        for init in (ROOT / package).rglob("__init__.py")
        if "migrations" not in init.parts
    )
    absent = [folder for folder in folders if f"`{folder}" not in MAP]
    assert absent == [], f"folders AGENTS.md does not mention: {absent}"
