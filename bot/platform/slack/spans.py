"""A span per Slack Web API request, when tracing is on: hooked into the shared aiohttp session every client uses.

The span is named after the API method (`slack chat.postMessage`) and carries the HTTP method, the URL without its
query and the status (Slack's `ok: false` errors are counted by `ApiErrorCounter`); never a token: Slack's clients
send it in a header, and headers are not recorded.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
from yarl import URL

from bot.observe import tracing
from bot.platform.slack.writes import api_method


def slack_trace_configs() -> list[aiohttp.TraceConfig]:
    """The session's trace hooks: none while tracing is off, so requests pay nothing for it."""
    telemetry = tracing.current()
    if telemetry is None:
        return []
    tracer = telemetry.tracer
    from opentelemetry.trace import SpanKind, Status, StatusCode

    async def on_start(_session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        url: URL = params.url
        method = api_method(str(url))
        context.span = tracer.start_span(
            f"slack {method}",
            kind=SpanKind.CLIENT,
            attributes={
                "http.request.method": params.method,
                "url.full": str(url.with_query(None).with_fragment(None)),
                "server.address": url.host or "",
                "lookout.slack.method": method,
            },
        )

    async def on_end(_session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        span = getattr(context, "span", None)
        if span is None:
            return
        status = params.response.status
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_attribute("error.type", str(status))
            span.set_status(Status(StatusCode.ERROR))
        span.end()

    async def on_exception(_session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        span = getattr(context, "span", None)
        if span is None:
            return
        span.set_attribute("error.type", type(params.exception).__qualname__)
        span.set_status(Status(StatusCode.ERROR))
        span.end()

    config = aiohttp.TraceConfig()
    config.on_request_start.append(on_start)
    config.on_request_end.append(on_end)
    config.on_request_exception.append(on_exception)
    return [config]
