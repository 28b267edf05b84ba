"""The process-wide dependencies, built once in the entry point and handed to listeners, jobs and routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp

from bot.access.people import PeopleDirectory
from bot.background import BackgroundWork
from bot.incoming import MessageHandler
from bot.listeners.home import GoogleHomeBlocks, google_not_connected_blocks
from bot.listeners.replies import reply_connect_google_first
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack.dedupe import EventLedger
from bot.slack.rotation import TokenRefreshLocks
from bot.slack.workspaces import WorkspaceCache
from storage.crypto import TokenCipher
from storage.db import Database
from storage.tables.base import utcnow
from tools.google.runtime import GoogleRuntime

if TYPE_CHECKING:
    from bot.google.connection import GoogleConnectionService


@dataclass
class Services:
    """Everything a listener or job needs; tests build one with fakes behind the same settings."""

    settings: Settings
    database: Database
    cipher: TokenCipher
    clock: Callable[[], datetime] = field(default=utcnow)
    # What answers a mention or DM; the agent's handler replaces this default in `bot.serve.build_services`.
    message_handler: MessageHandler = field(default=reply_connect_google_first)
    # The Google part of the App Home tab; the Google connection replaces this default in `build_services`.
    home_google_blocks: GoogleHomeBlocks = field(default=google_not_connected_blocks)
    metrics: Metrics = field(default_factory=Metrics)
    background: BackgroundWork = field(default_factory=BackgroundWork)
    # Dedupe claims (group-committed) and the active workspaces seen lately: the cheap path of every mention.
    dedupe: EventLedger = field(default_factory=EventLedger)
    workspace_cache: WorkspaceCache = field(default_factory=WorkspaceCache)
    # Who is an admin or a guest, and who is in a user group, as Slack said a few minutes ago (`bot.access`).
    people: PeopleDirectory = field(default_factory=PeopleDirectory)
    # Slack bot-token rotation: one refresh per workspace at a time (see `bot.slack.rotation`).
    slack_token_locks: TokenRefreshLocks = field(default_factory=TokenRefreshLocks)
    # One keep-alive HTTP session for every Slack Web API client (set by `bot.serve.start_server`, which closes
    # it); None makes each call open its own connection.
    slack_http: aiohttp.ClientSession | None = None
    # Google credentials and targets; one per process (refresh locks). Use `bot.google.connection.google_connections`.
    google: GoogleConnectionService | None = None
    # Where every Google SDK call of this process runs (worker threads, quota state and the 10-concurrent-requests
    # per property limit): one shared by the agent, digests and alerts, so the limit holds across the process.
    # Closed by whoever closes the process (`RunningServer.stop`, `lookout digest`, `lookout ask`).
    google_runtime: GoogleRuntime = field(default_factory=GoogleRuntime)
