"""The front door of `/slack/events`: check Slack's signature on the raw bytes first, then decode and parse.

bolt parses a body the moment it is handed one, before its own signature check, so malformed JSON from anyone used
to make a 500 and a traceback. Here nothing of a body is decoded before its signature holds, and a signed body that
is not a Slack request of a kind Lookout takes is refused with a 4xx (`Refused`), which the route logs in one INFO
line. What passes is a dict of the shape bolt indexes into, handed to bolt as its own request.

Each step happens once per request: this module is the app's only signature check (the bolt app is built with
`request_verification_enabled=False`, `bot.slack.app`, because every HTTP request reaches bolt through here) and
its only parse (bolt gets our dict instead of parsing the text again): an HMAC and a JSON parse less per request,
about 8% of an ack's instructions (`lookout bench ack`).
"""

from __future__ import annotations

import hmac
import time
from typing import Annotated, Any, Literal, NotRequired
from urllib.parse import parse_qsl

from pydantic import Field, SecretStr, TypeAdapter, ValidationError
from pydantic_core import from_json
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import build_normalized_headers, extract_content_type, parse_query
from typing_extensions import TypedDict  # pydantic validates typing's TypedDict only from Python 3.12

# Slack's replay window: a request signed longer ago than this is refused whatever its signature.
MAX_SIGNATURE_AGE_SECONDS = 5 * 60
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"

# Requests that name no workspace by design; every other kind must, or no installation could answer it.
_NO_WORKSPACE_KINDS = frozenset({"url_verification", "ssl_check"})


class Refused(Exception):
    """The request is not let in: `status` is the HTTP answer, `reason` the operator's log line (never the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# ------------------------------------------------------------------------------------------------ shapes
# Only what bolt and our listeners index into is checked; everything else Slack sends passes untouched. The shapes are
# TypedDicts, not models: they only judge the payload and are dropped, and a TypedDict validator skips building model
# instances (about half the cost on every event). Fields Slack may leave out are `NotRequired`; unnamed ones are ignored.


class _Ids(TypedDict, total=False):
    """A `team`, `enterprise`, `user` or `channel` object of an interaction payload."""

    id: str | None
    team_id: str | None
    enterprise_id: str | None


class _Authorization(TypedDict, total=False):
    enterprise_id: str | None
    team_id: str | None
    is_enterprise_install: bool | None


class _Event(TypedDict):
    type: str


class _EventCallback(TypedDict):
    type: Literal["event_callback"]
    event: _Event
    team_id: NotRequired[str | None]
    enterprise_id: NotRequired[str | None]
    authorizations: NotRequired[list[_Authorization] | None]


class _UrlVerification(TypedDict):
    type: Literal["url_verification"]
    challenge: str


class _RateLimited(TypedDict):
    type: Literal["app_rate_limited"]
    team_id: NotRequired[str | None]


class _View(TypedDict, total=False):
    callback_id: str
    team_id: str | None
    app_installed_team_id: str | None


class _InteractionBase(TypedDict):
    type: str
    team: NotRequired[_Ids | str | None]
    enterprise: NotRequired[_Ids | str | None]
    user: NotRequired[_Ids | str | None]
    channel: NotRequired[_Ids | str | None]
    authorizations: NotRequired[list[_Authorization] | None]


class _Interaction(_InteractionBase):
    view: NotRequired[_View | None]


class _Action(TypedDict):
    action_id: str


class _BlockActions(_Interaction):
    actions: Annotated[list[_Action], Field(min_length=1)]


class _ViewPayload(_InteractionBase):
    view: _View


class _CallbackPayload(_Interaction):
    callback_id: str


class _Suggestion(_Interaction):
    action_id: str


_INTERACTIONS: dict[str, TypeAdapter[Any]] = {
    "block_actions": TypeAdapter(_BlockActions),
    "block_suggestion": TypeAdapter(_Suggestion),
    "view_submission": (_views := TypeAdapter(_ViewPayload)),
    "view_closed": _views,
    **dict.fromkeys(
        (
            "shortcut",
            "message_action",
            "interactive_message",
            "dialog_submission",
            "dialog_cancellation",
            "dialog_suggestion",
        ),
        TypeAdapter(_CallbackPayload),
    ),
}
_JSON_KINDS: dict[str, TypeAdapter[Any]] = {
    "event_callback": TypeAdapter(_EventCallback),
    "url_verification": TypeAdapter(_UrlVerification),
    "app_rate_limited": TypeAdapter(_RateLimited),
}


# ------------------------------------------------------------------------------------------------ steps


def verify(
    *,
    signing_secret: SecretStr | None,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
) -> None:
    """Refuse (401) unless `signature` is Slack's HMAC of this exact body, made within the last five minutes.

    Computed here on the raw bytes (slack_sdk's verifier decodes the body as UTF-8 first, and so raises on
    bytes that are not text): `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` keyed by the signing secret.
    """
    if signing_secret is None or not signing_secret.get_secret_value():
        raise Refused(401, "SLACK_SIGNING_SECRET is not set, so no request can be verified")
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        raise Refused(401, "missing or malformed X-Slack-Request-Timestamp")
    if not signature or not signature.isascii():
        raise Refused(401, "missing or malformed X-Slack-Signature")
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SIGNATURE_AGE_SECONDS:
        raise Refused(401, "stale signature (a replay, or this machine's clock is off)")
    # hmac.digest is OpenSSL's one-shot HMAC: the same bytes as hmac.new(...).digest(), without building an object.
    digest = hmac.digest(
        signing_secret.get_secret_value().encode(), b"v0:" + timestamp.encode() + b":" + body, "sha256"
    )
    if not hmac.compare_digest(b"v0=" + digest.hex().encode(), signature.encode()):
        raise Refused(401, "bad signature")


def parse(*, body: bytes, content_type: str) -> tuple[str, str, dict[str, Any]]:
    """A verified body as (text, kind, payload); refuses (4xx) anything Slack would not send to this URL."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    if content_type == JSON_TYPE:
        payload = _json_object(text, what="body")
        kind = str(payload.get("type", ""))
        _check(_JSON_KINDS.get(kind), payload, kind=kind)
        return text, kind, payload
    if content_type == FORM_TYPE:
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" in fields:
            payload = _json_object(fields["payload"], what="payload field")
            kind = str(payload.get("type", ""))
            _check(_INTERACTIONS.get(kind), payload, kind=kind)
            return text, kind, payload
        if "ssl_check" in fields:
            return text, "ssl_check", fields
        if fields.get("command"):
            return text, "command", fields
        raise Refused(400, "form body is neither a slash command nor an interaction")
    raise Refused(415, f"content type {content_type or 'none'} is not one Slack sends")


