"""What a failed Slack Web API call means: the token was refused, the failure is transient, or neither.

A `SlackApiError` does not always carry Slack's JSON: behind a proxy or during an incident Slack answers an HTML
500 page, and slack_sdk then puts the raw aiohttp response (or an empty dict) in `error.response`. Everything that
reads an error's code goes through `error_code`, which never fails on such a body.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError

# The token itself is no good: fixing it is the operator's (or the installer's) job, no retry helps.
REFUSED_TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "team_access_not_granted",
        "ekm_access_denied",
    }
)
# Slack's own words for "try again later" (https://docs.slack.dev/reference/methods/chat.postMessage#errors).
_TRANSIENT_CODES = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"})


def error_code(error: SlackApiError) -> str:
    """Slack's error code, or `http_<status>` when the body was not Slack's JSON."""
    response = error.response
    data = getattr(response, "data", response)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return f"http_{status}" if isinstance(status, int) else "unreadable_response"


def http_status(error: SlackApiError) -> int | None:
    response = error.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


def is_transient(error: BaseException) -> bool:
    """True for failures that a later attempt may not meet: 5xx, 429, `ratelimited`, dropped connections."""
    if isinstance(error, SlackApiError):
        status = http_status(error)
        return (status is not None and (status >= 500 or status == 429)) or error_code(error) in _TRANSIENT_CODES
    return isinstance(error, (aiohttp.ClientError, TimeoutError, ConnectionError))
