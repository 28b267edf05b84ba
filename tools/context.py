"""What a tool call may use: the workspace's Google clients and choices, a clock, its cache slice, formatting facts.

Built per request by the agent (or digest) from the workspace's stored Google connection; tools never reach for
globals. `ga4` / `gsc` are None when the workspace has not connected Google (the tools then ask the person to).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tools.cache import ResultCache, WorkspaceCache

if TYPE_CHECKING:
    from tools.google.admin import Ga4AdminApi
    from tools.google.ga4 import Ga4Api
    from tools.google.gsc import GscApi
    from tools.notes import NoteSource
    from tools.targets import NamedTargets

SEARCH_CONSOLE_TIMEZONE = "America/Los_Angeles"  # Search Console reports days in Pacific Time


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """Per-request dependencies of every tool.

    `timezone` / `currency` are the GA4 property's (from the Admin API or a report's metadata); when None the tools
    fall back to what the report itself states. `result_budget_chars` caps the rows put in one result for a model.
    """

    workspace_id: int
    ga4: Ga4Api | None
    gsc: GscApi | None
    cache: WorkspaceCache
    property_id: str | None = None
    site_url: str | None = None
    clock: Callable[[], datetime] = _utcnow
    timezone: str | None = None
    currency: str | None = None
    result_budget_chars: int = 6000
    targets: NamedTargets | None = None  # the other properties / sites a tool may be asked to read (`tools.retarget`)
    admin: Ga4AdminApi | None = None  # GA4's annotations (Admin API); None when not connected
    notes: NoteSource | None = None  # the workspace's Lookout notes

    @classmethod
    def for_workspace(
        cls,
        workspace_id: int,
        *,
        cache: ResultCache,
        ga4: Ga4Api | None,
        gsc: GscApi | None,
        property_id: str | None = None,
        site_url: str | None = None,
        clock: Callable[[], datetime] = _utcnow,
        timezone: str | None = None,
        currency: str | None = None,
        targets: NamedTargets | None = None,
        admin: Ga4AdminApi | None = None,
        notes: NoteSource | None = None,
    ) -> ToolContext:
        """The usual constructor: takes the process-wide cache and binds the workspace's slice of it."""
        return cls(
            workspace_id=workspace_id,
            ga4=ga4,
            gsc=gsc,
            cache=cache.for_workspace(workspace_id),
            property_id=property_id,
            site_url=site_url,
            clock=clock,
            timezone=timezone,
            currency=currency,
            targets=targets,
            admin=admin,
            notes=notes,
        )

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def _now(self) -> datetime:
        """The clock's time; a naive one is taken as UTC."""
        now = self.clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=UTC)

    def property_today(self) -> date:
        """Today in the property's time zone (UTC when it is not known)."""
        return self._now().astimezone(self.zone()).date()

    def search_console_today(self) -> date:
        return self._now().astimezone(ZoneInfo(SEARCH_CONSOLE_TIMEZONE)).date()
