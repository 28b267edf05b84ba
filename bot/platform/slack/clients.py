"""Every Slack Web API client the app makes: our base URL, 429 retries, error metrics and token rotation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import SlackMode
from bot.observe.metrics import Metrics
from bot.platform.slack.installation_store import DatabaseInstallationStore, to_bot
from bot.platform.slack.rotation import SingleFlightTokenRotator
from bot.platform.slack.spans import slack_trace_configs
from bot.platform.slack.writes import TransientErrorRetryHandler, api_method
from storage.repos.installations import bot_credentials_for_workspace
from storage.repos.workspaces import get_workspace_by_id

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

# Refresh a rotating bot token when it expires within this many minutes (bolt's default too).
TOKEN_ROTATION_MINUTES = 120
RATE_LIMIT_RETRIES = 3
# slack_sdk's own default per call.
SLACK_TIMEOUT_SECONDS = 30


class WorkspaceNotInstalled(LookupError):
    """The workspace has no usable Slack installation (never installed, uninstalled or tokens revoked)."""


class ApiErrorCounter(AsyncRetryHandler):
    """Never retries; counts every failed Web API answer by method so `/metrics` shows Slack API errors.

    slack_sdk offers every response to each retry handler in turn, which makes this the one place that sees
    all of them, whichever code made the call.
    """

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self._metrics = metrics

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        error_name: str | None = None
        if error is not None:
            error_name = type(error).__name__
        elif response is not None:
            body = response.body if isinstance(response.body, dict) else {}
            if response.status_code >= 400:
                error_name = str(body.get("error") or f"http_{response.status_code}")
            elif body.get("ok") is False:
                error_name = str(body.get("error") or "unknown")
        if error_name is not None:
            self._metrics.slack_api_errors.labels(method=api_method(request.url), error=error_name).inc()
        return False


def retry_handlers(metrics: Metrics) -> list[AsyncRetryHandler]:
    """The handlers every client gets: count errors, wait out 429s (Retry-After), retry what is safe to retry
    (`bot.platform.slack.writes`: `ratelimited`, connections that never opened, and 5xx only where a repeat is harmless)."""
    return [
        ApiErrorCounter(metrics),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        TransientErrorRetryHandler(),
    ]


def make_web_client(*, services: Services, token: str | None = None) -> AsyncWebClient:
    """A client on `SLACK_API_URL` with our retry handlers; bolt's per-request clients copy these settings."""
    return AsyncWebClient(
        token=token,
        base_url=services.settings.slack_api_url,
        session=services.slack_http,
        retry_handlers=retry_handlers(services.metrics),
    )


def new_slack_http_session() -> aiohttp.ClientSession:
    """The shared keep-alive session for `Services.slack_http`; create it inside the running event loop. With
    tracing on, each request through it is a span (`bot.platform.slack.spans`)."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT_SECONDS), trace_configs=slack_trace_configs()
    )


def installation_store(services: Services) -> DatabaseInstallationStore:
    return DatabaseInstallationStore(database=services.database, cipher=services.cipher)


async def web_client_for(*, services: Services, workspace_id: int) -> AsyncWebClient:
    """The bot client for a workspace outside any incoming request (digests, alerts, scheduled posts).

    In multi-workspace mode the stored bot token is refreshed first when it expires soon (token rotation, one
    refresh per workspace at a time across replicas) and the new one saved. Raises `WorkspaceNotInstalled` when
    nothing may be posted there.
    """
    settings = services.settings
    async with services.database.session() as session:
        workspace = await get_workspace_by_id(session=session, workspace_id=workspace_id)
        if workspace is None or workspace.uninstalled_at is not None:
            raise WorkspaceNotInstalled(f"workspace {workspace_id} is not installed")
        if settings.slack_mode is SlackMode.SINGLE_WORKSPACE:
            assert settings.slack_bot_token is not None
            return make_web_client(services=services, token=settings.slack_bot_token.get_secret_value())
        found = await bot_credentials_for_workspace(session=session, cipher=services.cipher, workspace=workspace)
    if found is None:
        raise WorkspaceNotInstalled(f"workspace {workspace_id} has no Slack installation")
    bot = to_bot(found)
    if bot.bot_refresh_token is not None and settings.slack_client_id and settings.slack_client_secret is not None:
        refreshed = await token_rotator(services).perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=TOKEN_ROTATION_MINUTES
        )
        if refreshed is not None:
            bot = refreshed
    return make_web_client(services=services, token=bot.bot_token)


def token_rotator(services: Services) -> SingleFlightTokenRotator:
    """The token rotator of multi-workspace mode, for bolt's authorize and for `web_client_for`.

    Every instance made from one `Services` shares its locks and lease name, so they refresh one at a time.
    """
    settings = services.settings
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    return SingleFlightTokenRotator(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        client=make_web_client(services=services),
        database=services.database,
        cipher=services.cipher,
        locks=services.slack_token_locks,
        clock=services.clock,
    )
