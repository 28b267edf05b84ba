"""The "Create rule" button under an answer that proposed an alert rule: the one way a model's proposal becomes a
setting. The access middleware has already checked that the person may change settings (and recorded the change);
here the rule is checked again as if typed (`/lookout rule`), since a button's value is only a suggestion."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.slack.workspaces import resolve_owner
from bot.slack.commands.rules import problem_text
from bot.slack.commands.subscriptions import ChannelRef, CommandProblem, check_can_post, parse_channel, resolve_channel
from bot.subscriptions import rules
from bot.text import google as google_messages
from bot.text import rules as messages
from tools.base import ToolUserError
from tools.google.errors import GoogleApiError
from tools.rules.propose import RuleProposal
from tools.rules.spec import RuleProblem, checked

if TYPE_CHECKING:
    from bot.platform.services import Services
    from storage.tables.core import Workspace

log = logging.getLogger(__name__)


def register(app: AsyncApp, *, services: Services) -> None:
    @app.action(messages.ACTION_CREATE_RULE)
    async def create_rule(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with services.background.track():
            await _create(services, body, context, client)


async def _create(services: Services, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
    workspace = await resolve_owner(services=services, context=context)
    actions = body.get("actions") or []
    user_id = str((body.get("user") or {}).get("id", ""))
    asked_in = str((body.get("channel") or {}).get("id", ""))
    if workspace is None or workspace.id is None or not actions or not user_id or not asked_in:
        return
    proposal = RuleProposal.from_button(str(actions[0].get("value", "")))
    if proposal is None:
        await _tell(client, channel_id=asked_in, user_id=user_id, text=messages.PROPOSAL_UNREADABLE)
        return
    try:
        channel_id = await _channel(client, proposal.channel, asked_in=asked_in)
        await check_can_post(client, channel_id)
        verified = await rules.check_rule(
            services=services, workspace_id=workspace.id, channel_id=channel_id, spec=checked(proposal.spec())
        )
    except CommandProblem as problem:
        await _tell(client, channel_id=asked_in, user_id=user_id, text=str(problem))
        return
    except RuleProblem as problem:
        await _tell(client, channel_id=asked_in, user_id=user_id, text=problem_text(problem))
        return
    except ToolUserError as problem:
        text = google_messages.problem_text(problem.message_key, workspace_name=workspace.name)
        await _tell(client, channel_id=asked_in, user_id=user_id, text=text)
        return
    except GoogleApiError:
        await _tell(client, channel_id=asked_in, user_id=user_id, text=messages.GOOGLE_UNAVAILABLE)
        return
    stored = await rules.save_rule(
        services=services, workspace_id=workspace.id, channel_id=channel_id, checked=verified, user_id=user_id
    )
    assert stored is not None
    note = messages.created_from_proposal(
        user_id=user_id, rule_id=stored.id, channel_id=channel_id, description=rules.describe(verified.spec)
    )
    await _mark_created(client, body, workspace, note=note)


async def _channel(client: AsyncWebClient, proposed: str | None, *, asked_in: str) -> str:
    if not proposed:
        return asked_in
    ref = parse_channel(proposed) or ChannelRef(id=None, name=proposed.lstrip("#"))
    return await resolve_channel(client, ref)


async def _mark_created(client: AsyncWebClient, body: dict[str, Any], workspace: Workspace, *, note: str) -> None:
    """Replace the clicked proposal's block by who created the rule, so the button is not pressed twice."""
    message = body.get("message") or {}
    channel_id = str((body.get("channel") or {}).get("id", ""))
    clicked = str(((body.get("actions") or [{}])[0]).get("block_id", ""))
    blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
        if block.get("block_id") == clicked
        else block
        for block in message.get("blocks") or []
    ]
    if not blocks or not message.get("ts"):
        await client.chat_postMessage(channel=channel_id, text=note, thread_ts=message.get("thread_ts"))
        return
    try:
        await client.chat_update(channel=channel_id, ts=message["ts"], text=message.get("text") or note, blocks=blocks)
    except SlackApiError as error:
        log.warning("could not update the proposal for workspace %s: %s", workspace.id, error.response.get("error"))


async def _tell(client: AsyncWebClient, *, channel_id: str, user_id: str, text: str) -> None:
    try:
        await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except SlackApiError as error:
        log.warning("could not answer the Create rule click: %s", error.response.get("error"))
