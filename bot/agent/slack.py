"""Answering a mention or DM in Slack: a status while working, the answer streamed into the thread, a footer,
feedback buttons, a chart for trends. Everything shown goes through `bot.slack_text` first.

Streaming uses `chat.startStream`/`appendStream`/`stopStream` addressed to the asker (recipient ids); where a
workspace cannot stream, the answer is posted and then updated in place.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from pydantic import BaseModel
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.agent.feedback import ACTION_FEEDBACK_DOWN, ACTION_FEEDBACK_UP
from bot.agent.loop import AgentEvent, AgentResult, AnswerDone, AnswerRestart, AnswerText, ToolRun, ToolsStarted
from bot.incoming import IncomingMessage
from bot.messages import agent as messages
from bot.messages import google as google_messages
from bot.messages.sample import SAMPLE_NOTE
from bot.slack.errors import error_code
from bot.slack.writes import post_once
from bot.slack_text import escape, safe_model_text, strip_mentions
from tools.base import ToolUserError

if TYPE_CHECKING:
    from bot.agent.context import PreparedContext, ToolContextProvider
    from bot.agent.service import AgentService
    from bot.services import Services
    from tools.context import ToolContext

log = logging.getLogger(__name__)

FEEDBACK_BLOCK = "agent_feedback"
# Send the growing answer at most this often (append to the stream, or edit the message without streaming).
_SEND_INTERVAL_SECONDS = 0.25


class StatusIndicator:
    """The thread's "Looking at GA4…" status, set without holding up the work; `settle` before posting so a
    late status never reappears under the answer (Slack clears the status when the bot posts)."""

    def __init__(self, client: AsyncWebClient, *, channel_id: str, thread_ts: str) -> None:
        self._client = client
        self._channel = channel_id
        self._thread = thread_ts
        self._last: asyncio.Task[None] | None = None

    def set(self, status: str) -> None:
        self._last = asyncio.get_running_loop().create_task(self._set(self._last, status))

    async def _set(self, previous: asyncio.Task[None] | None, status: str) -> None:
        if previous is not None:
            await previous
        try:
            await self._client.assistant_threads_setStatus(
                channel_id=self._channel,
                thread_ts=self._thread,
                status=status,
                loading_messages=list(messages.LOADING_MESSAGES),
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # Not fatal: the answer still comes; some workspaces allow statuses only in assistant threads.
            log.info("could not set the status: %s", _describe(error))

    async def settle(self) -> None:
        if self._last is not None:
            await self._last


class AnswerStream:
    """One answer message in a thread, streamed when Slack allows it, else posted and updated.

    Text is sent at most every `_SEND_INTERVAL_SECONDS`; whatever is left goes out with the final call, so a
    quick answer costs one start and one stop call.

    Slack failing on the way never costs the answer and never doubles it. Calls that add text (start, append,
    stop with text, post) are never repeated blindly: a failed start falls back to a post (`post_once`, which looks
    for its own message before posting again), and a failed append or stop ends the stream and writes the whole text
    with `chat.update`, which may be repeated safely. The client itself retries what is safe to retry
    (`bot.slack.writes`).
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        channel_id: str,
        thread_ts: str,
        team_id: str,
        user_id: str,
        status: StatusIndicator | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._channel = channel_id
        self._thread = thread_ts
        self._team = team_id
        self._user = user_id
        self._status = status
        self._clock = clock
        self.ts: str | None = None
        self.streaming = False
        self._void = False  # shown text was voided by a model fallback; replaced at the end
        self._text = ""  # everything appended since the last restart
        self._sent = ""  # what Slack has been sent
        self._last_send = 0.0

    async def append(self, text: str) -> None:
        if not text:
            return
        self._text += text
        if self._void:
            return
        if self.ts is None:
            await self._open(text)
        elif self._clock() - self._last_send >= _SEND_INTERVAL_SECONDS:
            await self._send_pending()

    def restart(self) -> None:
        """Text streamed so far is void; what follows replaces it when the answer is done."""
        self._text = ""
        if self.ts is not None:
            self._void = True

    async def _open(self, text: str) -> None:
        if self._status is not None:
            await self._status.settle()
        try:
            response = await self._client.chat_startStream(
                channel=self._channel,
                thread_ts=self._thread,
                markdown_text=text,
                recipient_team_id=self._team,
                recipient_user_id=self._user,
            )
            self.ts, self.streaming = str(response["ts"]), True
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # A refusal (streaming not enabled) or a failure (a 5xx page): post and update instead. A start that
            # failed ambiguously may have left an empty streaming message behind; Slack ends it on its own.
            log.info("streaming unavailable (%s); posting and updating instead", _describe(error))
            self.ts = await post_once(
                self._client, channel_id=self._channel, thread_ts=self._thread, text=text, blocks=[_markdown(text)]
            )
        self._sent = text
        self._last_send = self._clock()

    async def _send_pending(self) -> None:
        assert self.ts is not None
        if self.streaming and self._text.startswith(self._sent):
            pending = self._text[len(self._sent) :]
            if pending:
                try:
                    await self._client.chat_appendStream(channel=self._channel, ts=self.ts, markdown_text=pending)
                except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
                    # Whether the text landed is unknown: never append it again; the whole text goes out by update.
                    log.info("appending to the stream failed (%s); updating the message instead", _describe(error))
                    await self._leave_stream()
        if not self.streaming:
            await self._update(self._text, blocks=None, final=False)
        self._sent = self._text
        self._last_send = self._clock()

    async def _leave_stream(self) -> None:
        """End the stream without adding text (its state is unknown after a failure); later text goes by update."""
        assert self.ts is not None
        self.streaming = False
        try:
            await self._client.chat_stopStream(channel=self._channel, ts=self.ts)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.info("stopping the stream failed (%s); it may already be stopped", _describe(error))

    async def _update(self, text: str, *, blocks: list[dict[str, Any]] | None, final: bool = True) -> None:
        assert self.ts is not None
        try:
            await self._client.chat_update(
                channel=self._channel, ts=self.ts, text=text, blocks=[_markdown(text), *(blocks or [])]
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            if final:
                raise
            # An intermediate edit only shows progress: the final one carries the whole text.
            log.info("updating the answer in progress failed (%s)", _describe(error))

    async def finish(self, final_text: str, *, blocks: list[dict[str, Any]]) -> str:
        """End the message with `final_text` as the whole answer and `blocks` (footer, buttons) under it."""
        if self.ts is None:
            if self._status is not None:
                await self._status.settle()
            self.ts = await post_once(
                self._client,
                channel_id=self._channel,
                thread_ts=self._thread,
                text=final_text,
                blocks=[_markdown(final_text), *blocks],
            )
            return self.ts
        if self.streaming:
            rest = None
            if not self._void and final_text.startswith(self._sent):
                rest = final_text[len(self._sent) :]
            elif not self._void and final_text.startswith(self._sent.rstrip()):
                rest = final_text[len(self._sent.rstrip()) :]
            if rest is not None:
                try:
                    await self._client.chat_stopStream(
                        channel=self._channel, ts=self.ts, markdown_text=rest or None, blocks=blocks
                    )
                    self.streaming = False
                    return self.ts
                except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
                    log.info("ending the stream failed (%s); updating the message instead", _describe(error))
            await self._leave_stream()
        await self._update(final_text, blocks=blocks)
        return self.ts


def _describe(error: BaseException) -> str:
    return error_code(error) if isinstance(error, SlackApiError) else type(error).__name__


def _markdown(text: str) -> dict[str, Any]:
    return {"type": "markdown", "text": text or " "}


def _ranges(runs: Sequence[ToolRun]) -> list[tuple[date, date]]:
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
        if not run.outcome.is_error and isinstance(run.outcome.result, BaseModel):
            walk(run.outcome.result.model_dump())
    return found


def _range_label(start: date, end: date) -> str:
    if start == end:
        return f"{start:%b} {start.day}"
    if start.year == end.year and start.month == end.month:
        return f"{start:%b} {start.day}–{end.day}"
    return f"{start:%b} {start.day}–{end:%b} {end.day}"


def footer_text(result: AgentResult, prepared: PreparedContext) -> str:
    context = prepared.context
    names = {run.call.name for run in result.tool_runs if not run.outcome.is_error}
    sources = [SAMPLE_NOTE] if prepared.sample else []
    if any(name.startswith("ga4_") or name == "explain_change" for name in names) and context.property_id:
        name = prepared.property_name
        sources.append(
            f"GA4 · {name} (properties/{context.property_id})" if name else f"GA4 properties/{context.property_id}"
        )
    if any(name.startswith("gsc_") for name in names) and context.site_url:
        sources.append(f"Search Console {context.site_url}")
    ranges = [_range_label(start, end) for start, end in _ranges(result.tool_runs)[:2]]
    return messages.footer(
        sources=sources,
        date_ranges=[" vs ".join(ranges)] if ranges else [],
        model_label=messages.model_label(result.model or ""),
        fallback_from=[messages.model_label(name) for name in result.fallback_from],
    )


def answer_blocks(result: AgentResult, prepared: PreparedContext) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if result.grounding.untraced:
        note = messages.untraced_numbers(count=len(result.grounding.untraced))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"_{footer_text(result, prepared)}_"}]})
    value = escape(result.model or "")[:150]
    blocks.append(
        {
            "type": "actions",
            "block_id": FEEDBACK_BLOCK,
            "elements": [
                {
                    "type": "button",
                    "action_id": ACTION_FEEDBACK_UP,
                    "text": {"type": "plain_text", "text": messages.FEEDBACK_UP, "emoji": True},
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": ACTION_FEEDBACK_DOWN,
                    "text": {"type": "plain_text", "text": messages.FEEDBACK_DOWN, "emoji": True},
                    "value": value,
                },
            ],
        }
    )
    return blocks


