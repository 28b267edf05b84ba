"""The process-wide dependencies, built once in the entry point and handed to listeners, jobs and routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp

from bot.config.settings import Settings
from bot.observe.metrics import Metrics
from bot.platform.background import BackgroundWork
from bot.platform.slack.dedupe import EventLedger
from bot.platform.slack.people import PeopleDirectory
from bot.platform.slack.rotation import TokenRefreshLocks
from bot.platform.slack.workspace_cache import WorkspaceCache
from storage.crypto import TokenCipher
from storage.db import Database
from storage.tables.base import utcnow
from tools.google.runtime import GoogleRuntime


@dataclass(eq=False)
class Services:
    """Everything a listener or job needs; tests build one with fakes behind the same settings."""

    settings: Settings
    database: Database
    cipher: TokenCipher
    clock: Callable[[], datetime] = field(default=utcnow)
    metrics: Metrics = field(default_factory=Metrics)
    background: BackgroundWork = field(default_factory=BackgroundWork)
    # Dedupe claims (group-committed) and the active workspaces seen lately: the cheap path of every mention.
    dedupe: EventLedger = field(default_factory=EventLedger)
    workspace_cache: WorkspaceCache = field(default_factory=WorkspaceCache)
    # Who is an admin or a guest, and who is in a user group, as Slack said a few minutes ago (`bot.access`).
    people: PeopleDirectory = field(default_factory=PeopleDirectory)
    # Slack bot-token rotation: one refresh per workspace at a time (see `bot.platform.slack.rotation`).
    slack_token_locks: TokenRefreshLocks = field(default_factory=TokenRefreshLocks)
    # One keep-alive HTTP session for every Slack Web API client (set by `bot.main.serve.start_server`, which closes
    # it); None makes each call open its own connection.
    slack_http: aiohttp.ClientSession | None = None
    # Where every Google SDK call of this process runs (worker threads, quota state and the 10-concurrent-requests
    # per property limit): one shared by the agent, digests and alerts, so the limit holds across the process.
    # Closed by whoever closes the process (`RunningServer.stop`, `lookout digest`, `lookout ask`).
    google_runtime: GoogleRuntime = field(default_factory=GoogleRuntime)

    def __post_init__(self) -> None:
        self.metrics.read_answer_waits(self.background.wait_totals)
