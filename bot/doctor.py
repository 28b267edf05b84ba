"""`lookout doctor`: one line per check of the configuration and of every configured service; never a secret."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO
from urllib.parse import urlsplit

import aiohttp
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Connection

from bot.logs import redact
from bot.messages import operator as operator_messages
from bot.settings import Settings, SlackMode
from storage.crypto import SecretKeyError, TokenCipher, key_path
from storage.db import Database
from storage.migrate import alembic_config
from storage.reachability import DatabaseUnavailable, check_database

_TIMEOUT_SECONDS = 5.0


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    required: bool = True


async def doctor(*, settings: Settings, out: TextIO | None = None) -> int:
    """Print one line per check; 1 when a required check failed, else 0."""
    stream = out or sys.stdout
    checks: list[Check] = []
    for run in _checks():
        try:
            result = await asyncio.wait_for(run(settings), timeout=_TIMEOUT_SECONDS * 2)
        except TimeoutError:
            result = [Check(run.__name__.removeprefix("_check_"), Status.FAIL, "timed out")]
        for check in result:
            checks.append(check)
            stream.write(f"[{check.status.value:>4}] {check.name}: {redact(check.detail)}\n")
    failed = [check for check in checks if check.status is Status.FAIL and check.required]
    stream.write(f"\n{len(failed)} required check(s) failed.\n" if failed else "\nAll required checks passed.\n")
    return 1 if failed else 0


def _checks() -> list[Callable[[Settings], Awaitable[list[Check]]]]:
    return [_check_configuration, _check_secret_key, _check_database, _check_slack, _check_public_url, _check_others]


async def _check_configuration(settings: Settings) -> list[Check]:
    http_problems = settings.problems(socket_mode=False)
    socket_problems = settings.problems(socket_mode=True)
    mode = settings.slack_mode.value if settings.slack_mode else "none"
    if not http_problems:
        return [Check("configuration", Status.OK, f"{mode} mode, HTTP events at {settings.base_url}/slack/events")]
    if not socket_problems:
        return [Check("configuration", Status.OK, f"{mode} mode, Socket Mode only (run `lookout serve --socket-mode`)")]
    return [Check("configuration", Status.FAIL, " ".join(http_problems))]


async def _check_secret_key(settings: Settings) -> list[Check]:
    if settings.lookout_secret_key is not None:
        try:
            TokenCipher(settings.lookout_secret_key.get_secret_value().strip().encode())
        except SecretKeyError:
            return [Check("secret key", Status.FAIL, "LOOKOUT_SECRET_KEY is not a Fernet key")]
        return [Check("secret key", Status.OK, "LOOKOUT_SECRET_KEY is set")]
    key_file = key_path(settings.lookout_data_dir)
    if key_file.exists():
        mode = key_file.stat().st_mode & 0o777
        status = Status.OK if mode == 0o600 else Status.WARN
        return [Check("secret key", status, f"using {key_file} (mode {mode:o}); back it up", required=False)]
    return [Check("secret key", Status.WARN, f"none yet: one will be generated into {key_file}", required=False)]


async def _check_database(settings: Settings) -> list[Check]:
    database = Database(settings.database_url)
    try:
        try:
            await check_database(database)
        except DatabaseUnavailable as unavailable:
            hint = operator_messages.database_hint(unavailable.problem)
            return [
                Check("database", Status.FAIL, f"cannot connect to {unavailable.url} ({unavailable.problem}): {hint}")
            ]
        async with database.engine.connect() as connection:
            current, head = await connection.run_sync(_revisions)
    finally:
        await database.dispose()
    backend = database.url.get_backend_name()
    if current == head:
        return [Check("database", Status.OK, f"{backend} reachable, schema at {head}")]
    return [
        Check("database", Status.OK, f"{backend} reachable"),
        Check(
            "migrations",
            Status.WARN,
            f"schema at {current or 'empty'}, code at {head}: `lookout serve` or `lookout migrate` applies them",
            required=False,
        ),
    ]


def _revisions(connection: Connection) -> tuple[str | None, str | None]:
    current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return current, head


async def _check_slack(settings: Settings) -> list[Check]:
    checks = [await _reachable("Slack Web API", settings.slack_api_url + "api.test", required=True)]
    if settings.slack_mode is SlackMode.SINGLE_WORKSPACE:
        assert settings.slack_bot_token is not None
        client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
        try:
            identity = await client.auth_test()
            checks.append(
                Check(
                    "Slack bot token", Status.OK, f"authenticated in {identity.get('team')} ({identity.get('team_id')})"
                )
            )
        except Exception as error:
            checks.append(Check("Slack bot token", Status.FAIL, f"refused by auth.test ({_reason(error)})"))
    elif settings.slack_mode is SlackMode.MULTI_WORKSPACE:
        checks.append(Check("Slack OAuth", Status.OK, f"'Add to Slack' at {settings.base_url}/slack/install"))
    if settings.slack_app_token is not None:
        client = AsyncWebClient(token=settings.slack_app_token.get_secret_value(), base_url=settings.slack_api_url)
        try:
            await client.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
            checks.append(Check("Slack app token", Status.OK, "Socket Mode connections allowed"))
        except Exception as error:
            checks.append(Check("Slack app token", Status.FAIL, f"refused ({_reason(error)})", required=False))
    return checks


async def _check_public_url(settings: Settings) -> list[Check]:
    if settings.public_url is None:
        return [Check("public URL", Status.WARN, f"PUBLIC_URL not set; using {settings.base_url}", required=False)]
    check = await _reachable("public URL", settings.base_url + "/healthz", required=False)
    if check.status is Status.FAIL:
        return [Check("public URL", Status.WARN, check.detail + " (is `lookout serve` running?)", required=False)]
    return [check]


async def _check_others(settings: Settings) -> list[Check]:
    targets: list[tuple[str, str]] = []
    if settings.google_configured:
        targets += [
            ("Google OAuth", settings.google_token_url),
            ("GA4 Data API", settings.ga4_data_api_url),
            ("GA4 Admin API", settings.ga4_admin_api_url),
            ("Search Console API", settings.search_console_api_url),
        ]
    providers = [
        ("Anthropic", settings.anthropic_api_key, settings.anthropic_base_url or "https://api.anthropic.com"),
        (
            "Gemini",
            settings.gemini_api_key,
            settings.google_gemini_base_url or "https://generativelanguage.googleapis.com",
        ),
        ("xAI", settings.xai_api_key, settings.xai_base_url),
        ("OpenAI", settings.openai_api_key, settings.openai_base_url or "https://api.openai.com/v1"),
    ]
    targets += [(name, url) for name, key, url in providers if key is not None]
    checks = list(await asyncio.gather(*(_reachable(name, url, required=False) for name, url in targets)))
    if not settings.google_configured:
        checks.append(Check("Google", Status.SKIP, "GOOGLE_CLIENT_ID/SECRET not set: /lookout connect is off", False))
    if not any(key is not None for _, key, _ in providers):
        checks.append(Check("models", Status.WARN, "no model API key set: mentions cannot be answered", False))
    return checks


async def _reachable(name: str, url: str, *, required: bool) -> Check:
    """Any HTTP answer means the service is reachable; only network errors and timeouts fail."""
    try:
        timeout = aiohttp.ClientTimeout(total=_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            return Check(name, Status.OK, f"reachable ({response.status} from {_origin(url)})", required)
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        return Check(name, Status.FAIL, f"not reachable at {_origin(url)} ({type(error).__name__})", required)


def _origin(url: str) -> str:
    # Only scheme, host and port: a URL may carry credentials or a key in its path or query.
    parsed = urlsplit(url)
    return f"{parsed.scheme}://{parsed.hostname}" + (f":{parsed.port}" if parsed.port else "")


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if response is not None and hasattr(response, "get"):
        return str(response.get("error") or type(error).__name__)
    return type(error).__name__