class AgentMessageHandler:
    """The `MessageHandler` that answers with the agent (see `bot.incoming`)."""

    def __init__(
        self,
        *,
        agent: AgentService[ToolContext],
        contexts: ToolContextProvider,
        clock: Callable[[], datetime],
        services: Services | None = None,
    ) -> None:
        self.agent = agent
        self.contexts = contexts
        self.clock = clock  # Services.clock: an aware "now"
        self.services = services  # for the property picker; without it a missing property gets the text alone

    async def __call__(self, *, message: IncomingMessage, client: AsyncWebClient) -> None:
        workspace_id = message.workspace.id
        assert workspace_id is not None
        channel, thread = message.channel_id, message.thread_ts
        if not message.text.strip():
            await post_once(client, channel_id=channel, thread_ts=thread, text=messages.EMPTY_QUESTION)
            return
        status = StatusIndicator(client, channel_id=channel, thread_ts=thread)
        status.set(messages.STATUS_THINKING)
        try:
            prepared = await self.contexts(workspace_id=workspace_id, channel_id=None if message.is_dm else channel)
        except ToolUserError as problem:
            await status.settle()
            text, blocks = await self._problem_reply(problem, message)
            await post_once(client, channel_id=channel, thread_ts=thread, text=text, blocks=blocks or None)
            return
        stream = AnswerStream(
            client,
            channel_id=channel,
            thread_ts=thread,
            team_id=message.team_id,
            user_id=message.user_id,
            status=status,
        )

        async def on_event(event: AgentEvent) -> None:
            if isinstance(event, ToolsStarted):
                status.set(messages.status_for_tools(event.names))
            elif isinstance(event, AnswerText):
                await stream.append(safe_model_text(event.text))
            elif isinstance(event, AnswerRestart):
                stream.restart()
            elif isinstance(event, AnswerDone):
                # Finish the message before the conversation and usage are stored: the person sees it sooner.
                await self._finish(message, stream, event.result, prepared)

        outcome = await self.agent.answer(
            message.text,
            workspace_id=workspace_id,
            channel_id=channel,
            thread_ts=thread,
            context=prepared.context,
            facts=prepared.facts(self.clock()),
            on_event=on_event,
            new_thread=message.thread_ts == message.ts,
        )
        if outcome.result is None:
            await stream.finish(outcome.text, blocks=[])  # our own sentences (budget, no model): already safe
            return
        await self._upload_charts(client, message, outcome.result)

    async def _finish(
        self, message: IncomingMessage, stream: AnswerStream, result: AgentResult, prepared: PreparedContext
    ) -> None:
        if result.user_problem is not None:
            text, blocks = await self._problem_reply(result.user_problem, message)
            # The stream shows `text` itself; only what goes under it (buttons, menus) is passed on.
            await stream.finish(text, blocks=blocks[1:])
            return
        await stream.finish(safe_model_text(result.text), blocks=answer_blocks(result, prepared))

    async def _problem_reply(
        self, problem: ToolUserError, message: IncomingMessage
    ) -> tuple[str, list[dict[str, Any]]]:
        """What to say when a person must act: the text, and blocks (text first) when a button or menu helps."""
        key, name = problem.message_key, message.workspace.name
        if key in google_messages.RECONNECT_KEYS:
            return google_messages.reconnect_prompt(name)
        if key == google_messages.NO_PROPERTY_KEY and self.services is not None:
            picker = await self._property_picker(message)
            if picker is not None:
                return picker
        return google_messages.problem_text(key, workspace_name=name), []

    async def _property_picker(self, message: IncomingMessage) -> tuple[str, list[dict[str, Any]]] | None:
        """The same menus as after connecting (same action ids, so the Google listeners save the choice), for the
        whole workspace; None when the account sees no property or Google can't be asked just now."""
        from bot.google.choices import GoogleChoices
        from bot.google.problems import GoogleProblem

        assert self.services is not None and message.workspace.id is not None
        try:
            return await GoogleChoices(self.services).property_picker(workspace_id=message.workspace.id)
        except GoogleProblem as problem:
            log.info("no property picker (%s); answering with the text", problem.message_key)
        except Exception:
            log.warning("could not list GA4 properties for the picker; answering with the text", exc_info=True)
        return None

    async def _upload_charts(self, client: AsyncWebClient, message: IncomingMessage, result: AgentResult) -> None:
        from tools.chart import ChartImage

        for run in result.tool_runs:
            image = run.outcome.result
            if run.outcome.is_error or not isinstance(image, ChartImage):
                continue
            try:
                await client.files_upload_v2(
                    channel=message.channel_id,
                    thread_ts=message.thread_ts,
                    content=image.png,
                    filename=image.filename,
                    # Plain-text fields (entities would show as typed); the model chose the words, so no mentions.
                    title=strip_mentions(image.title),
                    alt_txt=strip_mentions(image.alt_text)[:1000],
                )
            except SlackApiError:
                log.exception("could not upload the chart")
