"""Turns Google failures into the tool error families: the model can fix it, or a person must act.

`ToolUserError.message_key` values name texts the bot shows (owned by `bot/text/`); the keys are stable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tools.base import ToolError, ToolUserError
from tools.google.errors import (
    GoogleAccessDenied,
    GoogleApiError,
    GoogleAuthExpired,
    GoogleBadRequest,
    GoogleQuotaExhausted,
    GoogleUnavailable,
)

NOT_CONNECTED = "google.not_connected"  # no Google connection for the workspace
NO_PROPERTY = "google.no_property"  # connected, but no GA4 property chosen (/lookout property)
NO_SITE = "google.no_site"  # connected, but no Search Console site chosen (/lookout site)
ACCESS_DENIED = "google.access_denied"  # 403 on the chosen property or site
# 401 even after the SDK renewed the token and retried: fresh tokens are refused (a clock or token-endpoint fault).
# Never "reconnect": a revoked grant shows up when renewing, as Google's invalid_grant.
TOKEN_REJECTED = "google.token_rejected"
QUOTA_EXHAUSTED = "google.quota_exhausted"  # 429 after retries
UNAVAILABLE = "google.unavailable"  # 5xx / unreachable after retries

USER_ERROR_KEYS = (NOT_CONNECTED, NO_PROPERTY, NO_SITE, ACCESS_DENIED, TOKEN_REJECTED, QUOTA_EXHAUSTED, UNAVAILABLE)


def to_tool_error(error: GoogleApiError) -> ToolError | ToolUserError:
    if isinstance(error, GoogleBadRequest):
        return ToolError(f"Google rejected the request: {error.message}")
    if isinstance(error, GoogleAccessDenied):
        return ToolUserError(ACCESS_DENIED, f"access denied to {error.resource}")
    if isinstance(error, GoogleAuthExpired):
        return ToolUserError(TOKEN_REJECTED, "Google refused freshly renewed access tokens")
    if isinstance(error, GoogleQuotaExhausted):
        return ToolUserError(QUOTA_EXHAUSTED, f"quota exhausted for {error.resource}")
    if isinstance(error, GoogleUnavailable):
        return ToolUserError(UNAVAILABLE, f"Google unavailable ({error.status})")
    return ToolUserError(UNAVAILABLE, f"Google error {error.status}")


@asynccontextmanager
async def google_errors() -> AsyncIterator[None]:
    """Within the block, Google failures surface as `ToolError` (fixable) or `ToolUserError` (needs a person)."""
    try:
        yield
    except GoogleApiError as error:
        raise to_tool_error(error) from error
