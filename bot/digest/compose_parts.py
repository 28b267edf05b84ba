"""What composing a digest hands around: the resolvers it is given and the digest it returns (daily, weekly,
monthly or roll-up), apart from `compose.py` so the roll-up's composer shares them without an import loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.digest.periodic import PeriodicReport
from bot.digest.report import DigestReport
from bot.digest.rollup import RollupReport
from bot.google.target import GoogleClients, GoogleTarget

Block = dict[str, Any]


class TargetResolver(Protocol):
    """`GoogleConnectionService` is the real one."""

    async def resolve_target(self, *, workspace_id: int, channel_id: str | None) -> GoogleTarget: ...


class GoogleClientFactory(Protocol):
    """The clients that read a target (`GoogleConnectionService` is the real one: sample or the workspace's grant)."""

    async def clients_for(self, *, target: GoogleTarget) -> GoogleClients: ...


@dataclass(frozen=True, kw_only=True)
class ComposedDigest:
    """A digest ready to post: fallback text, blocks, an optional chart, and the report behind it."""

    text: str
    blocks: list[Block]
    chart_png: bytes | None = None
    chart_title: str = ""
    report: DigestReport | None = None
    periodic: PeriodicReport | None = None  # a weekly or monthly digest's report
    rollup: RollupReport | None = None  # a roll-up digest's report
