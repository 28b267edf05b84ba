"""`GET /google/oauth/callback`: where Google sends the person back after the consent screen."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot.google import oauth
from bot.google.choices import GoogleChoices
from bot.google.connection import GoogleConnectionService, google_connections
from bot.google.consent_link import (
    SIGN_IN_CALLBACK_PATH,
    consent_link_start,
    slack_sign_in_callback,
    unusable_state_page,
)
from bot.google.problems import GoogleProblem, GoogleUnavailable
from bot.text import google as messages
from bot.text import google_pages as page_messages
from bot.text.pages import PAGE_HEADERS
from storage.repos import google as repo
from storage.repos.workspaces import get_workspace_by_id

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/google/oauth/callback"
_MAX_STATE_LENGTH = 128


def add_google_routes(
    app: web.Application, *, services: Services, connections: GoogleConnectionService | None = None
) -> None:
    """Mount the Google OAuth callback on the bot's web app."""
    service = connections or google_connections(services)

    async def callback(request: web.Request) -> web.Response:
        return await handle_callback(services, request, connections=service)

    async def start(request: web.Request) -> web.Response:
        return await consent_link_start(request, services)

    async def signed_in(request: web.Request) -> web.Response:
        return await slack_sign_in_callback(request, services)

    app.router.add_get(CALLBACK_PATH, callback)
    app.router.add_get(oauth.START_PATH, start)
    app.router.add_get(SIGN_IN_CALLBACK_PATH, signed_in)


async def google_oauth_callback(request: web.Request, services: Services) -> web.Response:
    """The route handler `bot.slack.web` mounts at `GET /google/oauth/callback`."""
    return await handle_callback(services, request, connections=google_connections(services))


def _page(page: page_messages.Page, *, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        text=page.render(),
        content_type="text/html",
        headers=dict(PAGE_HEADERS),
    )


@dataclass(frozen=True, kw_only=True)
class _Claim:
    """Whose consent this callback finishes: the workspace, the person, and the PKCE verifier kept for it."""

    workspace_id: int
    user_id: str
    team_id: str | None  # the workspace "Back to Slack" opens
    code_verifier_enc: str

    def page(self, content: page_messages.Page, *, status: int = 200) -> web.Response:
        return _page(content.for_team(self.team_id), status=status)


async def handle_callback(
    services: Services, request: web.Request, *, connections: GoogleConnectionService
) -> web.Response:
    """Google's redirect after its consent screen: claim the state (once), trade the code for tokens, store the
    connection, tell the person in Slack, and show a page saying what happened."""
    query = request.query
    state = query.get("state", "")
    if not services.settings.google_configured:
        return _page(page_messages.PAGE_NOT_CONFIGURED, status=503)
    if not state or len(state) > _MAX_STATE_LENGTH:
        return _page(page_messages.PAGE_INVALID_STATE, status=400)
    claim = await _claim(services, state)
    if claim is None:
        logger.info("Google OAuth callback with an unknown, expired or reused state: nothing exchanged")
        return await unusable_state_page(services, state)
    if "error" in query:
        logger.info(
            "Google consent for workspace %s ended with error=%s", claim.workspace_id, query.get("error", "")[:64]
        )
        await connections.send_dm(
            workspace_id=claim.workspace_id, user_id=claim.user_id, text=messages.consent_denied_dm()
        )
        return claim.page(page_messages.PAGE_DENIED)
    tokens = await _exchange(services, claim, code=query.get("code", ""))
    if isinstance(tokens, web.Response):
        return tokens
    return await _connect(services, connections, claim, tokens)


async def _claim(services: Services, state: str) -> _Claim | None:
    """The consent `state` stands for, used up now (a state works once); None when unknown, expired or used."""
    async with services.database.session() as session:
        claimed = await repo.consume_oauth_state(session=session, state=state, now=services.clock())
    if claimed is None:
        return None
    async with services.database.session() as session:
        workspace = await get_workspace_by_id(session=session, workspace_id=claimed.workspace_id)
    return _Claim(
        workspace_id=claimed.workspace_id,
        user_id=claimed.user_id,
        team_id=workspace.team_id if workspace is not None else None,
        code_verifier_enc=claimed.code_verifier_enc,
    )


