"""Answering a mention or DM in Slack: a status while working, the answer streamed into the thread
(`bot.agent.answer_stream`), a footer, feedback and follow-up buttons (`bot.agent.answer_parts`), a chart for
trends, and a button or menu when a person must act first. Everything shown goes through `bot.text.escape` first.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.agent.answer_parts import answer_blocks, where_of
from bot.agent.answer_stream import AnswerStream, StatusIndicator, describe_error
from bot.agent.events import (
    AgentEvent,
    AgentResult,
    AnswerDone,
    AnswerRestart,
    AnswerText,
    ToolFinished,
    ToolsRunning,
    ToolsStarted,
)
from bot.agent.plan import MORE_ID, Plan
from bot.platform.incoming import IncomingMessage
from bot.platform.slack.channels import externally_shared
from bot.platform.slack.writes import post_once
from bot.text import agent as messages
from bot.text import google as google_messages
from bot.text import plan as plan_words
from bot.text.escape import inert, safe_model_text, strip_mentions
from tools.base import ToolUserError

if TYPE_CHECKING:
    from bot.agent.context import PreparedContext, ToolContextProvider
    from bot.agent.turns import AgentService
    from bot.platform.services import Services
    from tools.context import ToolContext

log = logging.getLogger(__name__)

THREAD_TITLE_MAX = 80


@dataclass(frozen=True, kw_only=True)
class _Shown:
    """One answer being shown: the question's message, its stream and status, the workspace's context."""

    message: IncomingMessage
    stream: AnswerStream
    status: StatusIndicator
    prepared: PreparedContext


class AgentMessageHandler:
    """The `MessageHandler` that answers with the agent (see `bot.platform.incoming`)."""

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
        channel, thread = message.channel_id, message.thread_ts
        if not message.text.strip():
            await post_once(client, channel_id=channel, thread_ts=thread, text=messages.EMPTY_QUESTION)
            return
        status = StatusIndicator(client, channel_id=channel, thread_ts=thread)
        status.set(plan_words.STATUS_THINKING, [plan_words.LOADING_THINKING])
        try:
            await self._answer(message=message, client=client, status=status)
        except Exception:
            # The caller apologises in the thread next: take the status away first, and wait until every status
            # set so far has gone out, so none lands after the apology and leaves "is thinking…" under it.
            status.clear()
            await status.settle()
            raise

    async def _answer(self, *, message: IncomingMessage, client: AsyncWebClient, status: StatusIndicator) -> None:
        workspace_id = message.workspace.id
        assert workspace_id is not None
        channel, thread = message.channel_id, message.thread_ts
        try:
            prepared = await self.contexts(workspace_id=workspace_id, channel_id=None if message.is_dm else channel)
        except ToolUserError as problem:
            await status.settle()
            text, blocks = await self._problem_reply(problem, message)
            await post_once(client, channel_id=channel, thread_ts=thread, text=text, blocks=blocks or None)
            return
        shared = message.shared_channel
        if shared is None:
            shared = await externally_shared(client, channel)
        if shared:  # people of other organisations read along: nothing but this channel's own data
            prepared = prepared.confined()
        stream = AnswerStream(
            client,
            channel_id=channel,
            thread_ts=thread,
            team_id=message.team_id,
            user_id=message.user_id,
            status=status,
            plan=Plan(where=where_of(prepared), targets=prepared.context.targets),
        )
        shown = _Shown(message=message, stream=stream, status=status, prepared=prepared)
        outcome = await self.agent.answer(
            message.text,
            workspace_id=workspace_id,
            channel_id=channel,
            thread_ts=thread,
            context=prepared.context,
            facts=prepared.facts(self.clock()),
            on_event=functools.partial(self._show, shown=shown),
            new_thread=message.thread_ts == message.ts,
        )
        if outcome.result is None:
            await stream.finish(outcome.text, blocks=[])  # our own sentences (budget, no model): already safe
            return
        if message.is_dm and outcome.first_turn:
            await self._title(client, message, stream.plan)
        await self._upload_charts(client, message, outcome.result)

    async def _show(self, event: AgentEvent, *, shown: _Shown) -> None:
        """Show what the turn is doing: the plan's tasks and the thread status, then the answer as it is written."""
        stream, status, plan = shown.stream, shown.status, shown.stream.plan
        if isinstance(event, ToolsStarted):
            step = plan.requested(event.calls)
            status.set(*plan.status(step), step=True)
            await stream.show_tasks([*step, *plan.not_run(event.skipped)])
        elif isinstance(event, ToolsRunning):
            await stream.show_tasks(plan.running(event.calls))
        elif isinstance(event, ToolFinished):
            await stream.show_tasks(plan.finished(event.call, event.outcome))
            if not any(task.open for task in plan.tasks):
                status.set(plan_words.STATUS_WRITING, [plan_words.LOADING_WRITING])
        elif isinstance(event, AnswerText):
            status.clear()  # the answer starts: the status has said its piece (and goes before the text)
            await status.settle()
            await stream.append(safe_model_text(event.text))
        elif isinstance(event, AnswerRestart):
            stream.restart()
        elif isinstance(event, AnswerDone):
            # Finish the message before the conversation and usage are stored: the person sees it sooner.
            await self._finish(shown.message, stream, event.result, shown.prepared)

    async def _finish(
        self, message: IncomingMessage, stream: AnswerStream, result: AgentResult, prepared: PreparedContext
    ) -> None:
        if result.user_problem is not None:
            text, blocks = await self._problem_reply(result.user_problem, message)
            # The stream shows `text` itself; only what goes under it (buttons, menus) is passed on.
            await stream.finish(text, blocks=blocks[1:])
            return
        # What the answer was made of is stored with the turn, in its one transaction (`AgentService._store`).
        result.posted_ts = await stream.finish(safe_model_text(result.text), blocks=answer_blocks(result, prepared))

    async def _title(self, client: AsyncWebClient, message: IncomingMessage, plan: Plan) -> None:
        """Name a new DM thread after what was looked up (the first task, in our words), else the question."""
        title = next((task.view.title for task in plan.tasks if task.id != MORE_ID), "") or inert(message.text)
        try:
            await client.assistant_threads_setTitle(
                channel_id=message.channel_id, thread_ts=message.thread_ts, title=title[:THREAD_TITLE_MAX]
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.info("could not title the thread: %s", describe_error(error))

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
