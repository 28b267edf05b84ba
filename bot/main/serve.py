"""`lookout serve` and `lookout migrate`: build the services once, migrate, then run until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.config.settings import Settings, SlackMode
from bot.main import event_loop
from bot.main.build import build_bolt_app, build_services, message_handler
from bot.main.malloc import limit_malloc_arenas
from bot.platform.services import Services
from bot.platform.slack.clients import make_web_client, new_slack_http_session
from bot.platform.slack.errors import REFUSED_TOKEN_ERRORS, error_code
from bot.slack.abandoned import start_abandoned_sweep
from bot.slack.web import build_web_app
from bot.text import core as messages
from bot.text import operator as operator_messages
from storage.db import Database
from storage.migrate import prepare_database
from storage.repos.events import purge_processed_events
from storage.repos.workspaces import ensure_workspace

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    from bot.platform.incoming import MessageHandler

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

Stop = Callable[[], Awaitable[None]]
# A long-running part started beside the HTTP server (the scheduler, housekeeping); returns how to stop it.
Lifecycle = Callable[[Services], Awaitable[Stop]]

# Slack retries a delivery for about an hour; claims older than a day can go.
_LEDGER_RETENTION = timedelta(days=1)
_LEDGER_PURGE_EVERY_SECONDS = 3600.0
_SHUTDOWN_GRACE_SECONDS = 25.0
# Container allocations between young collections (CPython default 700) and generation-1 collections between full
# ones (default 10); see `_tune_garbage_collector`.
_YOUNG_COLLECTION_THRESHOLD = 5000
_FULL_COLLECTION_THRESHOLD = 100


async def migrate_only(*, settings: Settings) -> int:
    database = Database(settings.database_url)
    try:
        await prepare_database(database, wait_seconds=settings.lookout_database_wait_seconds)
    finally:
        await database.dispose()
    logger.info("database schema is up to date")
    return 0


async def start_ledger_purge(services: Services) -> Stop:
    """Forget old dedupe claims once an hour so the ledger stays small."""

    async def loop() -> None:
        while True:
            try:
                async with services.database.session() as session:
                    removed = await purge_processed_events(
                        session=session, older_than=services.clock() - _LEDGER_RETENTION
                    )
                if removed:
                    logger.info("forgot %d old event claims", removed)
            except Exception:
                logger.exception("could not purge old event claims")
            await asyncio.sleep(_LEDGER_PURGE_EVERY_SECONDS)

    task = asyncio.get_running_loop().create_task(loop(), name="ledger-purge")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop


async def start_scheduler(services: Services) -> Stop:
    """Join the scheduler's leadership race; the jobs' wiring (`bot.main.scheduling`) loads only once this replica leads.

    The wiring imports every digest and alert module and, through them, google-analytics-data with gRPC and protobuf
    (~0.4 s of CPU and ~30 MB, measured with getrusage and RSS). The lease is tried before the replica reports healthy
    (a healthy replica has joined the race; tests/cluster rely on it), but the wiring loads in a worker thread once
    the lease is held, so neither `/healthz` nor Slack's acks wait for it and a standby replica never loads it.
    LOOKOUT_SCHEDULER_ENABLED=false: no lease, no scheduler at all.
    """
    settings = services.settings
    if not settings.lookout_scheduler_enabled:
        logger.info("scheduler disabled on this replica (LOOKOUT_SCHEDULER_ENABLED=false)")

        async def nothing() -> None:
            return None

        return nothing
    from bot.scheduler.leadership import replica_id
    from bot.scheduler.scheduler import Planner, SchedulerService

    claimant = replica_id()

    async def load_planner() -> Planner:
        # In a thread: an import on the event loop's thread would hold up every request while it runs.
        scheduling = await asyncio.to_thread(importlib.import_module, "bot.main.scheduling")
        planner: Planner = scheduling.build_planner(services, claimant=claimant)
        return planner

    lease = timedelta(seconds=settings.lookout_scheduler_lease_seconds)
    scheduler = SchedulerService(
        database=services.database,
        clock=services.clock,
        load_planner=load_planner,
        lease_ttl=lease,
        renew_every=lease / 4,
        holder=claimant,
    )
    await scheduler.start()

    async def stop() -> None:
        await scheduler.stop(grace_seconds=settings.lookout_shutdown_grace_seconds)

    return stop


# Started in order after migrations, stopped in reverse order on shutdown. The scheduler adds itself here.
LIFECYCLES: list[Lifecycle] = [start_ledger_purge, start_abandoned_sweep, start_scheduler]


class SlackTokenRefused(RuntimeError):
    """Slack refused a configured token at start: the process must not serve (every command would fail)."""

    def __init__(self, *, variable: str, error: str) -> None:
        super().__init__(f"Slack refused {variable} ({error})")
        self.variable = variable
        self.error = error


class SlackUnreachable(RuntimeError):
    """Slack could not be asked about a configured token at start (network, 5xx after retries)."""

    def __init__(self, *, variable: str, reason: str) -> None:
        super().__init__(f"could not check {variable} with Slack ({reason})")
        self.variable = variable
        self.reason = reason


def serve(*, settings: Settings, port: int | None, socket_mode: bool) -> int:
    problems = settings.problems(socket_mode=socket_mode)
    if problems:
        sys.stderr.write(messages.newcomer_checklist(problems=problems, public_url=settings.base_url))
        return 2
    try:
        return event_loop.run(
            _serve(settings=settings, port=port or settings.port, socket_mode=socket_mode),
            event_loop=settings.lookout_event_loop,
        )
    except SlackTokenRefused as refused:
        # Fail fast rather than serve a bot whose every reply Slack refuses (docs/deployment.md).
        sys.stderr.write(operator_messages.slack_token_refused(variable=refused.variable, error=refused.error) + "\n")
        return 1
    except SlackUnreachable as unreachable:
        line = operator_messages.slack_unreachable(
            variable=unreachable.variable, api_url=settings.slack_api_url, reason=unreachable.reason
        )
        sys.stderr.write(line + "\n")
        return 1


@dataclass
class RunningServer:
    """A started Lookout: HTTP routes, the Socket Mode connection when asked, and the lifecycles."""

    services: Services
    bolt_app: AsyncApp
    port: int
    _runner: web.AppRunner
    _socket_handler: AsyncSocketModeHandler | None
    _stops: list[Stop]
    _handler: MessageHandler

    async def stop(self, *, grace_seconds: float = _SHUTDOWN_GRACE_SECONDS) -> None:
        """Stop taking work, let in-flight work finish (about `grace_seconds` in all), then release everything.

        The listener closes first, so a new delivery is refused and Slack (or the load balancer) sends it to another
        replica. Handlers already running and the lifecycles (the scheduler finishing its runs, then handing back
        its lease) wind down side by side, so the grace period is spent once, not once per part.
        """
        deadline = time.monotonic() + grace_seconds
        logger.info("shutting down: finishing in-flight work (up to %.0f s)", grace_seconds)
        if self._socket_handler is not None:
            await self._socket_handler.close_async()  # type: ignore[no-untyped-call]
        await self._runner.shutdown()
        await self._runner.cleanup()

        async def drain_handlers() -> None:
            if not await self.services.background.wait_idle(timeout=max(0.0, deadline - time.monotonic())):
                logger.warning("stopped with %d handlers still running", self.services.background.active)

        async def stop_lifecycles() -> None:
            for stop in reversed(self._stops):
                await stop()

        await asyncio.gather(drain_handlers(), stop_lifecycles())
        close = getattr(self._handler, "aclose", None)  # the models' connection pools, once the agent was built
        if close is not None:
            await close()
        await _release(self.services)


async def start_server(
    *,
    settings: Settings,
    port: int,
    socket_mode: bool,
    host: str = "0.0.0.0",  # noqa: S104 - a server listens on all interfaces
    services: Services | None = None,
    handler: MessageHandler | None = None,
) -> RunningServer:
    """Migrate, then start serving. `port=0` picks a free port (see `RunningServer.port`).

    Raises `DatabaseUnavailable` (after closing what it opened) when the database cannot be used.
    """
    limit_malloc_arenas()  # before the first worker threads (SQLite's, Google's) start
    services = services or build_services(settings)
    try:
        await prepare_database(services.database, wait_seconds=settings.lookout_database_wait_seconds)
        if services.slack_http is None:
            services.slack_http = new_slack_http_session()
        if settings.slack_mode is SlackMode.SINGLE_WORKSPACE:
            await _register_single_workspace(services)
        if socket_mode:
            await _check_app_token(services)
    except BaseException:
        # Nothing may be left open: an unclosed pool or session makes the interpreter's exit spew tracebacks.
        await _release(services)
        raise
    handler = handler or message_handler(services)
    bolt_app = build_bolt_app(services, handler=handler)
    runner = web.AppRunner(build_web_app(services=services, bolt_app=bolt_app, socket_mode=socket_mode))
    await runner.setup()
    await web.TCPSite(runner, host=host, port=port).start()
    bound_port = int(runner.addresses[0][1])
    logger.info("Lookout listening on :%d (%s)", bound_port, "Socket Mode" if socket_mode else "HTTP events")
    socket_handler: AsyncSocketModeHandler | None = None
    if socket_mode:
        from bot.slack.socket_mode import CountingSocketModeHandler

        assert settings.slack_app_token is not None
        socket_handler = CountingSocketModeHandler(
            bolt_app, app_token=settings.slack_app_token.get_secret_value(), metrics=services.metrics
        )
        await socket_handler.connect_async()  # type: ignore[no-untyped-call]
    stops: list[Stop] = [await start(services) for start in LIFECYCLES]
    _tune_garbage_collector()
    return RunningServer(
        services=services,
        bolt_app=bolt_app,
        port=bound_port,
        _runner=runner,
        _socket_handler=socket_handler,
        _stops=stops,
        _handler=handler,
    )


def _tune_garbage_collector() -> None:
    """Keep the cyclic garbage collector from taking a large share of the CPU while a burst of events is acked.

    Everything built so far (modules, the app, settings) lives as long as the process: frozen, full collections no
    longer walk those ~130,000-160,000 objects (acks took ~0.37 ms of CPU each before, ~0.27 ms after; p99 ack
    ~150 → ~35 ms). The young generation is collected every 5,000 container allocations instead of 700: with 32
    requests in flight a young collection mostly finds live request objects, walks them and promotes them, only for
    them to be freed by reference counting a moment later; at 700 that was ~80 collections per 3,000 acks, and
    another ~50 ms of CPU in generation-1 collections over the promoted objects (`lookout bench ack`). Full
    collections are ten times rarer. Cyclic garbage made from here on still goes at the next young collection.

    No collection runs first: it would walk every object start-up made (~80-110 ms of CPU before `/healthz` answers)
    to free ~1,500 cyclic objects (~0.5 MB: classes attrs builds and discards, the traceback of the "no
    alembic_version table" a fresh database raises; `lookout serve` starts with the collector off, bot.main.cli).
    Frozen, those few stay for the life of the process; reference counting still frees any frozen object that loses
    its last reference. Running that collection later instead (adec380, a second after the server was up) is no
    cheaper, only moved into the first second of serving, which `lookout bench ack` measures in every round (a new
    server each): ~0.38 instead of ~0.33 ms of CPU per ack there, with its server also collecting on the default
    thresholds until then; collections after that second cost the same either way.
    """
    gc.freeze()  # moves the generations' lists to the permanent one: microseconds, however many objects
    _, second, _ = gc.get_threshold()
    gc.set_threshold(_YOUNG_COLLECTION_THRESHOLD, second, _FULL_COLLECTION_THRESHOLD)
    gc.enable()  # `lookout serve` starts with it off (bot.main.cli)


async def _serve(*, settings: Settings, port: int, socket_mode: bool) -> int:
    # Handlers first: a SIGTERM that arrives while migrating still ends in a clean stop (and exit status 0).
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop_requested.set)
    server = await start_server(settings=settings, port=port, socket_mode=socket_mode)
    await stop_requested.wait()
    await server.stop(grace_seconds=settings.lookout_shutdown_grace_seconds)
    logger.info("stopped")
    return 0


async def _release(services: Services) -> None:
    services.google_runtime.close()
    if services.slack_http is not None:
        await services.slack_http.close()
    await services.database.dispose()


async def _verified(call: Awaitable[_T], *, variable: str) -> _T:
    """`call`'s result; a refusal raises `SlackTokenRefused`, any other failure `SlackUnreachable`."""
    try:
        return await call
    except SlackApiError as error:
        code = error_code(error)
        if code in REFUSED_TOKEN_ERRORS:
            raise SlackTokenRefused(variable=variable, error=code) from error
        raise SlackUnreachable(variable=variable, reason=code) from error
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        raise SlackUnreachable(variable=variable, reason=type(error).__name__) from error


async def _check_app_token(services: Services) -> None:
    """Ask for a Socket Mode URL once ourselves: slack_sdk's client retries a refused app token every 10 s forever,
    logging each time, while the HTTP routes report healthy. The URL is left unused and simply expires."""
    assert services.settings.slack_app_token is not None
    token = services.settings.slack_app_token.get_secret_value()
    client = make_web_client(services=services, token=token)
    await _verified(client.apps_connections_open(app_token=token), variable="SLACK_APP_TOKEN")


async def _register_single_workspace(services: Services) -> None:
    """Record the one workspace (and clear an earlier uninstall: the operator installed the app again).

    Raises `SlackTokenRefused` when Slack refuses SLACK_BOT_TOKEN and `SlackUnreachable` when Slack cannot be asked
    (after the client's own retries): serving on would be a bot that acks every request and can answer none.
    """
    assert services.settings.slack_bot_token is not None
    client = make_web_client(services=services, token=services.settings.slack_bot_token.get_secret_value())
    identity = await _verified(client.auth_test(), variable="SLACK_BOT_TOKEN")
    async with services.database.session() as session:
        await ensure_workspace(
            session=session,
            enterprise_id=identity.get("enterprise_id"),
            team_id=identity.get("team_id"),
            name=str(identity.get("team") or ""),
        )
