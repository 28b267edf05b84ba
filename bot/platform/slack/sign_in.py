"""Sign in with Slack (OpenID Connect): who is at the browser, as Slack vouches for it.

Used to bind a Google consent link to the Slack user who asked for it. The id_token comes straight from Slack's
token endpoint (`openid.connect.token`, authenticated with the app's client secret, over TLS), so its claims are
checked (issuer, audience, nonce) and its signature need not be (OpenID Connect Core 3.1.3.7, item 6). Nor is
its `exp` held against this server's clock: it was minted just now for a single-use code, and a server whose clock
drifts should not lock people out of connecting Google.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from slack_sdk.errors import SlackApiError

from bot.platform.slack.clients import make_web_client

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

# Only who the person is: no email, no profile.
SCOPES: tuple[str, ...] = ("openid",)
USER_ID_CLAIM = "https://slack.com/user_id"
TEAM_ID_CLAIM = "https://slack.com/team_id"


class SignInFailed(Exception):
    """Slack did not confirm an identity (code refused, Slack unreachable, or an id_token that does not check out)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class SlackIdentity:
    user_id: str
    team_id: str


def authorize_url(services: Services, *, state: str, nonce: str, team_id: str) -> str:
    """Slack's Sign in with Slack page for this state; `team` takes the person straight to the right workspace."""
    settings = services.settings
    assert settings.slack_client_id is not None
    params = {
        "response_type": "code",
        "scope": " ".join(SCOPES),
        "client_id": settings.slack_client_id,
        "state": state,
        "nonce": nonce,
        "redirect_uri": settings.slack_openid_redirect_uri,
    }
    if team_id:
        params["team"] = team_id
    return f"{settings.slack_openid_authorize_url}?{urlencode(params)}"


async def identify(services: Services, *, code: str, nonce: str) -> SlackIdentity:
    """Trade the code at `openid.connect.token` and read who signed in from the checked id_token."""
    settings = services.settings
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    client = make_web_client(services=services)
    try:
        response = await client.openid_connect_token(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            code=code,
            redirect_uri=settings.slack_openid_redirect_uri,
            grant_type="authorization_code",
        )
    except SlackApiError as error:
        raise SignInFailed(str(error.response.get("error") or "token_exchange_failed")) from None
    except Exception as error:  # unreachable, timed out: say so, never the exception's text
        raise SignInFailed(f"unreachable ({type(error).__name__})") from None
    claims = _claims(str(response.get("id_token") or ""))
    expected = {"iss": settings.slack_openid_issuer, "nonce": nonce}
    for name, value in expected.items():
        if claims.get(name) != value:
            raise SignInFailed(f"id_token {name} does not match")
    audience = claims.get("aud")
    if settings.slack_client_id not in (audience if isinstance(audience, list) else [audience]):
        raise SignInFailed("id_token aud does not match")
    user_id, team_id = claims.get(USER_ID_CLAIM), claims.get(TEAM_ID_CLAIM)
    if not isinstance(user_id, str) or not user_id or not isinstance(team_id, str):
        raise SignInFailed("id_token without the Slack user and team claims")
    return SlackIdentity(user_id=user_id, team_id=team_id)


def _claims(id_token: str) -> dict[str, Any]:
    segments = id_token.split(".")
    if len(segments) != 3:
        raise SignInFailed("id_token is not a JWT")
    payload = segments[1]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        raise SignInFailed("id_token payload unreadable") from None
    if not isinstance(decoded, dict):
        raise SignInFailed("id_token payload unreadable")
    return decoded
