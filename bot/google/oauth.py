"""The Google OAuth web flow: an authorization URL with PKCE and a stored single-use state, the code exchange, revocation."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import aiohttp
from pydantic import BaseModel, ValidationError

from bot.google.problems import (
    ConsentCannotBeBound,
    GoogleClientRejected,
    GoogleNotConfigured,
    GoogleProblem,
    GoogleUnavailable,
    ReconnectNeeded,
)
from bot.platform.services import Services
from storage.repos import google as repo

logger = logging.getLogger(__name__)

ANALYTICS_READONLY = "https://www.googleapis.com/auth/analytics.readonly"
WEBMASTERS_READONLY = "https://www.googleapis.com/auth/webmasters.readonly"
SCOPES: tuple[str, ...] = (ANALYTICS_READONLY, WEBMASTERS_READONLY)
# Asked for as well, so Google's answer names the account (the id_token's `email`): the pages, the DM and App Home
# say which account is connected. Not required: a connection without them works, it just has no name.
IDENTITY_SCOPES: tuple[str, ...] = ("openid", "email")
STATE_LIFETIME = timedelta(minutes=10)
_TIMEOUT = aiohttp.ClientTimeout(total=30)
# The token endpoint's OAuth error codes that mean this server's client id/secret is wrong, not the person's grant.
_CLIENT_ERRORS = frozenset({"invalid_client", "unauthorized_client"})


class TokenResponse(BaseModel):
    """Google's answer to a successful authorization_code exchange."""

    access_token: str
    expires_in: int = 3599
    refresh_token: str | None = None
    scope: str = ""
    token_type: str = "Bearer"
    id_token: str | None = None

    @property
    def granted_scopes(self) -> list[str]:
        return self.scope.split()

    @property
    def email(self) -> str | None:
        """The Google account's address from the id_token, when the identity scopes were granted.

        The token came straight from Google's token endpoint over TLS, so its claims are read without checking the
        signature (OpenID Connect Core 3.1.3.7); it only labels the connection, it grants nothing.
        """
        if not self.id_token or self.id_token.count(".") != 2:
            return None
        payload = self.id_token.split(".")[1]
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, UnicodeDecodeError):
            return None
        email = claims.get("email") if isinstance(claims, dict) else None
        return email[:320] if isinstance(email, str) and "@" in email else None

    def __repr__(self) -> str:  # tokens must never reach a log line through a repr
        return f"TokenResponse(scope={self.scope!r}, expires_in={self.expires_in})"

    __str__ = __repr__


class CodeExchangeFailed(Exception):
    """Google refused the code (expired, reused, wrong verifier); `error` is Google's OAuth error code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True, kw_only=True)
class Pkce:
    verifier: str
    challenge: str


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: the verifier's SHA-256, base64url without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_pkce() -> Pkce:
    """A 86-character verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)  # 86 chars of [A-Za-z0-9_-], inside the allowed 43-128
    return Pkce(verifier=verifier, challenge=pkce_challenge(verifier))


def _client(services: Services) -> tuple[str, str]:
    settings = services.settings
    if not settings.google_client_id or settings.google_client_secret is None:
        raise GoogleNotConfigured
    return settings.google_client_id, settings.google_client_secret.get_secret_value()


START_PATH = "/google/oauth/start"


async def start_authorization(services: Services, *, workspace_id: int, user_id: str, channel_id: str = "") -> str:
    """Store a fresh state for this workspace and person, and return the consent link to hand them.

    The link leads to Lookout (`/google/oauth/start`), which first has the person sign in with Slack and sends only
    the person who asked on to Google's consent page (`bot.google.consent_link`). Raises `ConsentCannotBeBound`
    when Sign in with Slack is not configured, so no link that anyone could use is ever handed out.
    """
    _client(services)
    if not services.settings.slack_sign_in_configured:
        raise ConsentCannotBeBound
    verifier = new_pkce().verifier  # its challenge goes to Google only after the person signed in with Slack
    state = secrets.token_urlsafe(32)
    now = services.clock()
    async with services.database.session() as session:
        await repo.create_oauth_state(
            session=session,
            workspace_id=workspace_id,
            state=state,
            user_id=user_id,
            channel_id=channel_id,
            code_verifier_enc=services.cipher.encrypt(verifier),
            created_at=now,
            expires_at=now + STATE_LIFETIME,
            nonce=secrets.token_urlsafe(24),
        )
        # Old states can never be used again; clearing them here keeps the table small without a job.
        await repo.delete_stale_oauth_states(session=session, before=now - STATE_LIFETIME)
    return f"{services.settings.base_url}{START_PATH}?{urlencode({'state': state})}"


