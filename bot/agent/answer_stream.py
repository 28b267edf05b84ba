"""The answer as Slack shows it while it is written: a thread status while working, then one message with the plan
(tasks) and the text, streamed with `chat.startStream`/`appendStream`/`stopStream` addressed to the asker, or posted
and updated in place where a workspace cannot stream.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.agent.plan import Plan, Task
from bot.agent.plan_steps import Where
from bot.platform.slack.errors import error_code
from bot.platform.slack.writes import post_once

log = logging.getLogger(__name__)

# Send to the stream at most this often (tasks and the growing answer; without streaming, edits of the message).
# Updates that come quicker go out together: a lookup that takes less than this shows as done without first being
# shown as running, and a quick answer costs one start and one stop call.
_SEND_INTERVAL_SECONDS = 0.25


class StatusIndicator:
    """The thread's status ("is reading GA4…" with the current step as its loading messages), set without holding
    up the work. Nothing is said twice in a row, a step whose every lookup was already announced (the model asked
    for the same report again) is not announced again, and once the answer starts (`clear`) no status is set any
    more. `settle` before posting so a late status never reappears under the answer.

    Statuses go out one call at a time, in order, at most every `_SEND_INTERVAL_SECONDS` (as the stream's updates):
    a status set sooner waits, and one set while another waits replaces it, since it would have been overwritten
    as soon as it was shown. So a step quicker than the interval is not shown; the status Slack is left with is
    always the newest one; `clear` and `settle` send what waits at once. One Web API call fewer per skipped status.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        channel_id: str,
        thread_ts: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._channel = channel_id
        self._thread = thread_ts
        self._clock = clock
        self._sender: asyncio.Task[None] | None = None  # sends `_waiting`, then whatever is set meanwhile
        self._waiting: tuple[str, tuple[str, ...]] | None = None  # the newest status not sent yet
        self._last_send = -math.inf
        self._due: asyncio.Future[None] | None = None  # ends the sender's wait for the interval early
        self._hurried = False  # `clear` or `settle` asked: send without waiting until the sender is done
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
        self._send(wanted)

    def clear(self) -> None:
        """The answer has started: take the status away (once, at once) and set none after it."""
        if self._cleared:
            return
        self._cleared = True
        if self._shown is not None:
            self._send(("", ()))
            self._hurry()

    async def settle(self) -> None:
        """Send what waits at once, and wait until every status set so far is sent (or replaced by one that was)."""
        if self._sender is not None and not self._sender.done():
            self._hurry()
            await self._sender

    def _send(self, status: tuple[str, tuple[str, ...]]) -> None:
        self._waiting = status
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_waiting())

    def _hurry(self) -> None:
        self._hurried = True
        if self._due is not None and not self._due.done():
            self._due.set_result(None)

    async def _send_waiting(self) -> None:
        try:
            while self._waiting is not None:
                delay = self._last_send + _SEND_INTERVAL_SECONDS - self._clock()
                if delay > 0 and not self._hurried:
                    await self._wait(delay)
                    continue  # what waits may have changed meanwhile
                (status, loading), self._waiting = self._waiting, None
                self._last_send = self._clock()
                await self._set(status, loading)
        finally:
            self._hurried = False

    async def _wait(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        due = self._due = loop.create_future()
        timer = loop.call_later(delay, _resolve, due)
        try:
            await due
        finally:
            timer.cancel()
            self._due = None

    async def _set(self, status: str, loading: tuple[str, ...]) -> None:
        try:
            await self._client.assistant_threads_setStatus(
                channel_id=self._channel,
                thread_ts=self._thread,
                status=status,
                loading_messages=list(loading) or None,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # Not fatal: the answer still comes; some workspaces allow statuses only in assistant threads.
            log.info("could not set the status: %s", describe_error(error))


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AnswerStream:
    """One answer message in a thread: its plan (tasks) then its text, streamed when Slack allows it, else posted
    and updated with the plan as a "How I got this" block.

    Streaming speaks Slack's chunks: each task as a `task_update` chunk (timeline display), the text as
    `markdown_text` chunks. The stream opens with the first tasks (or the first text when no tool runs). After that
    the stream is sent to at most every `_SEND_INTERVAL_SECONDS`: task updates wait in a queue (a task's latest state
    replaces its earlier one) that a timer sends, text waits for the next append (the first words of the answer go at
    once, with the queued tasks); whatever is left goes out with the final call, so a quick answer costs one start
    and one stop call.

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
        self._queued: dict[str, dict[str, Any]] = {}  # task updates not sent yet, by task id, first-queued first
        self._flusher: asyncio.Task[None] | None = None  # sends `_queued` once the interval has passed

    async def show_tasks(self, tasks: Sequence[Task]) -> None:
        """Send these tasks as they stand now (while streaming; otherwise they end up in "How I got this"): the first
        ones open the stream, later ones are queued and sent together (`_SEND_INTERVAL_SECONDS`)."""
        if not tasks:
            return
        chunks = [task.chunk() for task in tasks]
        async with self._lock:
            if self.ts is None and not self._refused:
                await self._start(chunks)
                return
        if self.streaming:
            for chunk in chunks:
                self._queued[chunk["id"]] = chunk
            if self._flusher is None or self._flusher.done():
                delay = max(self._last_send + _SEND_INTERVAL_SECONDS - self._clock(), 0.0)
                self._flusher = asyncio.get_running_loop().create_task(self._send_queued(delay))

    async def _send_queued(self, delay: float) -> None:
        await asyncio.sleep(delay)
        async with self._lock:
            chunks = self._take_queued()
            if chunks and self.streaming:
                await self._append_chunks(chunks, what="tasks")
                self._last_send = self._clock()

    def _take_queued(self) -> list[dict[str, Any]]:
        chunks, self._queued = list(self._queued.values()), {}
        return chunks

    async def _append_chunks(self, chunks: list[dict[str, Any]], *, what: str) -> None:
        """`chat.appendStream`, never repeated: when it fails the stream ends and the rest goes by `chat.update`."""
        try:
            await self._client.chat_appendStream(channel=self._channel, ts=self._require_ts(), chunks=chunks)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            # Whether it landed is unknown: never append it again; the whole text goes out by update.
            log.info(
                "appending %s to the stream failed (%s); updating the message instead", what, describe_error(error)
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
            elif not self._sent or self._clock() - self._last_send >= _SEND_INTERVAL_SECONDS:
                await self._send_pending()  # the first words at once, then at most every interval

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
            log.info("streaming unavailable (%s); posting and updating instead", describe_error(error))
            self._refused = True
            return False
        self.ts, self.streaming = str(response["ts"]), True
        self._last_send = self._clock()
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
            # Queued task updates go first: they happened before this text was written.
            chunks = [*self._take_queued(), *([_text_chunk(pending)] if pending else [])]
            if chunks:
                await self._append_chunks(chunks, what="text")
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
            log.info("stopping the stream failed (%s); it may already be stopped", describe_error(error))

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
            log.info("updating the answer in progress failed (%s)", describe_error(error))

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
            if self._flusher is not None:
                self._flusher.cancel()  # what it would send goes with the final call
            # A task's closing state replaces a queued one; tasks first queued keep their place.
            queued = {chunk["id"]: chunk for chunk in [*self._take_queued(), *closing]}
            return await self._finish(final_text, blocks=blocks, closing=list(queued.values()))

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
                    log.info("ending the stream failed (%s); updating the message instead", describe_error(error))
            await self._leave_stream()
        await self._update(final_text, blocks=[*self._plan_blocks(), *blocks])
        return self.ts


def describe_error(error: BaseException) -> str:
    return error_code(error) if isinstance(error, SlackApiError) else type(error).__name__


def _markdown(text: str) -> dict[str, Any]:
    return {"type": "markdown", "text": text or " "}


def _text_chunk(text: str) -> dict[str, Any]:
    """Slack's `markdown_text` chunk."""
    return {"type": "markdown_text", "text": text}
