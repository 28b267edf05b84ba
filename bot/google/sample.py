"""The built-in sample property (Demo Store) as a Google target and clients, for `lookout demo` and for workspaces
that chose `/lookout connect demo` (`GoogleConnectionService.sample`).

It answers through the same `Ga4Api` / `GscApi` interfaces as a real grant (in process, no credentials), so digests,
alerts and answers run unchanged; the target is marked `sample` so every message made from it says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.google.target import GoogleClients, GoogleTarget
from tools.sample import demo_store
from tools.sample.demo_store import DemoStore


class SampleGoogle:
    """One per process: the Demo Store follows the clock and is rebuilt once an hour, shared by every workspace."""

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._store = DemoStore(clock=clock)

    def target(self, *, workspace_id: int) -> GoogleTarget:
        return GoogleTarget(
            workspace_id=workspace_id,
            property_id=demo_store.PROPERTY_ID,
            property_name=demo_store.PROPERTY_NAME,
            site_url=demo_store.SITE_URL,
            timezone=demo_store.TIMEZONE,
            currency=demo_store.CURRENCY,
            sample=True,
        )

    def clients(self) -> GoogleClients:
        return GoogleClients(ga4=self._store.ga4(), gsc=self._store.gsc(), admin=self._store.admin())

    # `TargetResolver` and `GoogleClientFactory`, for a process where every workspace reads the sample (`lookout demo`)
    async def resolve_target(self, *, workspace_id: int, channel_id: str | None) -> GoogleTarget:
        del channel_id
        return self.target(workspace_id=workspace_id)

    async def clients_for(self, *, target: GoogleTarget) -> GoogleClients:
        del target
        return self.clients()
