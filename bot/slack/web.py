"""The aiohttp application `lookout serve` runs: Slack's Request URL, "Add to Slack", health and metrics.

Other areas add their routes to `AREA_ROUTES` with one line each: `Route("GET", "/path", handler)`, where
`handler(request, services)` returns an aiohttp response.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.google.consent_link import SIGN_IN_CALLBACK_PATH, consent_link_start, slack_sign_in_callback
from bot.google.oauth import START_PATH
from bot.google.routes import CALLBACK_PATH, google_oauth_callback
from bot.platform.services import Services
from bot.slack import intake
from bot.slack.intake import JSON_TYPE, Refused
from bot.text.pages import PAGE_HEADERS
from storage.reachability import DatabaseProblem, DatabaseUnavailable, check_database

RouteHandler = Callable[[web.Request, Services], Awaitable[web.StreamResponse]]

SERVICES_KEY = web.AppKey("services", Services)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: RouteHandler


# Routes contributed by other areas, e.g. Route("GET", "/google/oauth/callback", google_oauth_callback).
AREA_ROUTES: list[Route] = [
    Route("GET", START_PATH, consent_link_start),
    Route("GET", SIGN_IN_CALLBACK_PATH, slack_sign_in_callback),
    Route("GET", CALLBACK_PATH, google_oauth_callback),
]

_HEALTH_TIMEOUT_SECONDS = 3.0
# aiohttp reads at most this much of a request body, and it is refused (413) beyond it, before the signature is
# checked: an unsigned multi-gigabyte POST cannot fill the memory. Slack's events and interactions are a few KiB.
MAX_BODY_BYTES = 1024 * 1024
# What bolt's `BoltResponse(status=200, body="")` (an `ack()` with nothing to say) carries as headers.
_EMPTY_ACK_HEADERS = {"content-type": ["text/plain;charset=utf-8"]}


def build_web_app(
    *,
    services: Services,
    bolt_app: AsyncApp,
    socket_mode: bool = False,
    extra_routes: list[Route] | None = None,
) -> web.Application:
    """Every HTTP route; in Socket Mode events arrive over the socket, so `/slack/events` is not served."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SERVICES_KEY] = services
    if not socket_mode:
        app.router.add_post("/slack/events", _slack_events(services=services, bolt_app=bolt_app))
    oauth_flow = bolt_app.oauth_flow
    if oauth_flow is not None:
        app.router.add_get(oauth_flow.install_path, _oauth_page(oauth_flow.handle_installation))
        app.router.add_get(oauth_flow.redirect_uri_path, _oauth_page(oauth_flow.handle_callback))
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    for route in [*AREA_ROUTES, *(extra_routes or [])]:
        app.router.add_route(route.method, route.path, _bind(route.handler))
    return app


def _bind(handler: RouteHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def bound(request: web.Request) -> web.StreamResponse:
        return await handler(request, request.app[SERVICES_KEY])

    return bound


def _slack_events(*, services: Services, bolt_app: AsyncApp) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The `/slack/events` route, bound to the app's services and bolt app once rather than looked up per request."""
    background, metrics = services.background, services.metrics

    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        background.note_request()
        content_type = request.content_type
        counts = metrics.request_metrics("event" if content_type == JSON_TYPE else "form")
        counts.received += 1
        try:
            response = await _let_in(request, content_type=content_type, services=services, bolt_app=bolt_app)
        except Refused as refused:
            # One INFO line, never the body: a stranger's junk is not an operator's problem, but a flood shows here.
            logger.info("refused a request to /slack/events: %s (HTTP %d)", refused.reason, refused.status)
            response = web.json_response({"error": "invalid request"}, status=refused.status)
        if response.status == 200:
            counts.acked += 1
        else:
            metrics.events_rejected.labels(status=str(response.status)).inc()
        counts.observe(time.perf_counter() - started)
        return response

    return slack_events


async def _let_in(request: web.Request, *, content_type: str, services: Services, bolt_app: AsyncApp) -> web.Response:
    """Verify, then parse, then let bolt dispatch (see `bot.slack.intake`); raises `Refused`."""
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise Refused(413, f"body over {MAX_BODY_BYTES} bytes") from None
    headers = request.headers
    intake.verify(
        signing_secret=services.settings.slack_signing_secret,
        body=body,
        timestamp=headers.get("X-Slack-Request-Timestamp"),
        signature=headers.get("X-Slack-Signature"),
    )
    text, kind, payload = intake.parse(body=body, content_type=content_type)
    if kind == "app_rate_limited":
        # Slack stopped sending this workspace's events for a minute: worth an operator's attention, not a retry.
        logger.warning("Slack rate-limited event delivery for team %s", payload.get("team_id"))
        return web.Response(status=200)
    bolt_request = intake.bolt_request(
        text=text, kind=kind, payload=payload, query=request.query_string, headers=headers
    )
    return await to_web_response(await bolt_app.async_dispatch(bolt_request))


async def to_web_response(response: BoltResponse) -> web.Response:
    """bolt's answer as aiohttp's: the empty 200 that acks an event built directly, anything else by bolt's adapter.

    The adapter wraps even an empty body in a payload object and copies headers and cookies through several dicts
    (~6% of an ack's instructions, `lookout bench ack`); for the empty ack the bytes on the wire are the same
    (`tests/bot/slack/test_web.py`).
    """
    if response.status == 200 and not response.body and response.headers == _EMPTY_ACK_HEADERS:
        return web.Response(status=200, content_type="text/plain")
    return await to_aiohttp_response(response)


def _oauth_page(
    handle: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A route for one step of bolt's "Add to Slack" flow (install page or redirect), with our page headers."""

    async def page(request: web.Request) -> web.Response:
        response = await to_aiohttp_response(await handle(await to_bolt_request(request)))
        response.headers.update(PAGE_HEADERS)
        return response

    return page


async def _healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]
    try:
        async with asyncio.timeout(_HEALTH_TIMEOUT_SECONDS):
            await check_database(services.database)
    except TimeoutError:
        problem = DatabaseProblem.TIMEOUT
    except DatabaseUnavailable as unavailable:
        problem = unavailable.problem
    else:
        return web.json_response({"status": "ok", "database": "ok"})
    # Says why (never where: the URL stays in the operator's log), so a probe's output is enough to start looking.
    return web.json_response({"status": "unavailable", "database": "unreachable", "reason": problem.value}, status=503)


async def _metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]
    if not metrics_authorized(request, services=services):
        return web.Response(status=401, text="401: Unauthorized", headers={"WWW-Authenticate": "Bearer"})
    return web.Response(body=services.metrics.render(), headers={"Content-Type": services.metrics.content_type})


def metrics_authorized(request: web.Request, *, services: Services) -> bool:
    """True when LOOKOUT_METRICS_TOKEN is unset, or the request carries it as a bearer token.

    Compared in constant time (`hmac.compare_digest`), so the answer's timing says nothing about the token.
    """
    token = services.settings.lookout_metrics_token
    if token is None:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.get_secret_value().encode())
