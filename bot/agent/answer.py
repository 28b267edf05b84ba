"""Answering a mention or DM in Slack: a status while working, the answer streamed into the thread, a footer,
feedback buttons, a chart for trends. Everything shown goes through `bot.text.escape` first.

Streaming uses `chat.startStream`/`appendStream`/`stopStream` addressed to the asker (recipient ids); where a
workspace cannot stream, the answer is posted and then updated in place.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.agent import followups, links
from bot.agent.events import (
    AgentEvent,
    AgentResult,
    AnswerDone,
    AnswerRestart,
    AnswerText,
    ToolFinished,
    ToolRun,
    ToolsRunning,
    ToolsStarted,
)
from bot.agent.feedback import feedback_block
from bot.agent.plan import MORE_ID, Plan, Task
from bot.agent.plan_steps import Where
from bot.platform.incoming import IncomingMessage
from bot.platform.slack.errors import error_code
from bot.platform.slack.writes import post_once
from bot.text import agent as messages
from bot.text import google as google_messages
from bot.text import plan as plan_words
from bot.text.escape import inert, safe_model_text, strip_mentions
from bot.text.sample import SAMPLE_NOTE
from storage.repos import agent as agent_repo
from tools.base import ToolUserError

if TYPE_CHECKING:
    from bot.agent.context import PreparedContext, ToolContextProvider
    from bot.agent.turns import AgentService
    from bot.platform.services import Services
    from tools.context import ToolContext

log = logging.getLogger(__name__)

THREAD_TITLE_MAX = 80
# Send the growing answer at most this often (append to the stream, or edit the message without streaming).
_SEND_INTERVAL_SECONDS = 0.25


class StatusIndicator:
    """The thread's status ("is reading GA4…" with the current step as its loading messages), set without holding
    up the work. Nothing is said twice in a row, a step whose every lookup was already announced (the model asked
    for the same report again) is not announced again, and once the answer starts (`clear`) no status is set any
    more. `settle` before posting so a late status never reappears under the answer."""

    def __init__(self, client: AsyncWebClient, *, channel_id: str, thread_ts: str) -> None:
        self._client = client
        self._channel = channel_id
        self._thread = thread_ts
        self._last: asyncio.Task[None] | None = None
        self._shown: tuple[str, tuple[str, ...]] | None = None
        self._announced: set[str] = set()  # the steps' loading messages shown so far
        self._cleared = False

    def set(self, status: str, loading_messages: Sequence[str] = (), *, step: bool = False) -> None:
        """`step`: the loading messages name lookups, each announced once per answer."""
        wanted = (status, tuple(dict.fromkeys(loading_messages)))
        if self._cleared or wanted == self._shown:
            return
        if step and wanted[1] and self._announced.issuperset(wanted[1]):
            return
        if step:
            self._announced.update(wanted[1])
        self._shown = wanted
        self._last = asyncio.get_running_loop().create_task(self._set(self._last, *wanted))

    def clear(self) -> None:
        """The answer has started: take the status away (once) and set none after it."""
        if self._cleared:
            return
        self._cleared = True
        if self._shown is not None:
            self._last = asyncio.get_running_loop().create_task(self._set(self._last, "", ()))

    async def _set(self, previous: asyncio.Task[None] | None, status: str, loading: tuple[str, ...]) -> None:
        if previous is not None:
            await previous
        try:
            await self._client.assistant_threads_setStatus(
                channel_id=self._channel,
                thread_ts=self._thread,
                status=status,
                loading_messages=list(loading) or None,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # Not fatal: the answer still comes; some workspaces allow statuses only in assistant threads.
            log.info("could not set the status: %s", _describe(error))

    async def settle(self) -> None:
        if self._last is not None:
            await self._last


class AnswerStream:
    """One answer message in a thread: its plan (tasks) then its text, streamed when Slack allows it, else posted
    and updated with the plan as a "How I got this" block.

    Streaming speaks Slack's chunks: each task as a `task_update` chunk (timeline display), the text as
    `markdown_text` chunks. The stream opens with the first tasks (or the first text when no tool runs). Text is
    sent at most every `_SEND_INTERVAL_SECONDS`; whatever is left goes out with the final call, so a quick answer
    costs one start and one stop call.

    Slack failing on the way never costs the answer and never doubles it. Calls that add text (start, append,
    stop with text, post) are never repeated blindly: a refused start makes the answer a post (`post_once`, which
    looks for its own message before posting again), and a failed append or stop ends the stream and writes the
    whole text with `chat.update`, which may be repeated safely. The client itself retries what is safe to retry
    (`bot.platform.slack.writes`).
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
        plan: Plan | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._channel = channel_id
        self._thread = thread_ts
        self._team = team_id
        self._user = user_id
        self._status = status
        self.plan = plan if plan is not None else Plan(where=Where())
        self._clock = clock
        self.ts: str | None = None
        self.streaming = False
        self._refused = False  # chat.startStream failed: no streaming for this answer
        self._void = False  # shown text was voided by a model fallback; replaced at the end
        self._text = ""  # everything appended since the last restart
        self._sent = ""  # what Slack has been sent
        self._last_send = 0.0
        self._lock = asyncio.Lock()  # tools finish in parallel; their updates go out one at a time

    async def show_tasks(self, tasks: Sequence[Task]) -> None:
        """Send these tasks as they stand now (while streaming; otherwise they end up in "How I got this")."""
        if not tasks:
            return
        chunks = [task.chunk() for task in tasks]
        async with self._lock:
            if self.ts is None and not self._refused:
                await self._start(chunks)
            elif self.streaming:
                try:
                    await self._client.chat_appendStream(channel=self._channel, ts=self._require_ts(), chunks=chunks)
                except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
                    log.info(
                        "appending tasks to the stream failed (%s); updating the message instead", _describe(error)
                    )
                    await self._leave_stream()

    async def append(self, text: str) -> None:
        if not text:
            return
        self._text += text
        if self._void:
            return
        async with self._lock:
            if self.ts is None:
                await self._open(text)
            elif self._clock() - self._last_send >= _SEND_INTERVAL_SECONDS:
                await self._send_pending()

    def restart(self) -> None:
        """Text streamed so far is void; what follows replaces it when the answer is done."""
        self._text = ""
        if self.ts is not None:
            self._void = True

    def _require_ts(self) -> str:
        assert self.ts is not None
        return self.ts

    async def _start(self, chunks: list[dict[str, Any]]) -> bool:
        """Open the stream with `chunks`; False (and no streaming for this answer) when Slack refuses."""
        if self._status is not None:
            await self._status.settle()
        try:
            response = await self._client.chat_startStream(
                channel=self._channel,
                thread_ts=self._thread,
                chunks=chunks,
                task_display_mode="timeline",
                recipient_team_id=self._team,
                recipient_user_id=self._user,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # A refusal (streaming not enabled) or a failure (a 5xx page): post and update instead. A start that
            # failed ambiguously may have left an empty streaming message behind; Slack ends it on its own.
            log.info("streaming unavailable (%s); posting and updating instead", _describe(error))
            self._refused = True
            return False
        self.ts, self.streaming = str(response["ts"]), True
        return True

    async def _open(self, text: str) -> None:
        if self._status is not None:
            await self._status.settle()
        if self._refused or not await self._start([_text_chunk(text)]):
            self.ts = await post_once(
                self._client,
                channel_id=self._channel,
                thread_ts=self._thread,
                text=text,
                blocks=[_markdown(text), *self._plan_blocks()],
            )
        self._sent = text
        self._last_send = self._clock()

    async def _send_pending(self) -> None:
        assert self.ts is not None
        if self.streaming and self._text.startswith(self._sent):
            pending = self._text[len(self._sent) :]
            if pending:
                try:
                    await self._client.chat_appendStream(
                        channel=self._channel, ts=self.ts, chunks=[_text_chunk(pending)]
                    )
                except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
                    # Whether the text landed is unknown: never append it again; the whole text goes out by update.
                    log.info("appending to the stream failed (%s); updating the message instead", _describe(error))
                    await self._leave_stream()
        if not self.streaming:
            await self._update(self._text, blocks=self._plan_blocks(), final=False)
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

    def _plan_blocks(self) -> list[dict[str, Any]]:
        block = self.plan.context_block()
        return [block] if block is not None else []

    async def finish(self, final_text: str, *, blocks: list[dict[str, Any]]) -> str:
        """End the message with `final_text` as the whole answer and `blocks` (footer, buttons) under it.

        Tasks still open did not finish (a limit, a person must act) and are shown so; without streaming the plan
        goes in a "How I got this" block above `blocks`.
        """
        closing = [task.chunk() for task in self.plan.close()]
        if self._status is not None:
            self._status.clear()
            await self._status.settle()
        async with self._lock:
            return await self._finish(final_text, blocks=blocks, closing=closing)

    async def _finish(self, final_text: str, *, blocks: list[dict[str, Any]], closing: list[dict[str, Any]]) -> str:
        if self.ts is None:
            self.ts = await post_once(
                self._client,
                channel_id=self._channel,
                thread_ts=self._thread,
                text=final_text,
                blocks=[_markdown(final_text), *self._plan_blocks(), *blocks],
            )
            return self.ts
        if self.streaming:
            rest = None
            if not self._void and final_text.startswith(self._sent):
                rest = final_text[len(self._sent) :]
            elif not self._void and final_text.startswith(self._sent.rstrip()):
                rest = final_text[len(self._sent.rstrip()) :]
            if rest is not None:
                chunks = closing + ([_text_chunk(rest)] if rest else [])
                try:
                    await self._client.chat_stopStream(
                        channel=self._channel, ts=self.ts, chunks=chunks or None, blocks=blocks
                    )
                    self.streaming = False
                    return self.ts
                except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
                    log.info("ending the stream failed (%s); updating the message instead", _describe(error))
            await self._leave_stream()
        await self._update(final_text, blocks=[*self._plan_blocks(), *blocks])
        return self.ts


def _describe(error: BaseException) -> str:
    return error_code(error) if isinstance(error, SlackApiError) else type(error).__name__


def _markdown(text: str) -> dict[str, Any]:
    return {"type": "markdown", "text": text or " "}


def _text_chunk(text: str) -> dict[str, Any]:
    """Slack's `markdown_text` chunk."""
    return {"type": "markdown_text", "text": text}


def _first_args(runs: Sequence[ToolRun], prefix: str) -> dict[str, object]:
    for run in runs:
        if not run.outcome.is_error and run.call.name.startswith(prefix):
            return run.call.arguments_object() or {}
    return {}


def _dimension_names(args: dict[str, object]) -> list[str]:
    value = args.get("dimensions") or ([args["dimension"]] if isinstance(args.get("dimension"), str) else [])
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def footer_text(result: AgentResult, prepared: PreparedContext, *, with_links: bool = False) -> str:
    """Where the numbers came from (with `with_links`, each source opens its report: Lookout's own links), the
    exact dates, and which model answered."""
    context = prepared.context
    names = {run.call.name for run in result.tool_runs if not run.outcome.is_error}
    found = followups.dates_answered(result.tool_runs)
    sources: list[str] = [SAMPLE_NOTE] if prepared.sample else []
    urls: list[str | None] = [None] * len(sources)
    if any(name.startswith("ga4_") or name == "explain_change" for name in names) and context.property_id:
        name = prepared.property_name
        sources.append(
            f"GA4 · {name} (properties/{context.property_id})" if name else f"GA4 properties/{context.property_id}"
        )
        dimensions = _dimension_names(_first_args(result.tool_runs, "ga4_"))
        ga4_runs = [run for run in result.tool_runs if not run.call.name.startswith("gsc_")]
        urls.append(
            links.ga4_report(
                property_id=context.property_id, dimensions=dimensions, ranges=followups.dates_answered(ga4_runs)[:2]
            )
        )
    if any(name.startswith("gsc_") for name in names) and context.site_url:
        sources.append(f"Search Console {context.site_url}")
        dimensions = _dimension_names(_first_args(result.tool_runs, "gsc_"))
        urls.append(
            links.search_console_performance(
                site_url=context.site_url,
                ranges=followups.dates_answered([run for run in result.tool_runs if run.call.name.startswith("gsc_")])[
                    :2
                ],
                breakdown=dimensions[0] if dimensions else None,
            )
        )
    label = plan_words.ranges_label(found)
    return messages.footer(
        sources=sources,
        source_links=urls if with_links and not prepared.sample else (),  # sample data has no report to open
        date_ranges=[label] if label else [],
        model_label=messages.model_label(result.model or ""),
        fallback_from=[messages.model_label(name) for name in result.fallback_from],
    )


def answer_blocks(result: AgentResult, prepared: PreparedContext) -> list[dict[str, Any]]:
    """What goes under the answer's text: a note on unverified numbers, the footer (sources that open their
    reports, dates, model), follow-up questions drawn from the tool calls, and Slack's native feedback buttons."""
    blocks: list[dict[str, Any]] = []
    if result.grounding.untraced:
        note = messages.untraced_numbers(count=len(result.grounding.untraced))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    footer = footer_text(result, prepared, with_links=True)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"_{footer}_"}]})
    follow_ups = followups.follow_ups_block(followups.suggest(result.tool_runs))
    if follow_ups is not None:
        blocks.append(follow_ups)
    blocks.append(feedback_block())
    return blocks


