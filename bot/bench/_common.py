"""What `lookout bench ack` and `lookout bench agent` share: the signed `app_mention` delivery, the server process
life cycle (spawn, wait for its port, SIGTERM), a process's CPU time and the percentile they report."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import multiprocessing
import os
import signal
import time
import uuid
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

SIGNING_SECRET = "bench-signing-secret"


def signed_mention(*, text: str, ts: str) -> tuple[bytes, dict[str, str]]:
    """An Events API `app_mention` delivery in channel C0GROWTH, as Slack sends it, signed with `SIGNING_SECRET`:
    (body, headers)."""
    envelope = {
        "token": "bench",
        "team_id": "T0LOOKOUT",
        "api_app_id": "A0LOOKOUT",
        "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:12].upper(),
        "event_time": int(time.time()),
        "event": {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": text,
            "ts": ts,
            "channel": "C0GROWTH",
            "event_ts": ts,
            "team": "T0LOOKOUT",
        },
        "authorizations": [{"team_id": "T0LOOKOUT", "user_id": "U0LOOKOUT", "is_bot": True}],
        # Slack sends both with every `event_callback`; without the first, the bot asks `conversations.info`
        # whether the channel is shared (as it must for a delivery that does not say).
        "is_ext_shared_channel": False,
        "event_context": "4-" + uuid.uuid4().hex,
    }
    body = json.dumps(envelope)
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    return body.encode(), headers


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process so far (all its threads), from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name (which may hold spaces): state is field 3 of stat(5), utime and stime 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile_ms(seconds: Sequence[float], fraction: float) -> float:
    """The `fraction` percentile of durations in seconds, in milliseconds (NaN when there are none)."""
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else float("nan")


async def start_server_process(target: Callable[..., None], *args: Any) -> tuple[BaseProcess, int]:
    """Spawn `target(*args, ports)` and wait for the port it puts on `ports` (see `serve_until_sigterm`)."""
    context = multiprocessing.get_context("spawn")
    ports: Queue[int] = context.Queue()
    process: BaseProcess = context.Process(target=target, args=(*args, ports), daemon=True)
    process.start()
    try:
        return process, await asyncio.to_thread(ports.get, True, 120)
    except BaseException:
        await stop_server_process(process)
        raise


async def stop_server_process(process: BaseProcess) -> None:
    """SIGTERM (the server stops gracefully), then kill it if it has not exited within 30 s."""
    if process.pid is not None and process.is_alive():
        os.kill(process.pid, signal.SIGTERM)
    await asyncio.to_thread(process.join, 30)
    if process.is_alive():
        process.kill()


async def serve_until_sigterm(ports: Queue[int], port: int) -> None:
    """In the server process, once it listens on `port`: tell the parent, then return when the parent sends SIGTERM."""
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    ports.put(port)
    await stop.wait()
