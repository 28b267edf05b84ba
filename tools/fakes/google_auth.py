"""A loopback stand-in for Google's OAuth server and the account-discovery endpoints, in their real wire formats.

It plays the consent page (`GET /o/oauth2/v2/auth` redirects back with a code, or `error=access_denied`), the
token endpoint (`POST /token`: authorization_code with PKCE S256 verification, refresh_token), revocation
(`POST /revoke`), the GA4 Admin API (`GET /v1beta/accountSummaries` with paging, `GET /v1beta/properties/{id}`)
and Search Console's `GET /webmasters/v3/sites`. Tokens map to fake Google accounts that see specific properties
and sites; `authorize_property` / `authorize_site` give the combined fake Google server the same access check for
its data routes.

Use it standalone (`async with FakeGoogleAuth() as google:`) or mount it on another aiohttp app with `add_routes`.
Point the settings at it with `settings_overrides()`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from tools.fakes.loopback import LoopbackServer

ANALYTICS_READONLY = "https://www.googleapis.com/auth/analytics.readonly"
WEBMASTERS_READONLY = "https://www.googleapis.com/auth/webmasters.readonly"
_ANALYTICS_SCOPES = {
    ANALYTICS_READONLY,
    "https://www.googleapis.com/auth/analytics",
    "https://www.googleapis.com/auth/analytics.edit",
}
_WEBMASTERS_SCOPES = {WEBMASTERS_READONLY, "https://www.googleapis.com/auth/webmasters"}

FAKE_CLIENT_ID = "fake-client-id.apps.googleusercontent.com"
FAKE_CLIENT_SECRET = "fake-client-secret"
AUTH_PATH = "/o/oauth2/v2/auth"
TOKEN_PATH = "/token"
REVOKE_PATH = "/revoke"


@dataclass
class FakeProperty:
    """A GA4 property inside an account."""

    property_id: str  # numeric, e.g. "123456"
    display_name: str
    account_id: str = "1000"
    account_name: str = "Default account"
    time_zone: str = "America/Los_Angeles"
    currency_code: str = "USD"


@dataclass
class FakeSite:
    site_url: str  # "https://www.example.com/" or "sc-domain:example.com"
    permission_level: str = "siteOwner"


@dataclass
class FakeGoogleAccount:
    """A Google user and what it can see."""

    email: str
    properties: list[FakeProperty] = field(default_factory=list)
    sites: list[FakeSite] = field(default_factory=list)

    def find_property(self, property_id: str) -> FakeProperty | None:
        return next((p for p in self.properties if p.property_id == property_id), None)

    def can_see_site(self, site_url: str) -> bool:
        return any(site.site_url == site_url for site in self.sites)


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the app sent to the consent page."""

    params: dict[str, str]

    @property
    def scopes(self) -> list[str]:
        return self.params.get("scope", "").split()


@dataclass(frozen=True)
class TokenExchange:
    """One call to the token endpoint and how it ended."""

    grant_type: str
    params: dict[str, str]
    status: int
    error: str | None
    account_email: str | None


@dataclass
class _Grant:
    """One consent: its refresh token and the access tokens minted from it."""

    account: FakeGoogleAccount
    scopes: list[str]
    refresh_token: str
    revoked: bool = False


@dataclass
class _Code:
    grant_account: FakeGoogleAccount
    scopes: list[str]
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float
    used: bool = False


@dataclass
class _AccessToken:
    grant: _Grant
    expires_at: float


@dataclass
class _Consent:
    email: str | None
    granted_scopes: list[str] | None
    error: str | None


