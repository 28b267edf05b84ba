"""`lookout doctor`: one line per check of the configuration and of every configured service; never a secret."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO
from urllib.parse import urlsplit

import aiohttp
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from bot.config.logs import redact
from bot.config.settings import Settings
from bot.main.doctor_credentials import (
    Check,
    Status,
    check_google_client,
    check_model_keys,
    check_slack_credentials,
)
from bot.text import operator as operator_messages
from storage.crypto import SecretKeyError, TokenCipher, key_path
from storage.db import Database
from storage.migrate import alembic_config
from storage.reachability import DatabaseUnavailable, check_database

_TIMEOUT_SECONDS = 5.0
# Every network call in a check has its own timeout (the one above, or the SDK's 5 s). This backstop only stops a
# check that hangs, so it is wider: a check's first use of a provider SDK imports it, which takes seconds on a small
# or busy machine and blocks the loop while the timer runs; at 10 s a loaded machine reported "models: timed out"
# for keys that were fine.
_CHECK_BACKSTOP_SECONDS = 60.0


async def doctor(*, settings: Settings, out: TextIO | None = None) -> int:
    """Print one line per check; 1 when a required check failed, else 0."""
    stream = out or sys.stdout
    checks: list[Check] = []
    for run in _checks():
        try:
            result = await asyncio.wait_for(run(settings), timeout=_CHECK_BACKSTOP_SECONDS)
        except TimeoutError:
            result = [Check(run.__name__.removeprefix("_check_"), Status.FAIL, "timed out")]
        for check in result:
            checks.append(check)
            stream.write(f"[{check.status.value:>4}] {check.name}: {redact(check.detail)}\n")
    failed = [check for check in checks if check.status is Status.FAIL and check.required]
    stream.write(f"\n{len(failed)} required check(s) failed.\n" if failed else "\nAll required checks passed.\n")
    return 1 if failed else 0


def _checks() -> list[Callable[[Settings], Awaitable[list[Check]]]]:
    return [
        _check_configuration,
        _check_secret_key,
        _check_database,
        _check_slack,
        check_slack_credentials,
        _check_public_url,
        check_google_client,
        _check_sign_in_with_slack,
        _check_google_apis,
        check_model_keys,
    ]


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
    return [await _reachable("Slack Web API", settings.slack_api_url + "api.test", required=True)]


async def _check_public_url(settings: Settings) -> list[Check]:
    if settings.public_url is None:
        return [Check("public URL", Status.WARN, f"PUBLIC_URL not set; using {settings.base_url}", required=False)]
    check = await _reachable("public URL", settings.base_url + "/healthz", required=False)
    if check.status is Status.FAIL:
        return [Check("public URL", Status.WARN, check.detail + " (is `lookout serve` running?)", required=False)]
    return [check]


async def _check_sign_in_with_slack(settings: Settings) -> list[Check]:
    """Consent links are bound to their person with Sign in with Slack, which needs the app's client pair."""
    if not settings.google_configured or settings.slack_sign_in_configured:
        return []
    detail = (
        "SLACK_CLIENT_ID/SECRET not set: consent links cannot be bound to their person, so /lookout connect "
        "hands out none (set the app's client pair beside SLACK_BOT_TOKEN)"
    )
    return [Check("Sign in with Slack", Status.WARN, detail, required=False)]


async def _check_google_apis(settings: Settings) -> list[Check]:
    """The data APIs can only be proved with a person's grant; from here they can be shown reachable."""
    if not settings.google_configured:
        return []
    targets = [
        ("GA4 Data API", settings.ga4_data_api_url),
        ("GA4 Admin API", settings.ga4_admin_api_url),
        ("Search Console API", settings.search_console_api_url),
    ]
    return list(await asyncio.gather(*(_reachable(name, url, required=False) for name, url in targets)))


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
