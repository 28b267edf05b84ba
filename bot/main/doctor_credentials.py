"""`lookout doctor`'s credential checks: each configured secret proved with the cheapest call that proves it.

Slack's bot token with `auth.test`, the app token with `apps.connections.open` (the socket URL it issues is left
unused and expires), the Slack OAuth client with `oauth.v2.access` on a made-up code, Google's OAuth client with a
refresh on a made-up refresh token (`invalid_grant` means the client itself was accepted), and each model provider's
key with its list-models call: nothing is installed, granted or billed. A refused credential fails the check and
names the variable to fix; a service that cannot be asked is a warning, since it says nothing about the credential.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import Settings, SlackMode
from bot.llm.keycheck import KeyVerdict, check_key
from bot.llm.registry import PROVIDERS, provider_access
from bot.platform.slack.errors import REFUSED_TOKEN_ERRORS, error_code
from bot.text import operator as messages

_TIMEOUT = aiohttp.ClientTimeout(total=5)
# Made-up values for the probes: never issued by anyone, so a well-configured client gets "no such code / grant".
_PROBE_CODE = "lookout-doctor-probe"


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


async def check_slack_credentials(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    if settings.slack_mode is SlackMode.SINGLE_WORKSPACE:
        assert settings.slack_bot_token is not None
        checks.append(await _slack_bot_token(settings, settings.slack_bot_token.get_secret_value()))
    elif settings.slack_mode is SlackMode.MULTI_WORKSPACE:
        checks.append(await _slack_client(settings))
    if settings.slack_app_token is not None:
        checks.append(await _slack_app_token(settings, settings.slack_app_token.get_secret_value()))
    if settings.slack_signing_secret is not None:
        checks.append(Check("Slack signing secret", Status.SKIP, messages.SLACK_SIGNING_SECRET_UNCHECKED, False))
    return checks


async def _slack_bot_token(settings: Settings, token: str) -> Check:
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=5)
    outcome = await _slack_call(client.auth_test())
    if isinstance(outcome, dict):
        detail = f"authenticated in {outcome.get('team')} ({outcome.get('team_id')})"
        return Check("Slack bot token", Status.OK, detail)
    return _slack_refusal("Slack bot token", "SLACK_BOT_TOKEN", outcome, messages.SLACK_BOT_TOKEN_SOURCE)


async def _slack_app_token(settings: Settings, token: str) -> Check:
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=5)
    outcome = await _slack_call(client.apps_connections_open(app_token=token))
    # Required when Socket Mode is the only way this configuration can receive events.
    required = settings.slack_signing_secret is None
    if isinstance(outcome, dict):
        return Check("Slack app token", Status.OK, "accepted: Socket Mode connections allowed", required)
    check = _slack_refusal("Slack app token", "SLACK_APP_TOKEN", outcome, messages.SLACK_APP_TOKEN_SOURCE)
    return Check(check.name, check.status, check.detail, required)


async def _slack_client(settings: Settings) -> Check:
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    client = AsyncWebClient(base_url=settings.slack_api_url, timeout=5)
    outcome = await _slack_call(
        client.oauth_v2_access(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            code=_PROBE_CODE,
        )
    )
    name = "Slack OAuth client"
    if outcome in ("invalid_code", "invalid_grant_type") or isinstance(outcome, dict):
        # The code is made up, so being told so means the id and secret themselves were accepted.
        return Check(
            name,
            Status.OK,
            f"SLACK_CLIENT_ID and SLACK_CLIENT_SECRET accepted; install at {settings.base_url}/slack/install",
        )
    if outcome == "invalid_client_id":
        return Check(
            name,
            Status.FAIL,
            messages.credential_refused(
                variable="SLACK_CLIENT_ID", reason=outcome, source=messages.SLACK_CLIENT_ID_SOURCE
            ),
        )
    if outcome == "bad_client_secret":
        return Check(
            name,
            Status.FAIL,
            messages.credential_refused(
                variable="SLACK_CLIENT_SECRET", reason=outcome, source=messages.SLACK_CLIENT_SECRET_SOURCE
            ),
        )
    return Check(
        name, Status.WARN, messages.credential_unchecked(variable="SLACK_CLIENT_ID/SECRET", reason=outcome), False
    )


async def _slack_call(call: Awaitable[Any]) -> dict[str, Any] | str:
    """The response's data, or the error code (`http_503`, a connection error's class) when it failed."""
    try:
        response = await call
    except SlackApiError as error:
        return error_code(error)
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        return type(error).__name__
    data = response.data
    return data if isinstance(data, dict) else "unreadable_response"


def _slack_refusal(name: str, variable: str, outcome: str | dict[str, Any], source: str) -> Check:
    reason = str(outcome)
    if reason in REFUSED_TOKEN_ERRORS:
        return Check(name, Status.FAIL, messages.credential_refused(variable=variable, reason=reason, source=source))
    return Check(name, Status.WARN, messages.credential_unchecked(variable=variable, reason=reason), False)


async def check_google_client(settings: Settings) -> list[Check]:
    if not settings.google_configured:
        return [Check("Google", Status.SKIP, "GOOGLE_CLIENT_ID/SECRET not set: /lookout connect is off", False)]
    return [await _google_client(settings)]


async def _google_client(settings: Settings) -> Check:
    assert settings.google_client_id is not None and settings.google_client_secret is not None
    form = {
        "grant_type": "refresh_token",
        "refresh_token": _PROBE_CODE,
        "client_id": settings.google_client_id,
        "client_secret": settings.google_client_secret.get_secret_value(),
    }
    name, variables = "Google OAuth client", "GOOGLE_CLIENT_ID/SECRET"
    try:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as http,
            http.post(settings.google_token_url, data=form, headers={"Accept": "application/json"}) as response,
        ):
            status = response.status
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as failure:
        reason = type(failure).__name__
        return Check(name, Status.WARN, messages.credential_unchecked(variable=variables, reason=reason), False)
    code = str(body.get("error") or "") if isinstance(body, dict) else ""
    if code == "invalid_grant":
        # Google judged the (made-up) refresh token, so it had accepted the client id and secret first.
        return Check(name, Status.OK, "GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET accepted by the token endpoint")
    if code == "invalid_client":
        source = messages.GOOGLE_CLIENT_SOURCE
        return Check(name, Status.FAIL, messages.credential_refused(variable=variables, reason=code, source=source))
    if code == "unauthorized_client":
        source = messages.GOOGLE_CLIENT_UNAUTHORIZED
        return Check(
            name, Status.FAIL, messages.credential_refused(variable="GOOGLE_CLIENT_ID", reason=code, source=source)
        )
    reason = f"HTTP {status}" + (f", {code}" if code else "")
    return Check(name, Status.WARN, messages.credential_unchecked(variable=variables, reason=reason), False)


async def check_model_keys(settings: Settings) -> list[Check]:
    configured: list[tuple[str, str, str | None]] = []
    for provider in PROVIDERS:
        key, url = provider_access(settings, provider)
        if key is not None:
            configured.append((provider, key.get_secret_value(), url))
    if not configured:
        return [Check("models", Status.WARN, "no model API key set: mentions cannot be answered", False)]
    results = await asyncio.gather(
        *(check_key(provider=provider, api_key=key, base_url=url) for provider, key, url in configured)
    )
    checks = []
    for (provider, _, _), result in zip(configured, results, strict=True):
        variable, source = messages.MODEL_KEY_SOURCES[provider]
        name = f"{provider} API key"
        if result.verdict is KeyVerdict.ACCEPTED:
            checks.append(Check(name, Status.OK, f"{variable} accepted ({result.detail})"))
        elif result.verdict is KeyVerdict.REFUSED:
            checks.append(
                Check(
                    name,
                    Status.FAIL,
                    messages.credential_refused(variable=variable, reason=result.detail, source=source),
                )
            )
        else:
            checks.append(
                Check(name, Status.WARN, messages.credential_unchecked(variable=variable, reason=result.detail), False)
            )
    return checks
