"""Google access tokens of any lifetime (1 s to 1 h): when one is due for renewal, and the google-auth credentials
that renew it through `GoogleConnectionService`, one refresh at a time.

google-auth's own `Credentials` treat a token as expired 3m45s before its expiry, so with a token endpoint that
issues shorter-lived tokens (proxies, test set-ups, a skewed clock) every token looked dead on arrival and every
question failed. Here the margin scales with the token's lifetime, every comparison uses one clock (the
service's), and a token just renewed is used even if it is already due: renewal never loops.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import google.auth.credentials
import google.auth.exceptions

# Renew a token this long before it expires, or after half its lifetime when it lives less than twice as long.
REFRESH_MARGIN = timedelta(minutes=5)
# Google's usual lifetime, assumed for a stored token whose issue time is unknown (rows from before it was kept).
DEFAULT_LIFETIME = timedelta(seconds=3599)
_RENEW_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class AccessToken:
    value: str
    issued_at: datetime  # when it was asked for, by the service's clock (so skew against Google cancels out)
    expires_at: datetime

    @property
    def lifetime(self) -> timedelta:
        return max(self.expires_at - self.issued_at, timedelta(0))

    @property
    def renew_at(self) -> datetime:
        return self.expires_at - min(REFRESH_MARGIN, self.lifetime / 2)

    def due(self, now: datetime) -> bool:
        """Time to get a new one (the old one still works until `expires_at`)."""
        return now >= self.renew_at


Renew = Callable[[str | None], Coroutine[Any, Any, AccessToken]]
"""Given the token in hand (None for none), a coroutine that returns a newer one (or raises a `GoogleProblem`)."""


class WorkspaceCredentials(google.auth.credentials.Credentials):
    """google-auth credentials for one workspace, handed to the GA4 and Search Console SDKs.

    The SDKs call `refresh` from their worker threads, before a request when the token is due and after a 401
    (at most twice per request, by their own rule); each call hops to the event loop, where the service
    single-flights the renewal across tasks and processes. There is no refresh token in here.
    """

    def __init__(
        self,
        token: AccessToken,
        *,
        renew: Renew,
        clock: Callable[[], datetime],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._current = token
        self.token = token.value
        self._renew = renew
        self._clock = clock
        self._loop = loop
        self._loop_thread = threading.get_ident()  # built on the loop's thread

    @property
    def current(self) -> AccessToken:
        return self._current

    @property
    def expired(self) -> bool:
        return self._current.due(self._clock())

    @property
    def valid(self) -> bool:
        return self.token is not None and not self.expired

    def refresh(self, request: object) -> None:
        if threading.get_ident() == self._loop_thread:
            # Blocking here would deadlock the loop; async callers use credentials_for(rejected_token=...).
            raise google.auth.exceptions.RefreshError(  # type: ignore[no-untyped-call]
                "refresh Google credentials with credentials_for, not on the loop"
            )
        future = asyncio.run_coroutine_threadsafe(self._renew(self.token), self._loop)
        self._current = future.result(timeout=_RENEW_TIMEOUT_SECONDS)
        self.token = self._current.value
