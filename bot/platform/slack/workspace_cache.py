"""Active workspaces remembered for a few seconds, so the cheap path of a mention does not read the database."""

from __future__ import annotations

import time

from storage.tables.core import Workspace

# How long an active workspace is remembered. An uninstall in this process forgets it at once; one handled by
# another replica is seen within this time (its tokens are already revoked, so nothing can be posted meanwhile).
WORKSPACE_CACHE_SECONDS = 30.0


class WorkspaceCache:
    """Active workspaces by (enterprise_id, team_id), so a mention does not pay a database read. Read-only objects."""

    def __init__(self, *, ttl_seconds: float = WORKSPACE_CACHE_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[tuple[str, str], tuple[Workspace, float]] = {}

    def get(self, *, enterprise_id: str | None, team_id: str | None) -> Workspace | None:
        entry = self._entries.get((enterprise_id or "", team_id or ""))
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, workspace: Workspace) -> None:
        self._entries[(workspace.enterprise_id, workspace.team_id)] = (workspace, time.monotonic() + self._ttl)

    def forget(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._entries.pop((enterprise_id or "", team_id or ""), None)
