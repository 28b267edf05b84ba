"""A loopback fake of the Slack Web API, speaking its real wire format, for tests and `lookout bench`.

Point `SLACK_API_URL` (or an `AsyncWebClient(base_url=...)`) at `fake.url` and the real slack_sdk talks to it:
form or JSON bodies in, `{"ok": true, ...}` out, `Authorization: Bearer` checked against the tokens it issued.
Every call is recorded; failures (429 with `Retry-After`, `{"ok": false, "error": ...}`, a bare 5xx, an HTML error
page, each optionally after the method did its work) can be queued per method; `response_url` posts land in a sink.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from bot.fakes import block_kit
from bot.fakes.slack_openid import AUTHORIZE_PATH, FakeSlackOpenID
from tools.fakes.loopback import LoopbackServer

JsonDict = dict[str, Any]

# Parameters Slack accepts as JSON-encoded strings in form bodies; decoded so tests see one shape either way.
_JSON_PARAMS = frozenset(
    {"blocks", "attachments", "view", "prompts", "metadata", "chunks", "files", "unfurls", "user_auth_blocks"}
)


@dataclass(frozen=True)
class SlackCall:
    """One request that reached the fake: the method, its merged query/body parameters and the headers."""

    method: str
    params: JsonDict
    headers: Mapping[str, str]
    token: str | None
    status: int  # the HTTP status the fake answered with
    response: JsonDict  # the JSON body the fake answered with
    at: float = 0.0  # time.monotonic() when the request arrived (rate measurements)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass(frozen=True)
class ResponseUrlPost:
    """A JSON body posted to a `response_url` from the sink (slash commands, interactivity)."""

    key: str
    body: JsonDict


@dataclass(frozen=True)
class UploadedFile:
    file_id: str
    filename: str
    content: bytes


@dataclass
class FakeWorkspace:
    """A workspace the fake knows, with the bot identity that its bot token resolves to."""

    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    enterprise_id: str | None = None
    app_id: str = "A0LOOKOUT"
    scopes: str = "app_mentions:read,chat:write,commands,im:history,users:read"


@dataclass
class OAuthGrant:
    """What `oauth.v2.access` answers for one authorization `code` (an "Add to Slack" install)."""

    workspace: FakeWorkspace
    installer_user_id: str = "U0INSTALLER"
    refresh_token: str | None = None  # set when the app has token rotation enabled
    expires_in: int | None = None


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: int | None
    page: str | None = None  # an HTML error page instead of Slack's JSON
    content_type: str = "text/html"
    after_processing: bool = False  # the method did its work before the failure was answered


# What a load balancer in front of the Web API answers during an incident.
ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>Server Error | Slack</title></head><body><h1>Server Error</h1>"
    "<p>It seems like there’s a problem on our end. Please try again in a few moments.</p></body></html>"
)


@dataclass
class FakeMessage:
    channel: str
    ts: str
    text: str
    thread_ts: str | None
    blocks: list[Any] | None
    user: str
    streaming: bool = False
    deleted: bool = False
    metadata: JsonDict | None = None
    history: list[str] = field(default_factory=list)
    # Streaming: every chunk received, in order; each task's latest `task_update`, in the order tasks appeared.
    chunks: list[JsonDict] = field(default_factory=list)
    tasks: dict[str, JsonDict] = field(default_factory=dict)
    task_display_mode: str | None = None


class FakeSlack(LoopbackServer):
    """The fake Slack Web API server. Use `async with FakeSlack() as slack:` or `await start()` / `await stop()`."""

    def __init__(
        self,
        *,
        team_id: str = "T0LOOKOUT",
        team_name: str = "Lookout Test",
        bot_token: str = "xoxb-fake-bot-token",  # noqa: S107 - a fake credential
        bot_user_id: str = "U0LOOKOUT",
        bot_id: str = "B0LOOKOUT",
        client_id: str = "1111.2222",
        client_secret: str = "fake-client-secret",  # noqa: S107 - a fake credential
        app_token: str = "xapp-1-fake-app-token",  # noqa: S107 - a fake credential
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_token = app_token
        self.calls: list[SlackCall] = []
        self._calls_by_method: defaultdict[str, list[SlackCall]] = defaultdict(list)  # the same calls, by method
        self.responses: list[ResponseUrlPost] = []
        self.uploads: dict[str, UploadedFile] = {}
        self.messages: dict[tuple[str, str], FakeMessage] = {}
        self.home_views: dict[str, JsonDict] = {}
        self.users: dict[str, JsonDict] = {}
        self.channels: dict[str, JsonDict] = {}
        self.channel_members: dict[str, list[str]] = {}
        self.usergroups: dict[str, JsonDict] = {}
        self.usergroup_members: dict[str, list[str]] = {}
        # Sign in with Slack (`/openid/connect/authorize`, `openid.connect.token`); `sign_in_as` picks the person.
        self.openid = FakeSlackOpenID(client_id=client_id, client_secret=client_secret)
        self.oauth_grants: dict[str, OAuthGrant] = {}
        self.revoked_tokens: set[str] = set()
        self._tokens: dict[str, FakeWorkspace] = {}
        # Refresh tokens not yet spent: as on Slack, each is accepted once (then revoked for a new one).
        self._refresh_tokens: dict[str, tuple[FakeWorkspace, int]] = {}
        # Lifetime of a token from a refresh (Slack's is 12 hours); None keeps the install grant's `expires_in`.
        self.refreshed_token_lifetime: int | None = 12 * 3600
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._handlers: dict[str, Callable[[SlackCall], JsonDict]] = {}
        self._ts_counter = itertools.count(1)
        self._token_counter = itertools.count(1)
        self._changed = asyncio.Condition() if _loop_running() else None
        self.socket_acks: list[JsonDict] = []
        self._sockets: list[web.WebSocketResponse] = []
        self.workspace = self.add_workspace(
            team_id=team_id, team_name=team_name, bot_token=bot_token, bot_user_id=bot_user_id, bot_id=bot_id
        )

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        if self._changed is None:
            self._changed = asyncio.Condition()
        await super().start()
        self.openid.issuer = self.root_url.rstrip("/")

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_get("/socket-mode", self._handle_socket_mode)
        app.router.add_get(AUTHORIZE_PATH, self.openid.authorize)
        return app

    async def stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        await super().stop()

    @property
    def root_url(self) -> str:
        if not self.port:
            raise RuntimeError("FakeSlack is not started")
        return f"{super().url}/"

    @property
    def url(self) -> str:
        """The Web API base URL, for `SLACK_API_URL` / `AsyncWebClient(base_url=...)`."""
        return self.root_url + "api/"

    # ---------------------------------------------------------------- configuration

    def add_workspace(
        self,
        *,
        team_id: str,
        team_name: str = "",
        bot_token: str | None = None,
        bot_user_id: str | None = None,
        bot_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> FakeWorkspace:
        """Make a workspace known; its bot token then authenticates calls."""
        workspace = FakeWorkspace(
            team_id=team_id,
            team_name=team_name or team_id,
            bot_token=bot_token or f"xoxb-fake-{team_id}",
            bot_user_id=bot_user_id or f"U0BOT{team_id}",
            bot_id=bot_id or f"B0BOT{team_id}",
            enterprise_id=enterprise_id,
        )
        self._tokens[workspace.bot_token] = workspace
        return workspace

    def add_oauth_code(
        self,
        code: str,
        *,
        team_id: str,
        team_name: str = "",
        bot_token: str | None = None,
        enterprise_id: str | None = None,
        installer_user_id: str = "U0INSTALLER",
        rotation_expires_in: int | None = None,
    ) -> OAuthGrant:
        """Let `oauth.v2.access` exchange `code` for a fresh bot token in `team_id`.

        With `rotation_expires_in`, the grant carries a refresh token and an expiring (`xoxe.xoxb-`) access token,
        as Slack issues when token rotation is enabled.
        """
        token = bot_token or (
            f"xoxe.xoxb-1-fake-{team_id}-{next(self._token_counter)}"
            if rotation_expires_in
            else f"xoxb-fake-{team_id}-{next(self._token_counter)}"
        )
        workspace = FakeWorkspace(
            team_id=team_id,
            team_name=team_name or team_id,
            bot_token=token,
            bot_user_id=f"U0BOT{team_id}",
            bot_id=f"B0BOT{team_id}",
            enterprise_id=enterprise_id,
        )
        refresh = f"xoxe-1-fake-refresh-{team_id}-{next(self._token_counter)}" if rotation_expires_in else None
        grant = OAuthGrant(
            workspace=workspace,
            installer_user_id=installer_user_id,
            refresh_token=refresh,
            expires_in=rotation_expires_in,
        )
        self.oauth_grants[code] = grant
        return grant

    def add_user(
        self,
        user_id: str,
        *,
        name: str = "",
        tz: str = "Europe/Paris",
        is_bot: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
        is_primary_owner: bool = False,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        team_id: str | None = None,
        org_admin: bool = False,
        org_owner: bool = False,
    ) -> JsonDict:
        """A person as `users.info` describes them (an ordinary full member unless told otherwise).

        The role fields are Slack's: `is_admin` / `is_owner` / `is_primary_owner` for workspace admins and owners,
        `is_restricted` (multi-channel guest) and `is_ultra_restricted` (single-channel guest); on Enterprise Grid
        (`team_id` of a workspace with an `enterprise_id`) an `enterprise_user` object carries the org-level
        `is_admin` / `is_owner`.
        """
        team = team_id or self.workspace.team_id
        workspace = next((w for w in self._tokens.values() if w.team_id == team), self.workspace)
        user: JsonDict = {
            "id": user_id,
            "team_id": team,
            "name": name or user_id.lower(),
            "deleted": False,
            "color": "9f69e7",
            "real_name": name or user_id,
            "tz": tz,
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "is_admin": is_admin or is_owner or is_primary_owner,
            "is_owner": is_owner or is_primary_owner,
            "is_primary_owner": is_primary_owner,
            "is_restricted": is_restricted or is_ultra_restricted,
            "is_ultra_restricted": is_ultra_restricted,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {"display_name": name or user_id, "real_name": name or user_id, "team": team},
        }
        if workspace.enterprise_id:
            user["enterprise_user"] = {
                "id": user_id,
                "enterprise_id": workspace.enterprise_id,
                "enterprise_name": workspace.enterprise_id,
                "is_admin": org_admin or org_owner,
                "is_owner": org_owner,
                "teams": [team],
            }
        self.users[user_id] = user
        return user

    def add_usergroup(self, group_id: str, *, handle: str, members: list[str], name: str = "") -> None:
        """A user group (`usergroups.list`, `usergroups.users.list`)."""
        self.usergroups[group_id] = {
            "id": group_id,
            "team_id": self.workspace.team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": name or handle,
            "description": "",
            "handle": handle,
            "is_external": False,
            "date_create": 1700000000,
            "date_update": 1700000000,
            "date_delete": 0,
            "auto_type": None,
            "created_by": "U0INSTALLER",
            "updated_by": "U0INSTALLER",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(members),
        }
        self.usergroup_members[group_id] = list(members)

    def sign_in_as(self, user_id: str, *, team_id: str | None = None, name: str = "", email: str = "") -> None:
        """The browser that opens `/openid/connect/authorize` is signed in to Slack as this person."""
        self.openid.sign_in_as(user_id, team_id=team_id or self.workspace.team_id, name=name, email=email)

    def add_channel(
        self, channel_id: str, *, name: str = "", members: list[str] | None = None, ext_shared: bool = False
    ) -> None:
        """A channel as `conversations.info` describes it; `ext_shared`: shared with another organisation (Slack
        Connect), which Slack marks with both `is_shared` and `is_ext_shared`."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_channel": not channel_id.startswith("D"),
            "is_im": channel_id.startswith("D"),
            "is_private": channel_id.startswith("G"),
            "is_member": True,
            "is_archived": False,
            "is_shared": ext_shared,
            "is_ext_shared": ext_shared,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
        }
        if members is not None:
            self.channel_members[channel_id] = list(members)

    def revoke(self, token: str) -> None:
        """Answer `invalid_auth` for this token from now on (an uninstall, a rotated-away token)."""
        self.revoked_tokens.add(token)

    def fail_next(self, method: str, *, error: str = "internal_error", times: int = 1) -> None:
        """The next `times` calls of `method` answer 200 `{"ok": false, "error": error}`."""
        for _ in range(times):
            self._failures[method].append(_Failure(status=200, error=error, retry_after=None))

    def rate_limit_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` answer 429 with `Retry-After: retry_after`."""
        for _ in range(times):
            self._failures[method].append(_Failure(status=429, error="ratelimited", retry_after=retry_after))

    def http_error_next(
        self, method: str, *, status: int = 500, times: int = 1, after_processing: bool = False
    ) -> None:
        """The next `times` calls of `method` answer a bare HTTP error status (`{"ok": false}`).

        With `after_processing`, the call does its work first (the message is posted) and only the answer fails,
        which Slack documents as possible for its 5xx errors.
        """
        for _ in range(times):
            failure = _Failure(status=status, error=None, retry_after=None, after_processing=after_processing)
            self._failures[method].append(failure)

    def error_page_next(
        self,
        method: str,
        *,
        status: int = 500,
        times: int = 1,
        content_type: str = "text/html",
        after_processing: bool = False,
    ) -> None:
        """The next `times` calls of `method` answer an HTML error page, not JSON (a proxy or load balancer's).

        `content_type="application/json"` mislabels the page, as some proxies do; `after_processing` as above.
        """
        for _ in range(times):
            failure = _Failure(
                status=status,
                error=None,
                retry_after=None,
                page=ERROR_PAGE,
                content_type=content_type,
                after_processing=after_processing,
            )
            self._failures[method].append(failure)

    def on(self, method: str, handler: Callable[[SlackCall], JsonDict]) -> None:
        """Answer `method` with `handler(call)` (the JSON body) instead of the built-in behaviour."""
        self._handlers[method] = handler

    # ---------------------------------------------------------------- inspection

    def calls_to(self, method: str) -> list[SlackCall]:
        """Every recorded call of `method`, in arrival order, including ones the fake failed on purpose."""
        return list(self._calls_by_method[method])

    def ok_calls_to(self, method: str) -> list[SlackCall]:
        return [call for call in self.calls_to(method) if call.ok]

    def response_url_for(self, key: str = "command") -> str:
        """A `response_url` whose posts land in `responses` under `key`."""
        return f"{self.root_url}response/{key}"

    def responses_for(self, key: str) -> list[ResponseUrlPost]:
        return [post for post in self.responses if post.key == key]

    def thread_replies(self, channel: str, thread_ts: str) -> list[FakeMessage]:
        return [
            m for m in self.messages.values() if m.channel == channel and m.thread_ts == thread_ts and not m.deleted
        ]

    async def wait_for_calls(self, method: str, count: int = 1, *, timeout: float = 5.0) -> list[SlackCall]:  # noqa: ASYNC109
        """Wait until at least `count` calls of `method` arrived; raise `TimeoutError` otherwise."""
        await self._wait_until(lambda: len(self._calls_by_method[method]) >= count, timeout=timeout)
        return self.calls_to(method)

    async def wait_for_responses(self, count: int = 1, *, key: str | None = None, timeout: float = 5.0) -> list[Any]:  # noqa: ASYNC109
        def arrived() -> list[ResponseUrlPost]:
            return self.responses if key is None else self.responses_for(key)

        await self._wait_until(lambda: len(arrived()) >= count, timeout=timeout)
        return arrived()

    async def _wait_until(self, predicate: Callable[[], bool], *, timeout: float) -> None:  # noqa: ASYNC109
        assert self._changed is not None
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("FakeSlack: the expected calls did not arrive in time")
                try:
                    await asyncio.wait_for(self._changed.wait(), timeout=remaining)
                except TimeoutError:
                    if not predicate():
                        raise TimeoutError("FakeSlack: the expected calls did not arrive in time") from None

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    # ---------------------------------------------------------------- Socket Mode

    async def wait_for_socket(self, *, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a Socket Mode client connected (after `apps.connections.open`)."""
        await self._wait_until(lambda: bool(self._sockets), timeout=timeout)

    async def socket_send(self, payload: JsonDict, *, kind: str = "events_api", timeout: float = 5.0) -> JsonDict:  # noqa: ASYNC109
        """Push one request over Socket Mode (`kind`: events_api, slash_commands, interactive); return the ack."""
        await self.wait_for_socket(timeout=timeout)
        envelope_id = f"env-{next(self._token_counter)}"
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        await self._wait_until(
            lambda: any(ack.get("envelope_id") == envelope_id for ack in self.socket_acks), timeout=timeout
        )
        return next(ack for ack in self.socket_acks if ack.get("envelope_id") == envelope_id)

    async def _handle_socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": len(self._sockets), "debug_info": {}})
        await self._notify()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(message.data))
                    await self._notify()
        finally:
            self._sockets.remove(socket)
        return socket

    # ---------------------------------------------------------------- HTTP handlers

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        headers = dict(request.headers.items())
        token = _bearer(request.headers.get("Authorization")) or params.pop("token", None)
        queue = self._failures.get(method)
        failure = queue.popleft() if queue else None
        if failure is None or failure.after_processing:
            status, body, extra_headers = self._answer(method, params, token, request.headers.get("Authorization"))
        if failure is not None:
            status = failure.status
            extra_headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            body = {"ok": False, "error": failure.error} if failure.error else {"ok": False}
        call = SlackCall(
            method=method,
            params=params,
            headers=headers,
            token=token,
            status=status,
            response=body,
            at=time.monotonic(),
        )
        self.calls.append(call)
        self._calls_by_method[method].append(call)
        await self._notify()
        if failure is not None and failure.page is not None:
            return web.Response(status=status, body=failure.page.encode(), content_type=failure.content_type)
        return web.json_response(body, status=status, headers=extra_headers)

    def _answer(
        self, method: str, params: JsonDict, token: str | None, authorization: str | None
    ) -> tuple[int, JsonDict, dict[str, str]]:
        if method in ("oauth.v2.access", "oauth.v2.exchange"):
            return 200, self._oauth_v2_access(params, authorization), {}
        if method == "apps.uninstall":
            return 200, self._apps_uninstall(params, authorization), {}
        if method == "openid.connect.token":
            credentials_ok = self._client_credentials_error(params, authorization) is None
            return 200, self.openid.token(params, credentials_ok=credentials_ok), {}
        if method == "api.test":
            return 200, {"ok": True, "args": {k: v for k, v in params.items() if isinstance(v, str)}}, {}
        if token is None:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token in self.revoked_tokens:
            return 200, {"ok": False, "error": "token_revoked"}, {}
        if method == "apps.connections.open":
            if token != self.app_token:
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            return 200, {"ok": True, "url": self.root_url.replace("http://", "ws://") + "socket-mode"}, {}
        workspace = self._tokens.get(token)
        if workspace is None:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        call = SlackCall(method=method, params=params, headers={}, token=token, status=200, response={})
        custom = self._handlers.get(method)
        if custom is not None:
            return 200, custom(call), {}
        builtin = getattr(self, "_m_" + method.replace(".", "_"), None)
        if builtin is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        result: JsonDict = builtin(workspace, params)
        return 200, result, {}

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        pending = self.uploads.get(file_id)
        if pending is None:
            return web.Response(status=404, text="file_not_found", content_type="text/plain")
        content = await request.read()
        self.uploads[file_id] = UploadedFile(file_id=file_id, filename=pending.filename, content=content)
        await self._notify()
        return web.Response(text=f"OK - {len(content)}", content_type="text/plain")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append(ResponseUrlPost(key=request.match_info["key"], body=body))
        await self._notify()
        return web.Response(text="ok", content_type="text/html")

    # ---------------------------------------------------------------- Web API methods

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts_counter):06d}"

    def _m_auth_test(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{workspace.team_name.lower().replace(' ', '-')}.slack.com/",
            "team": workspace.team_name,
            "user": "lookout",
            "team_id": workspace.team_id,
            "user_id": workspace.bot_user_id,
            "bot_id": workspace.bot_id,
            "enterprise_id": workspace.enterprise_id,
            "is_enterprise_install": False,
        }

    def _post(self, workspace: FakeWorkspace, params: JsonDict, *, streaming: bool = False) -> FakeMessage:
        channel = str(params.get("channel", ""))
        ts = self._next_ts()
        message = FakeMessage(
            channel=channel,
            ts=ts,
            text=str(params.get("text") or params.get("markdown_text") or ""),
            thread_ts=params.get("thread_ts"),
            blocks=params.get("blocks"),
            user=workspace.bot_user_id,
            streaming=streaming,
            metadata=params.get("metadata") if isinstance(params.get("metadata"), dict) else None,
        )
        self.messages[(channel, ts)] = message
        return message

    def _message_json(self, message: FakeMessage, workspace: FakeWorkspace) -> JsonDict:
        body: JsonDict = {
            "type": "message",
            "user": message.user,
            "bot_id": workspace.bot_id,
            "text": message.text,
            "ts": message.ts,
        }
        if message.thread_ts:
            body["thread_ts"] = message.thread_ts
        if message.blocks is not None:
            body["blocks"] = message.blocks
        if message.metadata is not None:
            body["metadata"] = message.metadata
        return body

    def _m_chat_postMessage(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return {"ok": False, "error": "no_text"}
        if "blocks" in params and (problem := block_kit.blocks_error(params["blocks"])):
            return {"ok": False, "error": problem}
        return self._posted(self._post(workspace, params), workspace)

    def _posted(self, message: FakeMessage, workspace: FakeWorkspace) -> JsonDict:
        """The reply of a method that leaves a finished message: where it is and what it now says."""
        return {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "message": self._message_json(message, workspace),
        }

    def _m_chat_postEphemeral(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        if not params.get("channel") or not params.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        if "blocks" in params and (problem := block_kit.blocks_error(params["blocks"])):
            return {"ok": False, "error": problem}
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        key = (str(params.get("channel", "")), str(params.get("ts", "")))
        message = self.messages.get(key)
        if message is None or message.deleted:
            return {"ok": False, "error": "message_not_found"}
        if "blocks" in params and (problem := block_kit.blocks_error(params["blocks"])):
            return {"ok": False, "error": problem}
        message.history.append(message.text)
        if "text" in params:
            message.text = str(params["text"])
        if "blocks" in params:
            message.blocks = params["blocks"]
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message.text}

    def _m_chat_delete(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        key = (str(params.get("channel", "")), str(params.get("ts", "")))
        message = self.messages.get(key)
        if message is None or message.deleted:
            return {"ok": False, "error": "message_not_found"}
        message.deleted = True
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _m_chat_startStream(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        if not params.get("channel") or not params.get("thread_ts"):
            return {"ok": False, "error": "invalid_arguments"}
        mode = params.get("task_display_mode")
        if mode is not None and mode not in block_kit.DISPLAY_MODES:
            return {"ok": False, "error": "invalid_arguments"}
        if "chunks" in params and (problem := block_kit.chunks_error(params["chunks"])):
            return {"ok": False, "error": problem}
        message = self._post(workspace, {**params, "markdown_text": ""}, streaming=True)
        message.task_display_mode = mode or "timeline"
        self._take_chunks(message, params)
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _m_chat_appendStream(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        message = self._append_to_stream(params)
        if isinstance(message, dict):
            return message
        return {"ok": True, "channel": message.channel, "ts": message.ts}

    def _m_chat_stopStream(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        found = self.messages.get((str(params.get("channel", "")), str(params.get("ts", ""))))
        if "blocks" in params and found is not None:
            # The task cards stay in the finished message: they count towards its 50 blocks.
            problem = block_kit.blocks_error(params["blocks"], extra_blocks=len(found.tasks) + 1)
            if problem:
                return {"ok": False, "error": problem}
        message = self._append_to_stream(params)
        if isinstance(message, dict):
            return message
        if "blocks" in params:
            message.blocks = params["blocks"]
        message.streaming = False
        return self._posted(message, workspace)

    def _append_to_stream(self, params: JsonDict) -> FakeMessage | JsonDict:
        """The streaming message with `markdown_text` and `chunks` taken in, or Slack's error reply."""
        message = self.messages.get((str(params.get("channel", "")), str(params.get("ts", ""))))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if not message.streaming:
            return {"ok": False, "error": "message_not_in_streaming_state"}
        if "chunks" in params and (problem := block_kit.chunks_error(params["chunks"])):
            return {"ok": False, "error": problem}
        self._take_chunks(message, params)
        return message

    @staticmethod
    def _take_chunks(message: FakeMessage, params: JsonDict) -> None:
        message.text += str(params.get("markdown_text") or "")
        for chunk in params.get("chunks") or []:
            message.chunks.append(chunk)
            if chunk["type"] == "markdown_text":
                message.text += chunk["text"]
            elif chunk["type"] == "task_update":
                message.tasks[chunk["id"]] = {**message.tasks.get(chunk["id"], {}), **chunk}

    def _m_assistant_threads_setStatus(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        if not params.get("channel_id") or not params.get("thread_ts") or not isinstance(params.get("status"), str):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _m_assistant_threads_setSuggestedPrompts(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        prompts = params.get("prompts")
        if not params.get("channel_id") or not isinstance(prompts, list) or not 1 <= len(prompts) <= 4:
            return {"ok": False, "error": "invalid_arguments"}  # Slack takes one to four prompts
        if any(not isinstance(p, dict) or not p.get("title") or not p.get("message") for p in prompts):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _m_assistant_threads_setTitle(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        if not params.get("channel_id") or not params.get("thread_ts") or not params.get("title"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _m_views_publish(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        view = params.get("view")
        user_id = params.get("user_id")
        if not user_id or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        self.home_views[str(user_id)] = view
        return {"ok": True, "view": {"id": f"V{next(self._ts_counter):08d}", **view}}

    def _m_views_open(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        view = params.get("view")
        if not isinstance(view, dict) or not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if problem := block_kit.blocks_error(view.get("blocks", []), modal=True):
            return {"ok": False, "error": problem}
        return {"ok": True, "view": {"id": f"V{next(self._ts_counter):08d}", **view}}

    def _m_conversations_info(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        channel_id = str(params.get("channel", ""))
        if not channel_id:
            return {"ok": False, "error": "channel_not_found"}
        if channel_id not in self.channels:
            self.add_channel(channel_id)
        return {"ok": True, "channel": self.channels[channel_id]}

    def _m_conversations_members(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        channel_id = str(params.get("channel", ""))
        members = self.channel_members.get(channel_id, [workspace.bot_user_id])
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _m_conversations_history(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        """Top-level messages the fake knows in the channel, newest first (the bot's own posts)."""
        channel = str(params.get("channel", ""))
        oldest = float(params.get("oldest") or 0)
        found = [
            m
            for m in self.messages.values()
            if m.channel == channel and not m.deleted and not m.thread_ts and float(m.ts) >= oldest
        ]
        found.sort(key=lambda m: float(m.ts), reverse=True)
        limit = int(params.get("limit") or 100)
        return {
            "ok": True,
            "messages": [self._message_json(m, workspace) for m in found[:limit]],
            "has_more": len(found) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    def _m_conversations_replies(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        """The thread's parent (when the fake posted it) and its replies, oldest first."""
        channel, thread_ts = str(params.get("channel", "")), str(params.get("ts", ""))
        oldest = float(params.get("oldest") or 0)
        found = [
            m
            for m in self.messages.values()
            if m.channel == channel
            and not m.deleted
            and (m.ts == thread_ts or m.thread_ts == thread_ts)
            and float(m.ts) >= oldest
        ]
        found.sort(key=lambda m: float(m.ts))
        return {
            "ok": True,
            "messages": [self._message_json(m, workspace) for m in found],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _m_conversations_list(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        channels = [c for c in self.channels.values() if not c["is_im"]]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    def _m_conversations_open(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        users = str(params.get("users", ""))
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        channel_id = "D" + users.split(",")[0].lstrip("UW")
        if channel_id not in self.channels:
            self.add_channel(channel_id)
        return {"ok": True, "channel": {"id": channel_id}}

    def _m_conversations_join(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        channel_id = str(params.get("channel", ""))
        members = self.channel_members.setdefault(channel_id, [])
        if workspace.bot_user_id not in members:
            members.append(workspace.bot_user_id)
        return self._m_conversations_info(workspace, params)

    def _m_users_info(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        user_id = str(params.get("user", ""))
        if not user_id:
            return {"ok": False, "error": "user_not_found"}
        if user_id not in self.users:
            self.add_user(user_id)
        return {"ok": True, "user": self.users[user_id]}

    def _m_usergroups_list(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        include_users = str(params.get("include_users", "")).lower() in ("1", "true")
        groups = []
        for group_id, group in self.usergroups.items():
            entry = dict(group)
            if include_users:
                entry["users"] = list(self.usergroup_members.get(group_id, []))
            groups.append(entry)
        return {"ok": True, "usergroups": groups}

    def _m_usergroups_users_list(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        group_id = str(params.get("usergroup", ""))
        if group_id not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroup_members.get(group_id, []))}

    def _m_reactions_add(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        if not params.get("channel") or not params.get("timestamp") or not params.get("name"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _m_reactions_remove(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        return self._m_reactions_add(workspace, params)

    def _m_files_getUploadURLExternal(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        filename = params.get("filename")
        if not filename or not params.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts_counter):08d}"
        self.uploads[file_id] = UploadedFile(file_id=file_id, filename=str(filename), content=b"")
        return {"ok": True, "upload_url": f"{self.root_url}upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, workspace: FakeWorkspace, params: JsonDict) -> JsonDict:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        result = []
        for item in files:
            upload = self.uploads.get(str(item.get("id")))
            if upload is None:
                return {"ok": False, "error": "file_not_found"}
            result.append(
                {
                    "id": upload.file_id,
                    "name": upload.filename,
                    "title": item.get("title") or upload.filename,
                    "size": len(upload.content),
                }
            )
        return {"ok": True, "files": result}

    # ---------------------------------------------------------------- OAuth

    def _client_credentials_error(self, params: JsonDict, authorization: str | None) -> str | None:
        """Slack's error for the app's client id and secret, None when both are right."""
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            decoded = base64.b64decode(authorization.split(" ", 1)[1]).decode()
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id:
            return "invalid_client_id"
        return "bad_client_secret" if client_secret != self.client_secret else None

    def _oauth_v2_access(self, params: JsonDict, authorization: str | None) -> JsonDict:
        if failure := self._client_credentials_error(params, authorization):
            return {"ok": False, "error": failure}
        if params.get("grant_type") == "refresh_token":
            return self._refresh(str(params.get("refresh_token", "")))
        grant = self.oauth_grants.pop(str(params.get("code", "")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        workspace = grant.workspace
        self._tokens[workspace.bot_token] = workspace
        body: JsonDict = {
            "ok": True,
            "access_token": workspace.bot_token,
            "token_type": "bot",
            "scope": workspace.scopes,
            "bot_user_id": workspace.bot_user_id,
            "app_id": workspace.app_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": {"id": workspace.enterprise_id, "name": workspace.enterprise_id}
            if workspace.enterprise_id
            else None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant.installer_user_id},
        }
        if grant.refresh_token is not None and grant.expires_in is not None:
            body["refresh_token"] = grant.refresh_token
            body["expires_in"] = grant.expires_in
            self._refresh_tokens[grant.refresh_token] = (workspace, grant.expires_in)
        return body

    def _refresh(self, refresh_token: str) -> JsonDict:
        known = self._refresh_tokens.pop(refresh_token, None)
        if known is None:
            return {"ok": False, "error": "invalid_refresh_token"}
        workspace, expires_in = known
        expires_in = self.refreshed_token_lifetime or expires_in
        self.revoked_tokens.add(workspace.bot_token)
        workspace.bot_token = f"xoxe.xoxb-1-fake-{workspace.team_id}-{next(self._token_counter)}"
        self._tokens[workspace.bot_token] = workspace
        new_refresh = f"xoxe-1-fake-refresh-{workspace.team_id}-{next(self._token_counter)}"
        self._refresh_tokens[new_refresh] = (workspace, expires_in)
        return {
            "ok": True,
            "access_token": workspace.bot_token,
            "token_type": "bot",
            "scope": workspace.scopes,
            "bot_user_id": workspace.bot_user_id,
            "app_id": workspace.app_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "refresh_token": new_refresh,
            "expires_in": expires_in,
        }

    def _apps_uninstall(self, params: JsonDict, authorization: str | None) -> JsonDict:
        if failure := self._client_credentials_error(params, authorization):
            return {"ok": False, "error": failure}
        token = _bearer(authorization) or params.get("token")
        if token:
            self.revoked_tokens.add(str(token))
        return {"ok": True}


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization.split(" ", 1)[1].strip() or None
    return None


async def _read_params(request: web.Request) -> JsonDict:
    params: JsonDict = dict(request.query)
    raw = await request.read()
    if raw:
        if request.content_type == "application/json":
            loaded = json.loads(raw)
            if isinstance(loaded, dict):
                params.update(loaded)
        else:
            params.update(dict(parse_qsl(raw.decode(), keep_blank_values=True)))
    for name in _JSON_PARAMS & params.keys():
        value = params[name]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params
