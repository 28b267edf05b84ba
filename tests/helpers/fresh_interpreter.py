"""Run a script in a new Python interpreter: what a test process that has imported everything already cannot show
(which modules start-up or a first message loads, what the garbage collector did before ready)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

# Only what locates Python and the project: no LOOKOUT_* or provider key of the test run leaks into the script.
_KEPT = ("PATH", "HOME", "LANG", "PYTHONPATH")


async def in_fresh_interpreter(script: str, *, settings: dict[str, Any], cwd: Path, timeout: float = 60) -> Any:
    """What `script` prints as JSON on its last line, run by a new interpreter given `settings` as its argument."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, json.dumps(settings),
        cwd=cwd, env={name: value for name, value in os.environ.items() if name in _KEPT},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=timeout)
    except TimeoutError:
        process.kill()  # never left running after the test gives up on it
        await process.wait()
        raise
    assert process.returncode == 0, stderr.decode()[-2000:]
    return json.loads(stdout.decode().splitlines()[-1])
