"""The consent link handed out by `/lookout connect`: it works only for the Slack user who asked for it.

`GET /google/oauth/start?state=…` sends the browser to Sign in with Slack; `GET /slack/openid/callback` learns
who signed in. The person who asked goes on to Google's consent page with a fresh state that only their browser
has seen; anyone else (a forwarded link) gets a page saying the link is someone else's, and nothing is connected.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from aiohttp import web

from bot.google import oauth
from bot.platform.slack import sign_in
from bot.text import google_pages as page_messages
from bot.text.pages import PAGE_HEADERS
from storage.repos import google as repo
from storage.repos.workspaces import get_workspace_by_id

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

SIGN_IN_CALLBACK_PATH = "/slack/openid/callback"
_MAX_STATE_LENGTH = 128


def _page(page: page_messages.Page, *, status: int = 200) -> web.Response:
    return web.Response(status=status, text=page.render(), content_type="text/html", headers=dict(PAGE_HEADERS))


async def unusable_state_page(services: Services, state: str) -> web.Response:
    """A link or callback state that can't be used: "already used" when it was, else "expired"; either way with
    "Back to Slack" opening the workspace it was made for, when it is still known."""
    row = None
    workspace = None
    if state and len(state) <= _MAX_STATE_LENGTH:
        async with services.database.session() as session:
            row = await repo.find_any_state(session=session, state=state)
            if row is not None:
                workspace = await get_workspace_by_id(session=session, workspace_id=row.workspace_id)
    team_id = workspace.team_id if workspace is not None else None
    if row is not None and row.used_at is not None:
        return _page(page_messages.PAGE_ALREADY_USED.for_team(team_id), status=400)
    return _page(page_messages.PAGE_INVALID_STATE.for_team(team_id), status=400)


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={**PAGE_HEADERS, "Location": location})


async def consent_link_start(request: web.Request, services: Services) -> web.Response:
    """The link itself: check it is still good, then ask Slack who is opening it."""
    state = request.query.get("state", "")
    if not services.settings.google_configured:
        return _page(page_messages.PAGE_NOT_CONFIGURED, status=503)
    if not services.settings.slack_sign_in_configured:
        return _page(page_messages.PAGE_SIGN_IN_FAILED, status=503)
    if not state or len(state) > _MAX_STATE_LENGTH:
        return _page(page_messages.PAGE_INVALID_STATE, status=400)
    async with services.database.session() as session:
        link = await repo.find_link_state(session=session, state=state, now=services.clock())
        workspace = None if link is None else await get_workspace_by_id(session=session, workspace_id=link.workspace_id)
    if link is None or workspace is None:
        return await unusable_state_page(services, state)
    return _redirect(sign_in.authorize_url(services, state=state, nonce=link.nonce, team_id=workspace.team_id))


async def slack_sign_in_callback(request: web.Request, services: Services) -> web.Response:
    """Slack says who opened the link: the person who asked continues to Google; anyone else stops here."""
    query = request.query
    state = query.get("state", "")
    if not state or len(state) > _MAX_STATE_LENGTH or not services.settings.slack_sign_in_configured:
        return _page(page_messages.PAGE_INVALID_STATE, status=400)
    now = services.clock()
    async with services.database.session() as session:
        link = await repo.find_link_state(session=session, state=state, now=now)
        workspace = None if link is None else await get_workspace_by_id(session=session, workspace_id=link.workspace_id)
    if link is None or workspace is None:
        return await unusable_state_page(services, state)
    team_id = workspace.team_id
    if "error" in query or not query.get("code"):
        return _page(page_messages.PAGE_SIGN_IN_CANCELLED.for_team(team_id))
    try:
        identity = await sign_in.identify(services, code=query["code"], nonce=link.nonce)
    except sign_in.SignInFailed as failure:
        logger.warning(
            "Sign in with Slack failed for a consent link (workspace %s): %s", link.workspace_id, failure.reason
        )
        status = 502 if failure.reason.startswith("unreachable") else 400
        return _page(page_messages.PAGE_SIGN_IN_FAILED.for_team(team_id), status=status)
    same_team = not workspace.team_id or identity.team_id == workspace.team_id
    if identity.user_id != link.user_id or not same_team:
        # The link stays good for its person until it expires; nothing about it changes here.
        logger.info("consent link for workspace %s opened by another Slack user: nothing connected", link.workspace_id)
        return _page(page_messages.PAGE_WRONG_PERSON.for_team(team_id), status=403)
    verified_state = secrets.token_urlsafe(32)
    async with services.database.session() as session:
        verified = await repo.verify_link_state(
            session=session, state=state, new_state=verified_state, now=now, expires_at=now + oauth.STATE_LIFETIME
        )
    if verified is None:  # two sign-ins with the same link raced, and the other one won
        return await unusable_state_page(services, state)
    verifier = services.cipher.decrypt(verified.code_verifier_enc)
    return _redirect(oauth.consent_url(services, state=verified_state, code_verifier=verifier))
