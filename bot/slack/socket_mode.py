"""Socket Mode for `lookout serve --socket-mode`, in its own module so HTTP-mode processes never import it."""

from __future__ import annotations

import time

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.observe.metrics import Metrics


class CountingSocketModeHandler(AsyncSocketModeHandler):
    """bolt's Socket Mode handler, counting requests in the same metrics as `/slack/events`."""

    def __init__(self, app: AsyncApp, *, app_token: str, metrics: Metrics) -> None:
        super().__init__(app, app_token=app_token)
        self._metrics = metrics

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        counts = self._metrics.request_metrics("socket")
        started = time.perf_counter()
        counts.received += 1
        await super().handle(client, req)
        counts.acked += 1
        counts.observe(time.perf_counter() - started)
