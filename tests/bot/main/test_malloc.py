"""`limit_malloc_arenas`: applied on glibc, and never over an operator's own MALLOC_ARENA_MAX."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

_CALL = "from bot.main.malloc import limit_malloc_arenas; print(limit_malloc_arenas())"


def _run(**extra: str) -> str:
    env = {name: value for name, value in os.environ.items() if name in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    # A fresh interpreter: the setting is process-wide.
    done = subprocess.run(
        [sys.executable, "-c", _CALL], env={**env, **extra}, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_the_arenas_are_limited_on_glibc() -> None:
    assert _run() == "True"


def test_an_operators_malloc_arena_max_is_left_as_it_is() -> None:
    assert _run(MALLOC_ARENA_MAX="4") == "False"
