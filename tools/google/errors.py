"""The few ways a Google API call can fail that callers handle differently, independent of which SDK raised them."""

from __future__ import annotations


class GoogleApiError(Exception):
    """A Google API call failed; `status` is the HTTP status (0 when no answer came back)."""

    def __init__(self, message: str, *, status: int = 0, resource: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.resource = resource


class GoogleBadRequest(GoogleApiError):
    """Google rejected the request itself (400): a different request can fix it; the message says how."""


class GoogleAccessDenied(GoogleApiError):
    """403: the connected Google account cannot read this property or site (lost access, wrong account)."""


class GoogleAuthExpired(GoogleApiError):
    """401, or the refresh token no longer works: the workspace must connect Google again."""


class GoogleQuotaExhausted(GoogleApiError):
    """429 after retries: the property's (or project's) quota is used up for now."""


class GoogleUnavailable(GoogleApiError):
    """5xx or no answer after retries: Google is having trouble; trying later may work."""


_BY_STATUS: dict[int, type[GoogleApiError]] = {
    400: GoogleBadRequest,
    401: GoogleAuthExpired,
    403: GoogleAccessDenied,
    429: GoogleQuotaExhausted,
}


def error_for_status(status: int, message: str, *, resource: str, other: type[GoogleApiError]) -> GoogleApiError:
    """The error for an HTTP status Google answered with; `other` for a status with no type of its own."""
    return _BY_STATUS.get(status, other)(message, status=status, resource=resource)