class FakeGoogleAuth(LoopbackServer):
    """Google's OAuth server plus account discovery, on loopback. Records every request and token exchange."""

    def __init__(self, *, client_id: str = FAKE_CLIENT_ID, client_secret: str = FAKE_CLIENT_SECRET) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.accounts: dict[str, FakeGoogleAccount] = {}
        self.access_token_lifetime = 3599  # seconds, like Google: the `expires_in` of every token issued
        # What access tokens and codes expire by (epoch seconds). A test of second-long tokens shares one clock with
        # the service, so a token expires when the test moves time, not because a loaded machine was slow.
        self.clock: Callable[[], float] = time.time
        self.token_latency = 0.0  # seconds the token endpoint waits before answering (a slow Google)
        self._token_failures: list[tuple[int, str | None]] = []  # (status, OAuth error code or None for HTML)
        # Caps the page size of accountSummaries so tests can force several pages.
        self.account_summaries_page_cap = 200
        self.authorization_requests: list[AuthorizationRequest] = []
        self.exchanges: list[TokenExchange] = []
        self.revoked_tokens: list[str] = []
        self.requests: list[tuple[str, str]] = []  # (method, path_qs) of every request
        self._grants: list[_Grant] = []
        self._codes: dict[str, _Code] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._consent = _Consent(email=None, granted_scopes=None, error=None)

    # --- Test set-up -------------------------------------------------------------------------------------

    def add_account(
        self, email: str, *, properties: list[FakeProperty] | None = None, sites: list[FakeSite] | None = None
    ) -> FakeGoogleAccount:
        account = FakeGoogleAccount(email=email, properties=list(properties or []), sites=list(sites or []))
        self.accounts[email] = account
        return account

    def consent_as(self, email: str, *, granted_scopes: list[str] | None = None) -> None:
        """The next visit to the consent page is this account agreeing; `granted_scopes` unticks the others."""
        if email not in self.accounts:
            raise KeyError(f"add_account({email!r}) first")
        self._consent = _Consent(email=email, granted_scopes=granted_scopes, error=None)

    def deny_consent(self, error: str = "access_denied") -> None:
        """The next visit to the consent page is the person clicking Cancel."""
        self._consent = _Consent(email=None, granted_scopes=None, error=error)

    def issue_code(
        self,
        email: str,
        *,
        redirect_uri: str,
        code_challenge: str | None,
        scopes: list[str] | None = None,
        code_challenge_method: str = "S256",
    ) -> str:
        """Mint an authorization code directly, as if `email` had consented to `scopes` (both readonly by default)."""
        code = "4/0A" + secrets.token_urlsafe(24)
        self._codes[code] = _Code(
            grant_account=self.accounts[email],
            scopes=list(scopes) if scopes is not None else [ANALYTICS_READONLY, WEBMASTERS_READONLY],
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method if code_challenge else None,
            expires_at=self.clock() + 600,
        )
        return code

    def revoke_grants(self, email: str) -> None:
        """The person removed the app's access (or changed their password): every token of theirs stops working.

        The next refresh answers `invalid_grant`, as Google does.
        """
        for grant in self._grants:
            if grant.account.email == email:
                grant.revoked = True

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now past its expiry (the data routes answer 401)."""
        for token in self._access_tokens.values():
            token.expires_at = 0

    def fail_token_requests(self, *, status: int, error: str | None = None, times: int = 1) -> None:
        """The next `times` calls of the token endpoint answer `status`: with Google's OAuth error JSON for
        `error` (`invalid_grant`, `invalid_client`…), or with an HTML error page when `error` is None (a 5xx
        from a load balancer)."""
        self._token_failures.extend([(status, error)] * times)

    def refresh_exchanges(self) -> list[TokenExchange]:
        return [e for e in self.exchanges if e.grant_type == "refresh_token"]

    def code_exchanges(self) -> list[TokenExchange]:
        return [e for e in self.exchanges if e.grant_type == "authorization_code"]

    def refresh_tokens_issued(self) -> list[str]:
        return [grant.refresh_token for grant in self._grants]

    def access_tokens_issued(self) -> list[str]:
        return list(self._access_tokens)

    # --- Serving -----------------------------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Mount the OAuth and discovery routes on `app` (the combined fake Google server does this); `requests`
        records every request they receive, mounted here or there."""
        recorded = self._recorded
        app.router.add_get(AUTH_PATH, recorded(self._authorize))
        app.router.add_post(TOKEN_PATH, recorded(self._token))
        app.router.add_post(REVOKE_PATH, recorded(self._revoke))
        app.router.add_get("/v1beta/accountSummaries", recorded(self._account_summaries))
        app.router.add_get("/v1beta/properties/{property_id}", recorded(self._get_property))
        app.router.add_get("/webmasters/v3/sites", recorded(self._list_sites))

    def settings_overrides(self, base_url: str | None = None) -> dict[str, str]:
        """Settings fields that point Lookout's Google traffic here.

        `base_url` is the server the routes are mounted on (the combined `FakeGoogle`'s url); standalone, this
        fake's own url after `start()`.
        """
        root = (base_url or self.url).rstrip("/")
        return {
            "google_client_id": self.client_id,
            "google_client_secret": self.client_secret,
            "google_auth_url": root + AUTH_PATH,
            "google_token_url": root + TOKEN_PATH,
            "google_revoke_url": root + REVOKE_PATH,
            "ga4_admin_api_url": root,
            "ga4_data_api_url": root,
            "search_console_api_url": root,
        }

    def build_app(self) -> web.Application:
        app = web.Application()
        self.add_routes(app)
        return app

    def _recorded(
        self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def record(request: web.Request) -> web.StreamResponse:
            self.requests.append((request.method, request.path_qs))
            return await handler(request)

        return record

    # --- The access check for data routes ---------------------------------------------------------------

    def authenticate(self, request: web.Request, *, scopes: set[str]) -> FakeGoogleAccount:
        """The account behind the request's Bearer token; raises Google's 401/403 JSON errors otherwise."""
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        issued = self._access_tokens.get(token)
        if issued is None or issued.grant.revoked or issued.expires_at <= self.clock():
            raise _google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                "other valid authentication credential. See "
                "https://developers.google.com/identity/sign-in/web/devconsole-project.",
            )
        if not scopes & set(issued.grant.scopes):
            raise _google_error(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
        return issued.grant.account

    def authorize_property(self, request: web.Request, property_id: str) -> FakeGoogleAccount:
        """For a GA4 route on `properties/{property_id}`: the caller's account, or Google's 401/403."""
        account = self.authenticate(request, scopes=_ANALYTICS_SCOPES)
        if account.find_property(property_id) is None:
            raise _google_error(
                403,
                "PERMISSION_DENIED",
                "User does not have sufficient permissions for this property. To learn more about Property ID, "
                "see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
            )
        return account

    def authorize_site(self, request: web.Request, site_url: str) -> FakeGoogleAccount:
        """For a Search Console route on `sites/{site_url}`: the caller's account, or Google's 401/403."""
        account = self.authenticate(request, scopes=_WEBMASTERS_SCOPES)
        if not account.can_see_site(site_url):
            message = f"User does not have sufficient permission for site '{site_url}'. See also: https://support.google.com/webmasters/answer/2451999."
            body = {
                "error": {
                    "code": 403,
                    "message": message,
                    "errors": [{"message": message, "domain": "global", "reason": "forbidden"}],
                }
            }
            raise web.HTTPForbidden(text=json.dumps(body), content_type="application/json")
        return account

    # --- Handlers ------------------------------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        self.authorization_requests.append(AuthorizationRequest(params=params))
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri:
            return web.Response(status=400, text="Error 401: invalid_client", content_type="text/html")
        if params.get("response_type") != "code":
            return web.Response(status=400, text="Error 400: unsupported_response_type", content_type="text/html")
        consent = self._consent
        back: dict[str, str] = {}
        if consent.error is not None or consent.email is None:
            back["error"] = consent.error or "access_denied"
        else:
            requested = params.get("scope", "").split()
            granted = (
                requested if consent.granted_scopes is None else [s for s in requested if s in consent.granted_scopes]
            )
            code = self.issue_code(
                consent.email,
                redirect_uri=redirect_uri,
                code_challenge=params.get("code_challenge"),
                code_challenge_method=params.get("code_challenge_method", "plain"),
                scopes=granted,
            )
            back["code"] = code
            back["scope"] = " ".join(granted)
        if "state" in params:
            back["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        raise web.HTTPFound(redirect_uri + separator + urlencode(back))

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        params = {key: str(value) for key, value in form.items()}
        grant_type = params.get("grant_type", "")
        if self.token_latency:
            await asyncio.sleep(self.token_latency)
        if self._token_failures:
            status, error = self._token_failures.pop(0)
            if error is not None:
                return self._token_error(grant_type, params, status, error, "Scripted failure.")
            self._log(
                TokenExchange(grant_type=grant_type, params=params, status=status, error=None, account_email=None)
            )
            return web.Response(status=status, text="<html><body>Server Error</body></html>", content_type="text/html")
        client_id, client_secret = _client_credentials(request, form)
        if client_id != self.client_id or client_secret != self.client_secret:
            return self._token_error(grant_type, params, 401, "invalid_client", "Unauthorized")
        if grant_type == "authorization_code":
            return self._exchange_code(params)
        if grant_type == "refresh_token":
            return self._refresh(params)
        return self._token_error(grant_type, params, 400, "unsupported_grant_type", "Invalid grant_type: " + grant_type)

    def _exchange_code(self, params: dict[str, str]) -> web.Response:
        code = self._codes.get(params.get("code", ""))
        if code is None or code.used or code.expires_at <= self.clock():
            return self._token_error("authorization_code", params, 400, "invalid_grant", "Bad Request")
        code.used = True  # a code is single-use even when the exchange fails
        if params.get("redirect_uri") != code.redirect_uri:
            return self._token_error("authorization_code", params, 400, "redirect_uri_mismatch", "Bad Request")
        if code.code_challenge is not None:
            verifier = params.get("code_verifier")
            if not verifier:
                return self._token_error("authorization_code", params, 400, "invalid_grant", "Missing code verifier.")
            if code.code_challenge_method == "S256":
                digest = hashlib.sha256(verifier.encode("ascii")).digest()
                expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            else:
                expected = verifier
            if expected != code.code_challenge:
                return self._token_error("authorization_code", params, 400, "invalid_grant", "Invalid code verifier.")
        grant = _Grant(account=code.grant_account, scopes=code.scopes, refresh_token="1//0" + secrets.token_urlsafe(32))
        self._grants.append(grant)
        body = self._mint_access_token(grant)
        body["refresh_token"] = grant.refresh_token
        if "openid" in code.scopes:
            body["id_token"] = self._id_token(grant.account, with_email="email" in code.scopes)
        self._log(
            TokenExchange(
                grant_type="authorization_code",
                params=params,
                status=200,
                error=None,
                account_email=grant.account.email,
            )
        )
        return web.json_response(body)

    def _refresh(self, params: dict[str, str]) -> web.Response:
        token = params.get("refresh_token", "")
        grant = next((g for g in self._grants if g.refresh_token == token), None)
        if grant is None or grant.revoked:
            return self._token_error(
                "refresh_token", params, 400, "invalid_grant", "Token has been expired or revoked."
            )
        body = self._mint_access_token(grant)
        self._log(
            TokenExchange(
                grant_type="refresh_token", params=params, status=200, error=None, account_email=grant.account.email
            )
        )
        return web.json_response(body)

    def _mint_access_token(self, grant: _Grant) -> dict[str, object]:
        token = "ya29.a0" + secrets.token_urlsafe(32)
        self._access_tokens[token] = _AccessToken(grant=grant, expires_at=self.clock() + self.access_token_lifetime)
        return {
            "access_token": token,
            "expires_in": self.access_token_lifetime,
            "scope": " ".join(grant.scopes),
            "token_type": "Bearer",
        }

    def _id_token(self, account: FakeGoogleAccount, *, with_email: bool) -> str:
        """An OpenID Connect id_token shaped like Google's (header.claims.signature, base64url); the signature is
        not a real one, as nothing that reads it from the token endpoint needs to check it."""

        def part(value: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode("ascii")

        now = int(time.time())
        claims: dict[str, object] = {
            "iss": "https://accounts.google.com",
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": str(int(hashlib.sha256(account.email.encode()).hexdigest()[:16], 16)),
            "iat": now,
            "exp": now + 3600,
        }
        if with_email:
            claims.update(email=account.email, email_verified=True)
        signature = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
        return f"{part({'alg': 'RS256', 'kid': 'fake', 'typ': 'JWT'})}.{part(claims)}.{signature}"

    def _token_error(
        self, grant_type: str, params: dict[str, str], status: int, error: str, description: str
    ) -> web.Response:
        self._log(TokenExchange(grant_type=grant_type, params=params, status=status, error=error, account_email=None))
        return web.json_response({"error": error, "error_description": description}, status=status)

    def _log(self, exchange: TokenExchange) -> None:
        self.exchanges.append(exchange)

    async def _revoke(self, request: web.Request) -> web.Response:
        form = await request.post()
        token = str(form.get("token") or request.query.get("token", ""))
        grant = next((g for g in self._grants if g.refresh_token == token), None)
        if grant is None and token in self._access_tokens:
            grant = self._access_tokens[token].grant
        if grant is None or grant.revoked:
            return web.json_response(
                {"error": "invalid_token", "error_description": "Token expired or revoked"}, status=400
            )
        grant.revoked = True  # revoking any token of a grant revokes the whole grant
        self.revoked_tokens.append(token)
        return web.json_response({})

    async def _account_summaries(self, request: web.Request) -> web.Response:
        account = self.authenticate(request, scopes=_ANALYTICS_SCOPES)
        by_account: dict[str, list[FakeProperty]] = {}
        for prop in account.properties:
            by_account.setdefault(prop.account_id, []).append(prop)
        summaries = [
            {
                "name": f"accountSummaries/{account_id}",
                "account": f"accounts/{account_id}",
                "displayName": props[0].account_name,
                "propertySummaries": [
                    {
                        "property": f"properties/{p.property_id}",
                        "displayName": p.display_name,
                        "propertyType": "PROPERTY_TYPE_ORDINARY",
                        "parent": f"accounts/{account_id}",
                    }
                    for p in props
                ],
            }
            for account_id, props in by_account.items()
        ]
        try:
            size = int(request.query.get("pageSize", "50"))
            offset = (
                int(base64.urlsafe_b64decode(request.query["pageToken"]).decode())
                if "pageToken" in request.query
                else 0
            )
        except (ValueError, KeyError):
            raise _google_error(400, "INVALID_ARGUMENT", "Invalid page token.") from None
        size = max(1, min(size if size > 0 else 50, 200, self.account_summaries_page_cap))
        page = summaries[offset : offset + size]
        body: dict[str, object] = {"accountSummaries": page} if page else {}
        if offset + size < len(summaries):
            body["nextPageToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return web.json_response(body)

    async def _get_property(self, request: web.Request) -> web.Response:
        property_id = request.match_info["property_id"]
        account = self.authorize_property(request, property_id)
        prop = account.find_property(property_id)
        assert prop is not None
        return web.json_response(
            {
                "name": f"properties/{prop.property_id}",
                "propertyType": "PROPERTY_TYPE_ORDINARY",
                "parent": f"accounts/{prop.account_id}",
                "displayName": prop.display_name,
                "timeZone": prop.time_zone,
                "currencyCode": prop.currency_code,
                "serviceLevel": "GOOGLE_ANALYTICS_STANDARD",
                "account": f"accounts/{prop.account_id}",
            }
        )

    async def _list_sites(self, request: web.Request) -> web.Response:
        account = self.authenticate(request, scopes=_WEBMASTERS_SCOPES)
        entries = [{"siteUrl": s.site_url, "permissionLevel": s.permission_level} for s in account.sites]
        return web.json_response({"siteEntry": entries} if entries else {})


def _client_credentials(
    request: web.Request, form: MultiDictProxy[str | bytes | web.FileField] | Mapping[str, object]
) -> tuple[str, str]:
    """Client id and secret from the form body, or from HTTP Basic auth (both are allowed by RFC 6749)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        return user, password
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))


def _google_error(status: int, status_name: str, message: str) -> web.HTTPException:
    body = json.dumps({"error": {"code": status, "message": message, "status": status_name}})
    if status == 401:
        return web.HTTPUnauthorized(text=body, content_type="application/json")
    if status == 403:
        return web.HTTPForbidden(text=body, content_type="application/json")
    return web.HTTPBadRequest(text=body, content_type="application/json")
