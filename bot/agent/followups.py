"""Next questions in one click: two or three buttons under an answer ("By channel", "Same period last year",
"Chart it"), each drawn from the answer's own tool calls (their metrics and exact dates), that ask the follow-up in
the thread through the normal agent path.

The question a button asks is in its value (Slack signs what comes back, and it is no more than the person could
type); a click is claimed once per button (a double click, or two people, get one answer) and needs the same
`ASK` capability as a mention (`bot.access.policy`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.incoming import IncomingMessage, MessageHandler
from bot.platform.slack.workspaces import owner_of, resolve_owner
from bot.platform.slack.writes import post_once
from bot.text import agent as messages
from bot.text import plan as words
from bot.text.escape import inert

if TYPE_CHECKING:
    from bot.agent.events import ToolRun
    from bot.platform.services import Services

log = logging.getLogger(__name__)

FOLLOW_UPS_BLOCK = "agent_follow_ups"
MAX_QUESTION = 500  # well under a button value's 2,000 characters
_ACTION = re.compile(rf"^{re.escape(messages.ACTION_FOLLOW_UP)}_\d$")
_CHANNEL_FIELDS = frozenset({"sessionDefaultChannelGroup", "sessionPrimaryChannelGroup"})
_GA4_TOOLS = frozenset({"ga4_run_report", "ga4_compare_periods", "explain_change"})
_GSC_TOOLS = frozenset({"gsc_search_analytics", "gsc_compare_periods"})


@dataclass(frozen=True)
class FollowUp:
    label: str
    question: str


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def dates_answered(runs: Sequence[ToolRun]) -> list[tuple[date, date]]:
    """The exact date ranges the successful runs answered for, each once, in order (from their results, so relative
    dates are already resolved). Follow-ups and the answer's report links both read them."""
    found: list[tuple[date, date]] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            start, end = value.get("start_date"), value.get("end_date")
            if isinstance(start, date) and isinstance(end, date) and (start, end) not in found:
                found.append((start, end))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for run in runs:
        if not run.outcome.is_error and run.outcome.result is not None:
            walk(run.outcome.result.model_dump())
    return found


def _last_year(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28) if (day.month, day.day) == (2, 29) else day.day)


def suggest(runs: Sequence[ToolRun]) -> list[FollowUp]:
    """Up to three follow-ups for an answer made from `runs` (none when no data was read)."""
    ok = [run for run in runs if not run.outcome.is_error]
    ga4 = next((run for run in ok if run.call.name in _GA4_TOOLS and dates_answered([run])), None)
    gsc = next((run for run in ok if run.call.name in _GSC_TOOLS and dates_answered([run])), None)
    base = ga4 or gsc
    if base is None:
        return []
    args = base.call.arguments_object() or {}
    if base is ga4:
        metrics = _strings(args.get("metrics")) or (
            [str(args["metric"])] if isinstance(args.get("metric"), str) else []
        )
        what = words.listing([words.field_words(name) for name in metrics]) or "the numbers"
        dimensions = set(_strings(args.get("dimensions")))
        by = None if dimensions & _CHANNEL_FIELDS else "channel"
    else:
        what = messages.SEARCH_CONSOLE_CLICKS
        dimensions = set(_strings(args.get("dimensions"))) | {str(args.get("dimension", ""))}
        by = "page" if "page" not in dimensions else "query" if "query" not in dimensions else None
    start, end = dates_answered([base])[0]
    dates = words.range_label(start, end, year=True)
    found: list[FollowUp] = []
    if by is not None:
        question = messages.FOLLOW_UP_BY_QUESTION.format(metrics=what, dates=dates, dimension=by)
        found.append(FollowUp(messages.FOLLOW_UP_BY.format(dimension=by), question))
    last_year = words.range_label(_last_year(start), _last_year(end), year=True)
    question = messages.FOLLOW_UP_LAST_YEAR_QUESTION.format(metrics=what, dates=dates, last_year=last_year)
    found.append(FollowUp(messages.FOLLOW_UP_LAST_YEAR, question))
    if end > start and not any(run.call.name == "chart" for run in ok):
        found.append(
            FollowUp(messages.FOLLOW_UP_CHART, messages.FOLLOW_UP_CHART_QUESTION.format(metrics=what, dates=dates))
        )
    return [FollowUp(item.label, item.question[:MAX_QUESTION]) for item in found[: messages.MAX_FOLLOW_UPS]]


def follow_ups_block(follow_ups: Sequence[FollowUp]) -> dict[str, Any] | None:
    if not follow_ups:
        return None
    return {
        "type": "actions",
        "block_id": FOLLOW_UPS_BLOCK,
        "elements": [
            {
                "type": "button",
                "action_id": messages.follow_up_action(index),
                "text": {"type": "plain_text", "text": item.label[:75], "emoji": True},
                "value": item.question,
            }
            for index, item in enumerate(follow_ups)
        ],
    }


def register(app: AsyncApp, *, services: Services, handler: MessageHandler) -> None:
    @app.action(_ACTION)
    async def follow_up(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await ack()
        async with services.background.track():
            await ask_follow_up(services=services, body=body, client=client, context=context, handler=handler)


async def ask_follow_up(
    *,
    services: Services,
    body: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    handler: MessageHandler,
) -> None:
    """Post the clicked question in the answer's thread and answer it there, once per button."""
    action = (body.get("actions") or [{}])[0]
    question = " ".join(str(action.get("value") or "").split())[:MAX_QUESTION]
    user = body.get("user") or {}
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel_id = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    message_ts = str(message.get("ts") or container.get("message_ts") or "")
    thread_ts = str(message.get("thread_ts") or message_ts)
    user_id = str(user.get("id") or "")
    if not (question and channel_id and message_ts and user_id):
        return
    workspace = await resolve_owner(services=services, context=context)
    if workspace is None or workspace.id is None:
        return
    owner = owner_of(context).label
    key = f"followup:{owner}:{channel_id}:{message_ts}:{action.get('action_id', '')}"
    if key not in await services.dedupe.claim(database=services.database, keys={key: owner}):
        log.info("a follow-up button was clicked again; answered once already")
        return
    asked_ts = await post_once(
        client, channel_id=channel_id, thread_ts=thread_ts, text=messages.follow_up_asked(question=inert(question))
    )
    incoming = IncomingMessage(
        workspace=workspace,
        channel_id=channel_id,
        user_id=user_id,
        text=question,
        ts=asked_ts,
        thread_ts=thread_ts,
        is_dm=channel_id.startswith("D"),
        bot_user_id=None,
        team_id=str(user.get("team_id") or workspace.team_id),
        enterprise_id=workspace.enterprise_id or None,
    )
    await handler(message=incoming, client=client)
