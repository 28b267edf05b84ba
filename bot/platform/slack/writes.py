"""Slack writes that ride out transient failures without ever doing a write twice.

Two layers. Inside every client, `TransientErrorRetryHandler` retries what is safe to repeat: a request Slack
refused before doing anything (`ratelimited`, a connection that never opened) for any method, and 5xx answers,
non-JSON error pages and dropped connections only for methods whose repetition changes nothing (reads, updates,
deletes, statuses). A 5xx to a post is ambiguous: Slack says "it's possible some aspect of the operation
succeeded". So `post_once` answers that case itself: it tags the post with a unique id in the message metadata and,
after an ambiguous failure, looks in the thread for a message carrying that id before posting again.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.platform.slack.errors import error_code, http_status, is_transient

log = logging.getLogger(__name__)

# Methods that may be repeated after an ambiguous failure: reading, or setting state to a given value.
IDEMPOTENT_METHODS = frozenset(
    {
        "auth.test",
        "api.test",
        "chat.update",
        "chat.delete",
        "chat.getPermalink",
        "assistant.threads.setStatus",
        "assistant.threads.setSuggestedPrompts",
        "assistant.threads.setTitle",
        "views.publish",
        "conversations.info",
        "conversations.members",
        "conversations.history",
        "conversations.replies",
        "conversations.list",
        "conversations.open",
        "users.info",
        "usergroups.list",
        "usergroups.users.list",
        "reactions.add",  # a repeat answers `already_reacted`
        "reactions.remove",
    }
)
RETRIES = 2
_MAX_RETRY_AFTER_SECONDS = 30.0
ANSWER_METADATA_TYPE = "lookout_post"


def api_method(url: str) -> str:
    """The Web API method a request URL calls (`https://slack.com/api/chat.postMessage?x=1` -> `chat.postMessage`)."""
    return url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


class TransientErrorRetryHandler(AsyncRetryHandler):
    """Retries (at most `RETRIES` times, with backoff) what is safe to retry; see the module's docstring."""

    def __init__(self, *, max_retry_count: int = RETRIES, backoff_factor: float = 0.5) -> None:
        super().__init__(max_retry_count, BackoffRetryIntervalCalculator(backoff_factor=backoff_factor))

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        repeatable = api_method(request.url) in IDEMPOTENT_METHODS
        if response is not None:
            body = response.body if isinstance(response.body, dict) else {}
            if response.status_code == 200 and body.get("error") == "ratelimited":
                return True  # refused before anything happened (the 429 handler sees only the HTTP status)
            return response.status_code >= 500 and repeatable
        if isinstance(error, aiohttp.ClientConnectorError):
            return True  # the connection never opened: Slack saw nothing
        if isinstance(error, SlackApiError):
            status = http_status(error)  # an error page that was not JSON
            return status is not None and status >= 500 and repeatable
        return isinstance(error, (aiohttp.ClientError, TimeoutError)) and repeatable

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        retry_after = _retry_after(response)
        if retry_after is None:
            await super().prepare_for_next_attempt_async(state=state, request=request, response=response, error=error)
        else:
            state.next_attempt_requested = True
            await asyncio.sleep(retry_after)
            state.increment_current_attempt()


def _retry_after(response: HttpResponse | None) -> float | None:
    if response is None:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return min(float(values[0]), _MAX_RETRY_AFTER_SECONDS)
            except ValueError:
                return None
    return None


def post_marker() -> dict[str, Any]:
    """Metadata naming one post, so it can be recognised in the thread after an ambiguous failure."""
    return {"event_type": ANSWER_METADATA_TYPE, "event_payload": {"id": secrets.token_hex(8)}}


async def post_once(
    client: AsyncWebClient,
    *,
    channel_id: str,
    thread_ts: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    attempts: int = RETRIES + 1,
    delay: float = 0.5,
) -> str:
    """`chat.postMessage` into a thread, repeated after transient failures but never posted twice; returns its ts.

    Raises the last error when every attempt failed, or at once when the failure is not transient.
    """
    metadata = post_marker()
    for attempt in range(attempts):
        try:
            response = await client.chat_postMessage(
                channel=channel_id, thread_ts=thread_ts, text=text, blocks=blocks, metadata=metadata
            )
            return str(response["ts"])
        except Exception as error:
            if not is_transient(error):
                raise
            found = await find_marked_reply(client, channel_id=channel_id, thread_ts=thread_ts, metadata=metadata)
            if found is not None:
                log.info("a post failed (%s) but had reached the thread; not posting it again", _describe(error))
                return found
            if attempt == attempts - 1:
                raise
            log.info("a post failed (%s); trying again", _describe(error))
            await asyncio.sleep(delay * 2**attempt)
    raise AssertionError("unreachable")


async def find_marked_reply(
    client: AsyncWebClient, *, channel_id: str, thread_ts: str, metadata: dict[str, Any]
) -> str | None:
    """The ts of the reply in the thread carrying `metadata`'s id, None when there is none or we cannot tell."""
    wanted = metadata["event_payload"]["id"]
    try:
        response = await client.conversations_replies(
            channel=channel_id, ts=thread_ts, include_all_metadata=True, limit=200
        )
    except Exception as error:
        # Without the thread we cannot tell: posting again risks a duplicate, not posting loses the answer. A
        # duplicate is the lesser harm (and needs channels:history missing or Slack failing twice in a row).
        log.warning("could not read the thread to check for an earlier post (%s)", _describe(error))
        return None
    for message in response.get("messages") or []:
        marker = message.get("metadata") or {}
        if marker.get("event_type") == ANSWER_METADATA_TYPE and (marker.get("event_payload") or {}).get("id") == wanted:
            return str(message.get("ts"))
    return None


def _describe(error: BaseException) -> str:
    return error_code(error) if isinstance(error, SlackApiError) else type(error).__name__
