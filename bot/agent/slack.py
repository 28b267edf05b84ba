"""Answering a mention or DM in Slack: a status while working, the answer streamed into the thread, a footer,
feedback buttons, a chart for trends. Everything shown goes through `bot.slack_text` first.

Streaming uses `chat.startStream`/`appendStream`/`stopStream` addressed to the asker (recipient ids); where a
workspace cannot stream, the answer is posted and then updated in place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.agent.feedback import ACTION_FEEDBACK_DOWN, ACTION_FEEDBACK_UP
from bot.agent.loop import AgentEvent, AgentResult, AnswerRestart, AnswerText, ToolRun, ToolsStarted
from bot.agent.service import AgentService, TurnOutcome, TurnStatus
from bot.incoming import IncomingMessage
from bot.messages import agent as messages
from bot.messages import google as google_messages
from bot.slack_text import escape, safe_model_text
from tools.base import ToolUserError

if TYPE_CHECKING:
    from bot.agent.context import PreparedContext, ToolContextProvider
    from tools.context import ToolContext

log = logging.getLogger(__name__)

FEEDBACK_BLOCK = "agent_feedback"
# Fallback mode (post + update): edit the message at most this often while the answer grows.
_UPDATE_INTERVAL_SECONDS = 1.0


class AnswerStream:
    """One answer message in a thread, streamed when Slack allows it, else posted and updated."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        channel_id: str,
        thread_ts: str,
        team_id: str,
        user_id: str,
        clock: Any = time.monotonic,
    ) -> None:
        self._client = client
        self._channel = channel_id
        self._thread = thread_ts
        self._team = team_id
        self._user = user_id
        self._clock = clock
        self.ts: str | None = None
        self.streaming = False
        self._void = False  # shown text was voided by a model fallback; replaced at the end
        self._text = ""
        self._last_update = 0.0

    async def append(self, text: str) -> None:
        if not text:
            return
        self._text += text
        if self._void:
            return
        if self.ts is None:
            await self._open(text)
        elif self.streaming:
            await self._client.chat_appendStream(channel=self._channel, ts=self.ts, markdown_text=text)
        elif self._clock() - self._last_update >= _UPDATE_INTERVAL_SECONDS:
            await self._update(self._text, blocks=None)

    def restart(self) -> None:
        """Text streamed so far is void; what follows replaces it when the answer is done."""
        self._text = ""
        if self.ts is not None:
            self._void = True

    async def _open(self, text: str) -> None:
        try:
            response = await self._client.chat_startStream(
                channel=self._channel,
                thread_ts=self._thread,
                markdown_text=text,
                recipient_team_id=self._team,
                recipient_user_id=self._user,
            )
            self.ts, self.streaming = str(response["ts"]), True
        except SlackApiError as error:
            log.info("streaming unavailable (%s); posting and updating instead", error.response.get("error"))
            response = await self._client.chat_postMessage(
                channel=self._channel, thread_ts=self._thread, text=text, blocks=[_markdown(text)]
            )
            self.ts = str(response["ts"])
        self._last_update = self._clock()

    async def _update(self, text: str, *, blocks: list[dict[str, Any]] | None) -> None:
        assert self.ts is not None
        await self._client.chat_update(
            channel=self._channel, ts=self.ts, text=text, blocks=[_markdown(text), *(blocks or [])]
        )
        self._last_update = self._clock()

    async def finish(self, final_text: str, *, blocks: list[dict[str, Any]]) -> str:
        """End the message with `final_text` as the whole answer and `blocks` (footer, buttons) under it."""
        if self.ts is None:
            response = await self._client.chat_postMessage(
                channel=self._channel,
                thread_ts=self._thread,
                text=final_text,
                blocks=[_markdown(final_text), *blocks],
            )
            self.ts = str(response["ts"])
            return self.ts
        if self.streaming:
            shown = self._text.rstrip()
            self.streaming = False
            if not self._void and final_text.startswith(shown):
                extra = final_text[len(shown) :]
                await self._client.chat_stopStream(
                    channel=self._channel, ts=self.ts, markdown_text=extra or None, blocks=blocks
                )
                return self.ts
            await self._client.chat_stopStream(channel=self._channel, ts=self.ts, blocks=blocks)
        await self._update(final_text, blocks=blocks)
        return self.ts


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
    sources = []
    if any(name.startswith("ga4_") or name == "explain_change" for name in names) and context.property_id:
        label = prepared.property_name or "GA4"
        sources.append(f"GA4 · {label} (properties/{context.property_id})")
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

    def __init__(self, *, agent: AgentService[ToolContext], contexts: ToolContextProvider, clock: Any) -> None:
        self.agent = agent
        self.contexts = contexts
        self.clock = clock  # () -> aware datetime (Services.clock)

    async def __call__(self, *, message: IncomingMessage, client: AsyncWebClient) -> None:
        workspace_id = message.workspace.id
        assert workspace_id is not None
        channel, thread = message.channel_id, message.thread_ts
        if not message.text.strip():
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=messages.EMPTY_QUESTION)
            return
        await self._status(client, message, messages.STATUS_THINKING)
        try:
            prepared = await self.contexts(workspace_id=workspace_id, channel_id=None if message.is_dm else channel)
        except ToolUserError as problem:
            text = google_messages.problem_text(problem.message_key, workspace_name=message.workspace.name)
            await client.chat_postMessage(channel=channel, thread_ts=thread, text=text)
            return
        stream = AnswerStream(
            client, channel_id=channel, thread_ts=thread, team_id=message.team_id, user_id=message.user_id
        )

        async def on_event(event: AgentEvent) -> None:
            if isinstance(event, ToolsStarted):
                await self._status(client, message, messages.status_for_tools(event.names))
            elif isinstance(event, AnswerText):
                await stream.append(safe_model_text(event.text))
            elif isinstance(event, AnswerRestart):
                stream.restart()

        outcome = await self.agent.answer(
            message.text,
            workspace_id=workspace_id,
            channel_id=channel,
            thread_ts=thread,
            context=prepared.context,
            facts=prepared.facts(self.clock()),
            on_event=on_event,
        )
        await self._finish(client, message, stream, outcome, prepared)

    async def _finish(
        self,
        client: AsyncWebClient,
        message: IncomingMessage,
        stream: AnswerStream,
        outcome: TurnOutcome,
        prepared: PreparedContext,
    ) -> None:
        result = outcome.result
        if outcome.status is TurnStatus.USER_PROBLEM and result is not None and result.user_problem is not None:
            key = result.user_problem.message_key
            text = google_messages.problem_text(key, workspace_name=message.workspace.name)
            await stream.finish(text, blocks=[])
            return
        if result is None:
            await stream.finish(outcome.text, blocks=[])  # our own sentences (budget, no model): already safe
            return
        await stream.finish(safe_model_text(result.text), blocks=answer_blocks(result, prepared))
        await self._upload_charts(client, message, result)

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
                    title=image.title,
                    alt_txt=image.alt_text[:1000],
                )
            except SlackApiError:
                log.exception("could not upload the chart")

    async def _status(self, client: AsyncWebClient, message: IncomingMessage, status: str) -> None:
        try:
            await client.assistant_threads_setStatus(
                channel_id=message.channel_id,
                thread_ts=message.thread_ts,
                status=status,
                loading_messages=list(messages.LOADING_MESSAGES),
            )
        except SlackApiError as error:
            # Not fatal: the answer still comes; older workspaces may not allow statuses outside assistant threads.
            log.info("could not set the status: %s", error.response.get("error"))
