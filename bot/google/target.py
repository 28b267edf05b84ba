"""What one channel of one workspace reads (`GoogleTarget`) and the clients it reads with (`GoogleClients`).

Apart from `connection.py` so that the sample property (`sample.py`) can build both without importing the
connection service that, in turn, decides when to use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.google.problems import NoPropertyChosen
from tools.context import ToolContext

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

    from tools.cache import ResultCache
    from tools.google.admin import Ga4AdminApi
    from tools.google.ga4 import Ga4Api
    from tools.google.gsc import GscApi
    from tools.google.runtime import GoogleRuntime
    from tools.notes import NoteSource
    from tools.targets import NamedTargets


@dataclass(frozen=True, kw_only=True)
class GoogleTarget:
    """What one channel of one workspace reads: its GA4 property and Search Console site (either may be unset)."""

    workspace_id: int
    property_id: str | None  # numeric, e.g. "123456"
    property_name: str | None
    site_url: str | None
    timezone: str | None  # the property's reporting timezone (IANA)
    currency: str | None  # the property's currency (ISO 4217)
    sample: bool = False  # the built-in sample property (`/lookout connect demo`), not the workspace's own data

    def require_property(self) -> str:
        """The numeric property id, or `NoPropertyChosen` for the person to fix."""
        if self.property_id is None:
            raise NoPropertyChosen
        return self.property_id

    def tool_context(
        self,
        *,
        cache: ResultCache,
        ga4: Ga4Api | None,
        gsc: GscApi | None,
        clock: Callable[[], datetime],
        timezone: str | None,
        targets: NamedTargets | None = None,
        admin: Ga4AdminApi | None = None,
        notes: NoteSource | None = None,
    ) -> ToolContext:
        """The tools' context for reading this target with these clients, in `timezone` (the property's own, or the
        caller's fallback for it); `targets` resolves the other properties and sites a question may name; `admin`
        and `notes` are where its annotations come from."""
        return ToolContext.for_workspace(
            self.workspace_id,
            cache=cache,
            ga4=ga4,
            gsc=gsc,
            property_id=self.property_id,
            site_url=self.site_url,
            clock=clock,
            timezone=timezone,
            currency=self.currency,
            targets=targets,
            admin=admin if self.property_id else None,
            notes=notes,
        )


@dataclass(frozen=True, kw_only=True)
class GoogleClients:
    """The GA4 and Search Console clients one workspace reads with (its own grant's, or the sample property's), and
    the Admin API client that reads GA4's annotations."""

    ga4: Ga4Api
    gsc: GscApi
    admin: Ga4AdminApi | None = None

    @classmethod
    def for_grant(
        cls,
        credentials: Credentials,
        *,
        ga4_url: str,
        gsc_url: str,
        runtime: GoogleRuntime,
        admin_url: str | None = None,
    ) -> GoogleClients:
        """The real SDK clients on one grant's credentials, sharing the process's Google runtime (threads, quotas):
        the one place they are built (`GoogleConnectionService.clients_for`; the benchmarks, on FakeGoogle). With
        `admin_url`, the Admin API client that reads GA4's annotations too."""
        # The SDK clients load with the first answer, digest or alert check, not when `lookout serve` starts.
        from tools.google.admin import Ga4AdminClient
        from tools.google.ga4 import Ga4Client
        from tools.google.gsc import GscClient

        admin = None
        if admin_url is not None:
            admin = Ga4AdminClient(credentials=credentials, admin_api_url=admin_url, runtime=runtime)
        return cls(
            ga4=Ga4Client(credentials=credentials, data_api_url=ga4_url, runtime=runtime),
            gsc=GscClient(credentials=credentials, api_url=gsc_url, runtime=runtime),
            admin=admin,
        )
