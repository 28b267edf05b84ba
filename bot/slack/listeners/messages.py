"""Mentions and DMs: drop bots and duplicates, then hand the message to the handler the app was built with.

Slack wants its ack at once, so the answer runs after the HTTP answer went out: `MessageIntake` (a bolt middleware, in
place of listeners) queues the event (`bot.platform.background`) with the workspace that owns it and acks, and the
answer starts from a small `Delivery`.
Dedupe claims two keys in the database (`services.dedupe`): the delivery's `event_id` (Slack retries) and the message
itself (the same message arriving as `app_mention` and as `message`), so one message gets one answer across retries
and replicas.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import gate
from bot.access.policy import Capability
from bot.observe import tracing
from bot.platform.incoming import MessageFields, MessageHandler
from bot.platform.slack.dedupe import ClaimNotRecorded
from bot.platform.slack.workspaces import WorkspaceKey, owner_of, resolve_key
from bot.platform.slack.writes import post_once
from bot.text import core as messages
from storage.repos.events import Place, event_key, message_key

if TYPE_CHECKING:
    from bot.platform.services import Services

logger = logging.getLogger(__name__)

# Longer questions get a polite "too long" instead of an answer (see `answer`).
MAX_QUESTION_CHARS = 4000

# Message subtypes that are a person writing; edits, deletions, joins and bot posts are not questions.
_ANSWERABLE_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def is_from_a_person(event: dict[str, Any]) -> bool:
    """False for bot posts (ours or anyone's), edits, deletions and other system messages."""
    if event.get("bot_id") or event.get("bot_profile") or event.get("subtype") == "bot_message":
        return False
    return event.get("subtype") in _ANSWERABLE_SUBTYPES and bool(event.get("user"))


def asker_team(*, envelope_team: object, event: dict[str, Any], owner: WorkspaceKey) -> str:
    """The team of the person who wrote (Slack's `recipient_team_id` when streaming the answer to them).

    In a Slack Connect channel that may be another organisation's team; it never decides whose data answers.
    """
    for candidate in (event.get("user_team"), event.get("team"), owner.team_id, envelope_team):
        if isinstance(candidate, str) and candidate.startswith("T"):
            return candidate
    return owner.team_id or ""


def shared_channel(body: dict[str, Any]) -> bool | None:
    """The envelope's word on Slack Connect (`is_ext_shared_channel`), None when it has none."""
    flag = body.get("is_ext_shared_channel")
    return flag if isinstance(flag, bool) else None


def without_mention(text: str, bot_user_id: str | None) -> str:
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", "", text)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery(MessageFields):
    """What answering one message needs, copied out of its event when the answer starts.

    Small on purpose, like the queued job it is built from (the event's dict and a few ids): in a burst thousands
    wait behind their acks (`bot.platform.background`), and holding the whole request (body, bolt context) for each
    would make the garbage collector slow the acks down.
    """

    event_id: str | None
    owner: (
        WorkspaceKey  # the workspace that answers (`bot.platform.slack.workspaces.owner_of`), not the envelope's team
    )
    client: AsyncWebClient
    received: float  # time.perf_counter() when the request was let in, for the handler latency metric


async def claim(*, services: Services, delivery: Delivery) -> set[str]:
    """The delivery's keys, when this delivery is the first for both its event id and its message (or the claims
    it repeats were abandoned by a process that died); empty when it is a duplicate.

    Both keys name the owning workspace, the same one whose data, token and budget answer (a message in a Slack
    Connect channel is claimed once per installation that owns an answer to it).
    """
    owner = delivery.owner.label
    message = message_key(team_id=owner, channel_id=delivery.channel_id, ts=delivery.ts)
    event = event_key(delivery.event_id) if delivery.event_id else None
    keys = {message: owner} if event is None else {event: owner, message: owner}
    place = Place(channel_id=delivery.channel_id, thread_ts=delivery.thread_ts)
    claimed = await services.dedupe.claim(database=services.database, keys=keys, places={message: place})
    if event is not None and event not in claimed:
        services.metrics.events_deduplicated.labels(reason="event_id").inc()
    elif message not in claimed:
        services.metrics.events_deduplicated.labels(reason="message").inc()
    else:
        return claimed
    if claimed:  # won one key but not the other: nothing to answer, so the won claim is over too
        await services.dedupe.finish(database=services.database, keys=claimed)
    return set()


def handle_message(*, services: Services, request: AsyncBoltRequest, is_dm: bool, handler: MessageHandler) -> None:
    """Queue the answer to a person's message (`bot.platform.background` starts it when its turn comes).

    Only what decides whether there is anything to answer, and which workspace owns it, runs here, while the
    request's CPU is spent; the `Delivery` (mention stripped, thread and asker worked out) is built when the answer
    starts, so in a burst the CPU goes to acks first (`lookout bench ack`). The job keeps the event's own dict, not
    the request.
    """
    body, context = request.body, request.context
    event: dict[str, Any] = body["event"]
    client = context.client
    if client is None or not is_from_a_person(event) or event.get("user") == context.bot_user_id:
        return  # (bolt gives every request a client; the check is for the type)
    services.background.submit(
        functools.partial(
            _deliver,
            services=services,
            handler=handler,
            event=event,
            event_id=body.get("event_id"),
            envelope_team=body.get("team_id"),
            shared=shared_channel(body),
            owner=owner_of(context),
            bot_user_id=context.bot_user_id,
            client=client,
            is_dm=is_dm,
            received=time.perf_counter(),
        )
    )


async def _deliver(
    *,
    services: Services,
    handler: MessageHandler,
    event: dict[str, Any],
    event_id: object,
    envelope_team: object,
    shared: bool | None,
    owner: WorkspaceKey,
    bot_user_id: str | None,
    client: AsyncWebClient,
    is_dm: bool,
    received: float,
) -> None:
    """The queued job: the message's `Delivery`, then its answer."""
    delivery = Delivery(
        event_id=str(event_id) if event_id else None,
        owner=owner,
        enterprise_id=owner.enterprise_id,
        team_id=asker_team(envelope_team=envelope_team, event=event, owner=owner),
        channel_id=str(event.get("channel", "")),
        user_id=str(event["user"]),
        text=without_mention(str(event.get("text", "")), bot_user_id),
        ts=str(event.get("ts", "")),
        thread_ts=str(event.get("thread_ts") or event.get("ts", "")),
        is_dm=is_dm,
        bot_user_id=bot_user_id,
        shared_channel=shared,
        client=client,
        received=received,
    )
    await answer(services=services, delivery=delivery, handler=handler)


async def answer(*, services: Services, delivery: Delivery, handler: MessageHandler) -> None:
    """Claim the message (one answer across retries and replicas), then hand it to `handler`: one trace when
    tracing is on."""
    handler_name = "dm" if delivery.is_dm else "mention"
    attributes = {"lookout.slack.team_id": delivery.team_id, "lookout.slack.channel_id": delivery.channel_id}
    with tracing.new_trace(f"lookout {handler_name}", attributes):
        await _answer(services=services, delivery=delivery, handler=handler, handler_name=handler_name)


async def _answer(*, services: Services, delivery: Delivery, handler: MessageHandler, handler_name: str) -> None:
    try:
        claimed = await claim(services=services, delivery=delivery)
        if not claimed:
            return
        try:
            async with services.dedupe.hold(database=services.database, keys=claimed):
                await _answer_claimed(services=services, delivery=delivery, handler=handler)
        finally:
            # Answered, apologised for, or nothing to say: never taken over. A process killed before this line
            # leaves the claim unfinished, and its lease running out lets a redelivery or the sweep take it.
            await services.dedupe.finish(database=services.database, keys=claimed)
    except ClaimNotRecorded:
        reference = secrets.token_hex(3)
        services.metrics.handler_errors.labels(handler=handler_name).inc()
        if not services.database.is_sqlite:
            # No apology: another replica may have claimed this message and be answering it, and an apology
            # beside a real answer is worse than silence. Slack has its ack, so it will not redeliver.
            logger.exception("could not record the claim on a %s: left unanswered (ref %s)", handler_name, reference)
            return
        # SQLite serves one process: nobody else can be answering, so the person hears why there is no answer.
        logger.exception(
            "could not record the claim on a %s: the database is unavailable (ref %s)", handler_name, reference
        )
        try:
            await post_once(
                delivery.client,
                channel_id=delivery.channel_id,
                thread_ts=delivery.thread_ts,
                text=messages.database_unavailable(reference=reference),
            )
        except Exception:
            logger.exception("could not say that the database is unavailable (ref %s)", reference)
    finally:
        services.metrics.handler_latency.labels(handler=handler_name).observe(time.perf_counter() - delivery.received)


async def _answer_claimed(*, services: Services, delivery: Delivery, handler: MessageHandler) -> None:
    handler_name = "dm" if delivery.is_dm else "mention"
    try:
        workspace = await resolve_key(services=services, key=delivery.owner)
        if workspace is None:
            return
        refusal = await gate.check(
            services=services,
            workspace=workspace,
            user_id=delivery.user_id,
            capability=Capability.ASK,
            client=delivery.client,
        )
        if refusal is not None:
            await _decline(delivery=delivery, text=refusal.text)
            return
        if len(delivery.text) > MAX_QUESTION_CHARS:
            # Slack allows 40,000 characters; a question that long is a paste, and reading it would cost a model
            # call. Say so plainly instead of spending the workspace's budget on it.
            await _decline(delivery=delivery, text=messages.question_too_long(limit=MAX_QUESTION_CHARS))
            return
        await handler(message=delivery.for_workspace(workspace), client=delivery.client)
    except Exception:
        reference = secrets.token_hex(3)
        services.metrics.handler_errors.labels(handler=handler_name).inc()
        logger.exception("answering a %s failed (ref %s)", handler_name, reference)
        await _apologize(
            client=delivery.client, channel_id=delivery.channel_id, thread_ts=delivery.thread_ts, reference=reference
        )


async def _decline(*, delivery: Delivery, text: str) -> None:
    """Tell only the person (ephemeral in a channel, in the DM itself) why there is no answer."""
    if delivery.is_dm:
        await post_once(delivery.client, channel_id=delivery.channel_id, thread_ts=delivery.thread_ts, text=text)
    else:
        await delivery.client.chat_postEphemeral(
            channel=delivery.channel_id, user=delivery.user_id, thread_ts=delivery.thread_ts, text=text
        )


async def _apologize(*, client: AsyncWebClient, channel_id: str, thread_ts: str, reference: str) -> None:
    try:
        await post_once(
            client, channel_id=channel_id, thread_ts=thread_ts, text=messages.unexpected_error(reference=reference)
        )
    except Exception:
        logger.exception("could not post the apology (ref %s)", reference)


class MessageIntake(AsyncMiddleware):
    """Mentions and DMs, taken from bolt's global middleware chain instead of its listeners.

    bolt's listener path for an event matches the listeners in turn, each match building a dict of some forty
    candidate arguments, then acks and runs the listener in a task of its own, building that dict again; for a
    delivery that only queues an answer, that was ~29% of an ack's instructions (callgrind, `lookout bench ack`).
    Registered with `app.middleware`, this runs after bolt's own middleware (authorization, which fills the
    context's workspace, token and bot user, and the dropping of our own events), queues the answer as the listener
    did, and acks with the listener's empty 200. Every `message` event stops here: channel messages matter only when
    they mention us, and those also arrive as `app_mention`.
    """

    def __init__(self, *, services: Services, handler: MessageHandler) -> None:
        self._services = services
        self._handler = handler

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        body = req.body
        event = body.get("event") if body.get("type") == "event_callback" else None
        if not isinstance(event, dict) or event.get("type") not in ("app_mention", "message"):
            return await next()
        is_dm = event["type"] == "message"
        if not is_dm or event.get("channel_type") == "im":
            try:
                handle_message(services=self._services, request=req, is_dm=is_dm, handler=self._handler)
            except Exception:
                # Acked all the same, as when a listener failed after bolt's ack: a redelivery would fail alike.
                self._services.metrics.handler_errors.labels(handler="dm" if is_dm else "mention").inc()
                logger.exception("could not queue the answer to a %s", "DM" if is_dm else "mention")
        return BoltResponse(status=200, body="")


def register(app: AsyncApp, *, services: Services, handler: MessageHandler) -> None:
    app.middleware(MessageIntake(services=services, handler=handler))
