"""What both hourly checks, anomaly alerts (`posting.py`) and alert rules (`rules.py`), are built from: one object
the composition root fills once and hands to both, so the two services cannot drift apart in how they reach the
database, Google, Slack and the exactly-once poster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.digest.compose_parts import GoogleClientFactory, TargetResolver
from bot.digest.posting import SlackClientFor
from bot.scheduler.posting import ClaimedPoster
from storage.db import Database


@dataclass(frozen=True, kw_only=True)
class CheckWiring:
    """The database, where a channel's numbers come from (`targets`, `google`), the workspace's Slack client,
    exactly-once posting and the clock."""

    database: Database
    targets: TargetResolver
    google: GoogleClientFactory
    slack_client_for: SlackClientFor
    poster: ClaimedPoster
    clock: Callable[[], datetime]