async def _exchange(services: Services, claim: _Claim, *, code: str) -> oauth.TokenResponse | web.Response:
    """Google's tokens for `code`, or the page saying the sign-in was not confirmed."""
    if not code:
        return claim.page(page_messages.PAGE_EXCHANGE_FAILED, status=400)
    try:
        tokens = await oauth.exchange_code(
            services, code=code, code_verifier=services.cipher.decrypt(claim.code_verifier_enc)
        )
    except oauth.CodeExchangeFailed:
        return claim.page(page_messages.PAGE_EXCHANGE_FAILED, status=400)
    except GoogleUnavailable:
        return claim.page(page_messages.PAGE_EXCHANGE_FAILED, status=502)
    if tokens.refresh_token is None:
        # Without a refresh token the connection would die within the hour; prompt=consent should prevent this.
        logger.warning("Google returned no refresh token for workspace %s", claim.workspace_id)
        return claim.page(page_messages.PAGE_EXCHANGE_FAILED, status=400)
    return tokens


async def _connect(
    services: Services, connections: GoogleConnectionService, claim: _Claim, tokens: oauth.TokenResponse
) -> web.Response:
    """Keep the connection (unless no scope Lookout needs was granted), tell the person, offer the choices."""
    assert tokens.refresh_token is not None
    workspace_id, user_id, email = claim.workspace_id, claim.user_id, tokens.email
    missing = [scope for scope in oauth.SCOPES if scope not in tokens.granted_scopes]
    if len(missing) == len(oauth.SCOPES):
        await oauth.revoke(services, token=tokens.refresh_token)  # a grant we cannot use is not kept anywhere
        await connections.send_dm(
            workspace_id=workspace_id, user_id=user_id, text=messages.scopes_missing_dm(missing, connected=False)
        )
        return claim.page(page_messages.page_scopes_missing(missing, connected=False, email=email))
    await _save_connection(services, claim, tokens)
    text = messages.scopes_missing_dm(missing, connected=True) if missing else messages.connected_dm(email=email)
    await connections.send_dm(workspace_id=workspace_id, user_id=user_id, text=text)
    await _offer_choices(services, connections, workspace_id=workspace_id, user_id=user_id)
    if missing:
        return claim.page(page_messages.page_scopes_missing(missing, connected=True, email=email))
    return claim.page(await _connected_page(services, workspace_id=workspace_id, email=email))


async def _save_connection(services: Services, claim: _Claim, tokens: oauth.TokenResponse) -> None:
    assert tokens.refresh_token is not None
    granted = tokens.granted_scopes
    now = services.clock()
    async with services.database.session() as session:
        await repo.save_connection(
            session=session,
            workspace_id=claim.workspace_id,
            refresh_token_enc=services.cipher.encrypt(tokens.refresh_token),
            access_token_enc=services.cipher.encrypt(tokens.access_token),
            access_token_expires_at=now + _lifetime(tokens),
            access_token_issued_at=now,
            scopes=" ".join(granted),
            connected_by_user_id=claim.user_id,
            connected_at=now,
            google_email=tokens.email,
        )
    logger.info(
        "Google connected for workspace %s by %s (scopes: %s)", claim.workspace_id, claim.user_id, " ".join(granted)
    )


async def _connected_page(services: Services, *, workspace_id: int, email: str | None) -> page_messages.Page:
    """ "Google is connected", naming the account and the property and site chosen for the workspace (if any yet)."""
    async with services.database.session() as session:
        chosen = await repo.get_choice(session=session, workspace_id=workspace_id, channel_id=repo.DEFAULT_CHANNEL)
    property_label = None
    if chosen is not None and chosen.property_id:
        name = f"{chosen.property_name} " if chosen.property_name else ""
        property_label = f"{name}(properties/{chosen.property_id})"
    site_url = chosen.site_url if chosen is not None else None
    return page_messages.page_connected(email=email, property_label=property_label, site_url=site_url)


async def _offer_choices(
    services: Services, connections: GoogleConnectionService, *, workspace_id: int, user_id: str
) -> None:
    """Discovery failing must not turn a successful connection into an error page: log it, the person can retry."""
    try:
        await GoogleChoices(services, connections).offer_choices(workspace_id=workspace_id, user_id=user_id)
    except GoogleProblem as problem:
        logger.warning("Listing Google properties for workspace %s failed: %s", workspace_id, problem.message_key)
    except Exception:
        logger.exception("Listing Google properties for workspace %s failed", workspace_id)


def _lifetime(tokens: oauth.TokenResponse) -> timedelta:
    return timedelta(seconds=max(0, tokens.expires_in))
