"""The bot process of `lookout bench agent`: `lookout serve`'s server with tool contexts that read the fake Google.

Its own module, importing only what the bot needs, so the process whose memory the benchmark reports does not also
hold the benchmark's fakes and tokenizer (the spawned process imports the module its target lives in).
"""

from __future__ import annotations

from multiprocessing.queues import Queue
from typing import Any

from bot.bench._common import serve_until_sigterm
from bot.config.settings import EventLoop, Settings
from bot.main import event_loop

PROPERTY_ID = "123456"


def bot_process(config: dict[str, Any], ports: Queue[int]) -> None:
    """`lookout serve`'s server, on the event loop it is set to use."""
    event_loop.run(_serve_bot(config, ports), event_loop=EventLoop(config["settings"]["lookout_event_loop"]))


class _BenchContexts:
    """Tool contexts whose real GA4 client reads the fake Google (no OAuth round trip in this benchmark). The clients
    are built once and shared, as `GoogleConnectionService.clients_for` keeps a workspace's while its token holds."""

    def __init__(self, google_url: str) -> None:
        from tools.cache import ResultCache
        from tools.google.runtime import GoogleRuntime

        self._google_url = google_url
        self._runtime = GoogleRuntime()
        self._cache = ResultCache()
        self._clients: Any = None

    async def __call__(self, *, workspace_id: int, channel_id: str | None) -> Any:
        from bot.agent.context import PreparedContext
        from tools.context import ToolContext

        if self._clients is None:
            from google.oauth2.credentials import Credentials

            from bot.google.target import GoogleClients

            self._clients = GoogleClients.for_grant(
                Credentials(token="bench-token"),  # type: ignore[no-untyped-call]
                ga4_url=self._google_url,
                gsc_url=self._google_url,
                runtime=self._runtime,
            )
        context = ToolContext.for_workspace(
            workspace_id,
            cache=self._cache,
            ga4=self._clients.ga4,
            gsc=None,
            property_id=PROPERTY_ID,
            timezone="America/New_York",
        )
        return PreparedContext(context=context, property_name="Bench")


async def _serve_bot(config: dict[str, Any], ports: Queue[int]) -> None:
    from bot.config.logs import configure_logging
    from bot.main.agent import build_agent_handler
    from bot.main.build import build_services
    from bot.main.serve import start_server

    settings = Settings(_env_file=None, **config["settings"])
    configure_logging(settings.log_level)  # as `lookout serve` does
    services = build_services(settings)
    handler = build_agent_handler(services, contexts=_BenchContexts(config["google_url"]))
    server = await start_server(
        settings=settings, port=0, socket_mode=False, host="127.0.0.1", services=services, handler=handler
    )
    await serve_until_sigterm(ports, server.port)
    await server.stop(grace_seconds=10)