def consent_url(services: Services, *, state: str, code_verifier: str) -> str:
    """Google's consent page for a verified state (the PKCE challenge is derived from the stored verifier)."""
    client_id, _ = _client(services)
    params = {
        "client_id": client_id,
        "redirect_uri": services.settings.google_redirect_uri,
        "response_type": "code",
        "scope": " ".join((*SCOPES, *IDENTITY_SCOPES)),
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
        "code_challenge": pkce_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in services.settings.google_auth_url else "?"
    return services.settings.google_auth_url + separator + urlencode(params)


async def exchange_code(services: Services, *, code: str, code_verifier: str) -> TokenResponse:
    """Trade the authorization code (and the PKCE verifier) for tokens at GOOGLE_TOKEN_URL."""
    client_id, client_secret = _client(services)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": code_verifier,
        "redirect_uri": services.settings.google_redirect_uri,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    try:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as http,
            http.post(
                services.settings.google_token_url, data=form, headers={"Accept": "application/json"}
            ) as response,
        ):
            status = response.status
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        logger.warning("Google token endpoint unreachable during code exchange: %s", type(error).__name__)
        raise GoogleUnavailable from None
    if status != 200:
        error_code = str(body.get("error", "unknown_error")) if isinstance(body, dict) else "unknown_error"
        logger.warning("Google refused the authorization code: HTTP %s %s", status, error_code)
        raise CodeExchangeFailed(error_code)
    try:
        return TokenResponse.model_validate(body)
    except ValidationError:
        logger.warning("Google's token response had an unexpected shape")
        raise CodeExchangeFailed("invalid_response") from None


async def refresh_access_token(services: Services, *, refresh_token: str) -> TokenResponse:
    """Trade the refresh token for a new access token at GOOGLE_TOKEN_URL.

    Every failure comes out classified: `ReconnectNeeded` only when Google answered `invalid_grant`;
    `GoogleClientRejected` for this server's OAuth client (invalid_client, unauthorized_client, other 4xx);
    `GoogleUnavailable` for 5xx, 429, timeouts, refused connections and answers that are not a token.
    The error's `detail` says what Google answered (status and OAuth error code, never a token).
    """
    client_id, client_secret = _client(services)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    try:
        async with (
            # A refresh holds up a question: past the timeout, "try again shortly" beats keeping the person waiting.
            aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=services.settings.google_timeout_seconds)
            ) as http,
            http.post(
                services.settings.google_token_url, data=form, headers={"Accept": "application/json"}
            ) as response,
        ):
            status = response.status
            text = await response.text()
    except (aiohttp.ClientError, TimeoutError) as error:
        raise GoogleUnavailable(f"token endpoint unreachable: {type(error).__name__}") from None
    return _token_or_problem(status, text)


def _token_or_problem(status: int, text: str) -> TokenResponse:
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    code = str(body.get("error", "")) if isinstance(body, dict) else ""
    problem: GoogleProblem
    if status == 200:
        try:
            return TokenResponse.model_validate(body)
        except ValidationError:
            problem = GoogleUnavailable("token endpoint answered 200 without a usable token")
    elif status == 429 or status >= 500:
        problem = GoogleUnavailable(f"token endpoint answered HTTP {status} {code}".rstrip())
    elif code == "invalid_grant":
        problem = ReconnectNeeded(f"token endpoint answered HTTP {status} invalid_grant")
    elif code in _CLIENT_ERRORS or 400 <= status < 500:
        # Any other refusal of a well-formed refresh is about how this server asks (client, URL), not the grant.
        problem = GoogleClientRejected(f"token endpoint answered HTTP {status} {code or 'without an OAuth error'}")
    else:
        problem = GoogleUnavailable(f"token endpoint answered HTTP {status}")
    raise problem


async def revoke(services: Services, *, token: str) -> bool:
    """Ask Google to revoke the grant behind `token`; False when Google says it is already gone or is unreachable."""
    try:
        async with (
            aiohttp.ClientSession(timeout=_TIMEOUT) as http,
            http.post(
                services.settings.google_revoke_url,
                data={"token": token},
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ) as response,
        ):
            ok = response.status == 200
            if not ok:
                logger.info("Google revoke answered HTTP %s (the grant was probably already revoked)", response.status)
            return ok
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("Google revoke endpoint unreachable: %s", type(error).__name__)
        return False