def bolt_request(*, text: str, kind: str, payload: dict[str, Any], query: str, headers: Any) -> AsyncBoltRequest:
    """The request bolt dispatches, carrying our parse; refuses (400) one that names no workspace."""
    request = ParsedRequest(text=text, payload=payload, query=query, headers=headers)
    context = request.context
    if kind not in _NO_WORKSPACE_KINDS and not (context.team_id or context.enterprise_id):
        raise Refused(400, f"{kind} request names no team or enterprise")
    return request


class ParsedRequest(AsyncBoltRequest):
    """bolt's HTTP request, built from our parse instead of bolt's.

    bolt's constructor parses whatever text it is handed: a second parse of every body, and the wrong one for a form
    body containing the word "payload" (read as an interaction, {} when there is no such field: `/lookout site
    https://acme.com/payload` would be lost). So this sets the same attributes bolt's constructor sets, from the dict
    we parsed; `tests/bot/slack/test_intake.py` compares the two on every kind of request, so a bolt upgrade that
    adds or changes one fails there rather than here.
    """

    def __init__(self, *, text: str, payload: dict[str, Any], query: str, headers: Any) -> None:
        # Not super().__init__(): that is the parse this class exists to skip.
        self.raw_body = text
        self.query = parse_query(query or None)  # Slack's requests have no query string: skip parsing ""
        self.headers = build_normalized_headers(headers)
        self.content_type = extract_content_type(self.headers)
        self.body = payload
        self.context = build_async_context(AsyncBoltContext(), payload)
        self.lazy_only = bool(self.headers.get("x-slack-bolt-lazy-only", [False])[0])
        self.lazy_function_name = self.headers.get("x-slack-bolt-lazy-function-name", [None])[0]
        self.mode = "http"


def _json_object(text: str, *, what: str) -> dict[str, Any]:
    # pydantic's JSON parser (jiter) reads a Slack event about three times as fast as the json module; the same
    # values, except that it refuses a lone UTF-16 surrogate escape, which no Slack client produces. Only keys are
    # cached: message text is not kept in a process-wide cache.
    try:
        value = from_json(text, cache_strings="keys")
    except ValueError:
        raise Refused(400, f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is JSON but not an object")
    return value


def _check(shape: TypeAdapter[Any] | None, payload: dict[str, Any], *, kind: str) -> None:
    if shape is None:
        raise Refused(400, f"unknown request type {kind[:40]!r}")
    try:
        shape.validate_python(payload)
    except ValidationError as error:
        fields = ", ".join(".".join(str(part) for part in problem["loc"]) for problem in error.errors()[:3])
        raise Refused(400, f"{kind} request of an unexpected shape ({fields})") from None
