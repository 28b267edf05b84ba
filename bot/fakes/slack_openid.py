"""Sign in with Slack for the fake Slack: the `/openid/connect/authorize` page and `openid.connect.token`.

The authorize page stands for a browser already signed in to Slack: it answers at once with a redirect to the
`redirect_uri`, carrying a code for whoever `sign_in_as` named (or `error=access_denied` after `deny_next`).
`openid.connect.token` trades the code for Slack's answer: `{"ok": true, "access_token", "token_type": "Bearer",
"id_token"}`, the id_token a JWT whose payload carries the documented claims (`iss`, `sub`, `aud`, `exp`, `iat`,
`auth_time`, `nonce`, `at_hash`, `https://slack.com/user_id`, `https://slack.com/team_id`, and with the `email` /
`profile` scopes `email`, `name`). The signature segment is not a real RS256 signature: Lookout takes the id_token
straight from the token endpoint, so it checks the claims, not the signature (OpenID Connect Core 3.1.3.7).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

JsonDict = dict[str, Any]

AUTHORIZE_PATH = "/openid/connect/authorize"
CODE_LIFETIME_SECONDS = 600


@dataclass(frozen=True)
class SlackIdentity:
    """Who the browser is signed in to Slack as."""

    user_id: str
    team_id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class _Grant:
    identity: SlackIdentity
    client_id: str
    redirect_uri: str
    nonce: str | None
    scopes: frozenset[str]
    expires: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class FakeSlackOpenID:
    """The Sign in with Slack part of one fake Slack (its client credentials and issuer come from the fake)."""

    def __init__(self, *, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = ""  # set by the fake once it knows its URL
        self.signed_in: SlackIdentity | None = None
        self.deny_next = False
        self._grants: dict[str, _Grant] = {}
        self._counter = itertools.count(1)
        self.authorize_requests: list[JsonDict] = []

    def sign_in_as(self, user_id: str, *, team_id: str, name: str = "", email: str = "") -> None:
        self.signed_in = SlackIdentity(user_id=user_id, team_id=team_id, name=name, email=email)

    async def authorize(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.authorize_requests.append(query)
        redirect_uri = query.get("redirect_uri", "")
        scopes = frozenset(query.get("scope", "").replace(",", " ").split())
        if query.get("client_id") != self.client_id or not redirect_uri:
            return web.Response(status=400, text="invalid_client_id or missing redirect_uri")
        if query.get("response_type") != "code" or "openid" not in scopes:
            return web.Response(
                status=400, text="invalid_request: response_type=code and the openid scope are required"
            )
        state = query.get("state", "")
        if self.deny_next or self.signed_in is None:
            self.deny_next = False
            return _found(_with_query(redirect_uri, {"error": "access_denied", "state": state}))
        code = f"{next(self._counter)}.{secrets.token_hex(16)}"
        self._grants[code] = _Grant(
            identity=self.signed_in,
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            nonce=query.get("nonce"),
            scopes=scopes,
            expires=time.time() + CODE_LIFETIME_SECONDS,
        )
        return _found(_with_query(redirect_uri, {"code": code, "state": state}))

    def token(self, params: JsonDict, *, credentials_ok: bool) -> JsonDict:
        """`openid.connect.token`: the code is single-use and bound to the redirect_uri it was issued for."""
        if not credentials_ok:
            return {"ok": False, "error": "invalid_client_id"}
        grant = self._grants.pop(str(params.get("code", "")), None)
        if grant is None or grant.expires < time.time():
            return {"ok": False, "error": "invalid_code"}
        if params.get("redirect_uri") != grant.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}
        access_token = f"xoxp-fake-openid-{next(self._counter)}"
        return {
            "ok": True,
            "access_token": access_token,
            "token_type": "Bearer",
            "id_token": self._id_token(grant, access_token),
        }

    def _id_token(self, grant: _Grant, access_token: str) -> str:
        now = int(time.time())
        identity = grant.identity
        digest = hashlib.sha256(access_token.encode()).digest()
        claims: JsonDict = {
            "iss": self.issuer,
            "sub": identity.user_id,
            "aud": grant.client_id,
            "exp": now + 300,
            "iat": now,
            "auth_time": now,
            "at_hash": _b64(digest[: len(digest) // 2]),
            "https://slack.com/team_id": identity.team_id,
            "https://slack.com/user_id": identity.user_id,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if "email" in grant.scopes:
            claims.update(email=identity.email or f"{identity.user_id.lower()}@example.test", email_verified=True)
        if "profile" in grant.scopes:
            claims.update(name=identity.name or identity.user_id, given_name="", family_name="", locale="en-US")
        header = {"typ": "JWT", "alg": "RS256", "kid": "fake-key"}
        segments = [json.dumps(header).encode(), json.dumps(claims).encode(), secrets.token_bytes(32)]
        return ".".join(_b64(segment) for segment in segments)


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _found(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})