def tool_calls_record(runs: Sequence[ToolRun]) -> str:
    """The answer's tool calls as stored with it (and exported with feedback): name, arguments, whether it worked."""
    return json.dumps(
        [
            {
                "name": run.call.name,
                "arguments": run.call.arguments_object() or run.call.arguments,
                "ok": not run.outcome.is_error,
            }
            for run in runs
        ],
        ensure_ascii=False,
    )


def where_of(prepared: PreparedContext) -> Where:
    context = prepared.context
    return Where(
        # The built-in sample property has no report in Google to open: its tasks carry no links.
        property_id=None if prepared.sample else context.property_id,
        site_url=None if prepared.sample else context.site_url,
        ga4_today=context.property_today(),
        search_console_today=context.search_console_today(),
    )


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
        workspace_id = message.workspace.id
        assert workspace_id is not None
        channel, thread = message.channel_id, message.thread_ts
        if not message.text.strip():
            await post_once(client, channel_id=channel, thread_ts=thread, text=messages.EMPTY_QUESTION)
            return
        status = StatusIndicator(client, channel_id=channel, thread_ts=thread)
        status.set(plan_words.STATUS_THINKING, [plan_words.LOADING_THINKING])
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
            plan=Plan(where=where_of(prepared)),
        )
        plan = stream.plan

        async def on_event(event: AgentEvent) -> None:
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
        if message.is_dm and outcome.first_turn:
            await self._title(client, message, plan)
        await self._upload_charts(client, message, outcome.result)

    async def _finish(
        self, message: IncomingMessage, stream: AnswerStream, result: AgentResult, prepared: PreparedContext
    ) -> None:
        if result.user_problem is not None:
            text, blocks = await self._problem_reply(result.user_problem, message)
            # The stream shows `text` itself; only what goes under it (buttons, menus) is passed on.
            await stream.finish(text, blocks=blocks[1:])
            return
        ts = await stream.finish(safe_model_text(result.text), blocks=answer_blocks(result, prepared))
        await self._remember(message, ts, result)

    async def _title(self, client: AsyncWebClient, message: IncomingMessage, plan: Plan) -> None:
        """Name a new DM thread after what was looked up (the first task, in our words), else the question."""
        title = next((task.view.title for task in plan.tasks if task.id != MORE_ID), "") or inert(message.text)
        try:
            await client.assistant_threads_setTitle(
                channel_id=message.channel_id, thread_ts=message.thread_ts, title=title[:THREAD_TITLE_MAX]
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.info("could not title the thread: %s", _describe(error))

    async def _remember(self, message: IncomingMessage, ts: str, result: AgentResult) -> None:
        """Keep what this answer was made of, so a vote on it can say (a failure here costs only that)."""
        assert message.workspace.id is not None
        try:
            async with self.agent.database.session() as session:
                await agent_repo.record_answer(
                    session=session,
                    workspace_id=message.workspace.id,
                    channel_id=message.channel_id,
                    thread_ts=message.thread_ts,
                    message_ts=ts,
                    question=message.text,
                    tool_calls_json=tool_calls_record(result.tool_runs),
                    model=result.model or "",
                )
        except Exception:
            log.warning("could not record the answer for feedback", exc_info=True)

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
