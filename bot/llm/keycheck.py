"""Proving a model provider's API key without spending a token: each provider's list-models call.

`lookout doctor` uses it. The verdict separates a refused key (the operator must fix the variable) from a provider
that is failing or unreachable (nothing to fix here) and from an answer we did not expect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

_TIMEOUT_SECONDS = 5.0


class KeyVerdict(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    UNAVAILABLE = "unavailable"  # 5xx, 429, timeout, connection refused: says nothing about the key
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class KeyCheck:
    verdict: KeyVerdict
    detail: str  # an HTTP status and the provider's error code, or the exception's class; never the key


async def check_key(*, provider: str, api_key: str, base_url: str | None) -> KeyCheck:
    """List one page of models with `api_key` at `base_url` (the SDK's default when None), through the SDK."""
    try:
        if provider == "anthropic":
            await _anthropic(api_key, base_url)
        elif provider == "gemini":
            await _gemini(api_key, base_url)
        else:
            await _openai(api_key, base_url)
    except Exception as error:
        return _verdict(error)
    return KeyCheck(KeyVerdict.ACCEPTED, "models listed")


async def _anthropic(api_key: str, base_url: str | None) -> None:
    import anthropic

    async with anthropic.AsyncAnthropic(
        api_key=api_key, base_url=base_url, max_retries=0, timeout=_TIMEOUT_SECONDS
    ) as client:
        await client.models.list(limit=1)


async def _openai(api_key: str, base_url: str | None) -> None:
    import openai

    async with openai.AsyncOpenAI(
        api_key=api_key, base_url=base_url, max_retries=0, timeout=_TIMEOUT_SECONDS
    ) as client:
        await client.models.list()


async def _gemini(api_key: str, base_url: str | None) -> None:
    from google import genai
    from google.genai import types

    client = genai.Client(
        api_key=api_key,
        http_options=types.HttpOptions(
            base_url=base_url,
            timeout=int(_TIMEOUT_SECONDS * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )
    try:
        await client.aio.models.list(config={"page_size": 1})
    finally:
        await client.aio.aclose()


def _verdict(error: Exception) -> KeyCheck:
    status, body = _status_and_body(error)
    if status is None:
        return KeyCheck(KeyVerdict.UNAVAILABLE, type(error).__name__)
    code = _error_code(body)
    detail = f"HTTP {status}" + (f", {code}" if code else "")
    if status in (401, 403) or (status == 400 and _mentions_the_key(body)):
        # Gemini answers a bad key 400 API_KEY_INVALID, xAI 400 "Incorrect API key provided"; the others 401.
        return KeyCheck(KeyVerdict.REFUSED, detail)
    if status == 429 or status >= 500:
        return KeyCheck(KeyVerdict.UNAVAILABLE, detail)
    return KeyCheck(KeyVerdict.UNEXPECTED, detail)


def _status_and_body(error: Exception) -> tuple[int | None, Any]:
    status = getattr(error, "status_code", None)  # anthropic and openai APIStatusError
    body = getattr(error, "body", None)
    if status is None and isinstance(getattr(error, "code", None), int):  # google-genai APIError
        status, body = error.code, getattr(error, "details", None)  # type: ignore[attr-defined]
    return (status if isinstance(status, int) else None), body


def _error_code(body: Any) -> str:
    """The provider's short error name (authentication_error, invalid_api_key, API_KEY_INVALID…), if any."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            for details in inner.get("details") or []:
                if isinstance(details, dict) and details.get("reason"):
                    return str(details["reason"])
            for name in ("code", "type", "status"):
                if isinstance(inner.get(name), str):
                    return str(inner[name])
    return ""


def _mentions_the_key(body: Any) -> bool:
    text = json.dumps(body) if not isinstance(body, str) else body
    return "api key" in text.lower() or "API_KEY_INVALID" in text
