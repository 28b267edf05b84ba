"""Where blocking Google SDK calls run: a shared thread pool, per-resource concurrency limits and retry with backoff.

The GA4 Data API allows 10 concurrent requests per property; Lookout shares one `GoogleRuntime` across every
workspace's clients so the limit holds process-wide. SDK calls are synchronous, so they run in the pool and never
block the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from tools.google.errors import GoogleApiError, GoogleQuotaExhausted, GoogleUnavailable

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

T = TypeVar("T")
logger = logging.getLogger(__name__)

MAX_CONCURRENT_PER_PROPERTY = 10
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0.5, 1.5, 4.0)
DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class QuotaStatus:
    """What GA4's `propertyQuota` said last for one property; `low` slows further calls down."""

    tokens_per_hour_remaining: int
    tokens_per_day_remaining: int
    low: bool

    def describe(self) -> str:
        return (
            f"GA4 quota for this property is running low: {self.tokens_per_hour_remaining} tokens left this hour, "
            f"{self.tokens_per_day_remaining} today. Requests are being slowed down; prefer fewer, broader reports."
        )


@dataclass
class GoogleRuntime:
    """One per process: `max_threads` worker threads, `per_resource` concurrent calls per property or site, and
    `timeout` seconds at most for one call, its retries included (GOOGLE_TIMEOUT_SECONDS). With a `tracer`
    (OpenTelemetry's API, set by the composition root when tracing is on) each call is a `google {api}` span."""

    max_threads: int = 32
    per_resource: int = MAX_CONCURRENT_PER_PROPERTY
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS
    timeout: float = DEFAULT_TIMEOUT
    tracer: Tracer | None = None
    _executor: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _limits: dict[tuple[int, str], asyncio.Semaphore] = field(default_factory=dict, init=False, repr=False)
    _slow: dict[tuple[int, str], asyncio.Lock] = field(default_factory=dict, init=False, repr=False)
    quotas: dict[str, QuotaStatus] = field(default_factory=dict, init=False)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.max_threads, thread_name_prefix="google")
        return self._executor

    def _semaphore(self, resource: str) -> asyncio.Semaphore:
        # Keyed by loop too: a semaphore belongs to the loop that first waits on it.
        key = (id(asyncio.get_running_loop()), resource)
        if key not in self._limits:
            self._limits[key] = asyncio.Semaphore(self.per_resource)
        return self._limits[key]

    def slow_lane(self, resource: str) -> asyncio.Lock:
        """Calls that must go one at a time for `resource` (low remaining quota)."""
        key = (id(asyncio.get_running_loop()), resource)
        if key not in self._slow:
            self._slow[key] = asyncio.Lock()
        return self._slow[key]

    async def call(
        self,
        resource: str,
        fn: Callable[[], T],
        *,
        translate: Callable[[Exception], GoogleApiError],
        api: str = "google",
    ) -> T:
        """Run `fn` in a worker thread under `resource`'s limit; retry 429/5xx with jittered backoff.

        `translate` maps the SDK's exception to a `GoogleApiError`; only quota and availability errors are retried.
        A call that has no answer within `timeout` seconds (retries included) is `GoogleUnavailable`: a person is
        waiting, and "Google didn't answer, try again" beats a minute of silence. `api` names the span.
        """
        with self._span(api, resource) as span:
            try:
                async with asyncio.timeout(self.timeout):
                    return await self._call(resource, fn, translate=translate, span=span)
            except TimeoutError:
                logger.warning("google call for %s had no answer within %gs", resource, self.timeout)
                error = GoogleUnavailable(f"No answer from Google within {self.timeout:g}s", resource=resource)
                _record(span, error)
                raise error from None
            except GoogleApiError as error:
                _record(span, error)
                raise

    def _span(self, api: str, resource: str) -> AbstractContextManager[Span | None]:
        if self.tracer is None:
            return nullcontext()
        from opentelemetry.trace import SpanKind

        attributes = {"lookout.google.api": api, "lookout.google.resource": resource}
        # Exceptions are not recorded as events: their text is Google's, and the type says enough.
        return self.tracer.start_as_current_span(
            f"google {api}",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        )

    async def _call(
        self,
        resource: str,
        fn: Callable[[], T],
        *,
        translate: Callable[[Exception], GoogleApiError],
        span: Span | None = None,
    ) -> T:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            async with self._semaphore(resource):
                if span is not None:
                    span.set_attribute("lookout.google.attempts", attempt + 1)
                try:
                    return await loop.run_in_executor(self._pool(), fn)
                except Exception as raw:  # the SDKs raise many types; translate decides what they mean
                    error = translate(raw)
                    retryable = isinstance(error, GoogleQuotaExhausted | GoogleUnavailable)
                    if not retryable or attempt >= len(self.retry_delays):
                        raise error from raw
            delay = self.retry_delays[attempt] * (0.75 + 0.5 * random.random())
            attempt += 1
            logger.warning(
                "google call for %s failed with %s; retry %d in %.2fs", resource, error.status, attempt, delay
            )
            await asyncio.sleep(delay)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _record(span: Span | None, error: GoogleApiError) -> None:
    if span is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", type(error).__name__)
    if error.status:
        span.set_attribute("http.response.status_code", error.status)
    span.set_status(Status(StatusCode.ERROR))
