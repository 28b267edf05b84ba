"""GA4 and Search Console clients for a workspace's own Google grant, sharing the process's Google runtime."""

from __future__ import annotations

from bot.google.connection import GoogleClients, GoogleConnectionService
from bot.settings import Settings
from tools.google.runtime import GoogleRuntime


class ConnectionGoogleClients:
    """Builds clients from `GoogleConnectionService.credentials_for`, so each workspace reads only its own data."""

    def __init__(self, *, connections: GoogleConnectionService, settings: Settings, runtime: GoogleRuntime) -> None:
        self._connections = connections
        self._settings = settings
        self._runtime = runtime

    async def clients_for(self, *, workspace_id: int) -> GoogleClients:
        # The SDK clients load with the first digest or alert check, not when `lookout serve` starts.
        from tools.google.ga4 import Ga4Client
        from tools.google.gsc import GscClient

        credentials = await self._connections.credentials_for(workspace_id=workspace_id)
        return GoogleClients(
            ga4=Ga4Client(credentials=credentials, data_api_url=self._settings.ga4_data_api_url, runtime=self._runtime),
            gsc=GscClient(
                credentials=credentials, api_url=self._settings.search_console_api_url, runtime=self._runtime
            ),
        )
