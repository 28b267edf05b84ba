"""An answer's plan: each tool call as a task (title, exact request, links to the matching report, status).

How each call is described (title, details, the report's link), from its arguments alone: `bot.agent.plan_steps`.

The same tasks feed Slack's `task_update` chunks while streaming, the thread status, and the "How I got this"
context block where streaming is not available. At most `MAX_TASKS` tasks are shown; later calls are counted in one
summary task so a long plan stays within Slack's limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bot.agent.plan_steps import StepView, Where, clip, describe
from bot.llm.messages import ToolCallPart
from bot.text import plan as words
from tools.base import ToolOutcome
from tools.targets import NamedTargets

TaskStatus = Literal["pending", "in_progress", "complete", "error"]
MAX_TASKS = 10
MORE_ID = "more"


@dataclass(kw_only=True)
class Task:
    id: str
    view: StepView
    status: TaskStatus = "pending"
    output: str = ""  # our own words: why it did not complete, or a count
    calls: list[str] = field(default_factory=list)  # call ids (the summary task counts several)
    failed: int = 0

    def chunk(self) -> dict[str, Any]:
        """Slack's `task_update` chunk."""
        chunk: dict[str, Any] = {"type": "task_update", "id": self.id, "title": self.view.title, "status": self.status}
        if self.view.details:
            chunk["details"] = self.view.details
        if self.output:
            chunk["output"] = self.output
        if self.view.sources and self.status == "complete":  # the report it read (none for a request that failed)
            chunk["sources"] = [{"type": "url", "url": s.url, "text": s.text} for s in self.view.sources]
        return chunk

    @property
    def open(self) -> bool:
        return self.status in ("pending", "in_progress")


def error_reason(outcome: ToolOutcome) -> str:
    """A short honest reason in our words (a tool's error text is written for the model, not for people)."""
    # Every error a model sees is one it can fix (bad arguments, a request Google rejected): Google being down or
    # access revoked ends the turn instead (`ToolUserError`), and then open tasks are closed as not finished.
    return words.ERROR_NOT_RUN if outcome.content.startswith("Not run:") else words.ERROR_ARGUMENTS


def _names_a_target(call: ToolCallPart) -> bool:
    arguments = call.arguments_object() or {}
    return any(isinstance(arguments.get(name), str) and arguments.get(name) for name in ("property", "site"))


class Plan:
    """The tasks of one answer, in the order the model asked for them."""

    def __init__(self, *, where: Where, targets: NamedTargets | None = None) -> None:
        self.where = where
        self._targets = targets  # what a call's `property` / `site` resolved to, once it has run
        self._tasks: dict[str, Task] = {}
        self._by_call: dict[str, Task] = {}
        self._more_done: set[str] = set()  # calls counted in the summary task that finished

    @property
    def tasks(self) -> list[Task]:
        return list(self._tasks.values())

    def __bool__(self) -> bool:
        return bool(self._tasks)

    def _task_for(self, call: ToolCallPart) -> Task:
        known = self._by_call.get(call.id)
        if known is not None:
            return known
        if len(self._tasks) < MAX_TASKS:
            task = Task(id=f"task-{len(self._tasks) + 1}", view=describe(call, where=self._where_for(call)))
            self._tasks[task.id] = task
        else:
            task = self._tasks.get(MORE_ID) or Task(id=MORE_ID, view=StepView(title=""))
            self._tasks[MORE_ID] = task
        task.calls.append(call.id)
        if task.id == MORE_ID:
            task.view = StepView(title=words.MORE_TITLE.format(count=len(task.calls)))
        self._by_call[call.id] = task
        return task

    def requested(self, calls: Iterable[ToolCallPart]) -> list[Task]:
        return _unique(self._task_for(call) for call in calls)

    def running(self, calls: Iterable[ToolCallPart]) -> list[Task]:
        changed = self.requested(calls)
        for task in changed:
            task.status = "in_progress"
        return changed

    def finished(self, call: ToolCallPart, outcome: ToolOutcome) -> list[Task]:
        task = self._task_for(call)
        if task.id == MORE_ID:
            task.failed += outcome.is_error
            self._more_done.add(call.id)
            if len(self._more_done) < len(task.calls):
                return [task]
            task.status = "error" if task.failed == len(task.calls) else "complete"
            if task.failed:
                task.output = words.MORE_FAILED.format(failed=task.failed, count=len(task.calls))
            return [task]
        task.status = "error" if outcome.is_error else "complete"
        task.output = error_reason(outcome) if outcome.is_error else ""
        if not outcome.is_error and _names_a_target(call):
            task.view = describe(call, where=self._where_for(call))  # its links now open what it read
        return [task]

    def _where_for(self, call: ToolCallPart) -> Where:
        """`where`, or the property / site the call named once it resolved (no link to it before: it may not)."""
        arguments = call.arguments_object() or {}
        asked_property, asked_site = arguments.get("property"), arguments.get("site")
        where, targets = self.where, self._targets
        if isinstance(asked_property, str) and asked_property:
            ref = targets.property_read(asked_property) if targets else None
            where = replace(where, property_id=ref.property_id if ref and where.linked else None)
        if isinstance(asked_site, str) and asked_site:
            site = targets.site_read(asked_site) if targets else None
            where = replace(where, site_url=site if where.linked else None)
        return where

    def not_run(self, calls: Iterable[ToolCallPart]) -> list[Task]:
        changed = self.requested(calls)
        for task in changed:
            task.status, task.output = "error", words.ERROR_NOT_RUN
        return changed

    def close(self) -> list[Task]:
        """Whatever is still open when the answer ends did not finish (a time limit, a person must act)."""
        changed = [task for task in self._tasks.values() if task.open]
        for task in changed:
            task.status, task.output = "error", words.ERROR_STOPPED
        return changed

    def status(self, tasks: Sequence[Task]) -> tuple[str, list[str]]:
        """The thread status for the step that `tasks` are: the status line and its loading messages."""
        kinds = [task.view.kind for task in tasks]
        titles = list(dict.fromkeys(task.view.title for task in tasks if task.view.title))
        return words.status_reading(kinds), titles[: words.MAX_LOADING_MESSAGES]

    def context_block(self) -> dict[str, Any] | None:
        """The plan as "How I got this" (a context block: at most 10 elements, each text within 3,000 characters)."""
        if not self._tasks:
            return None
        tasks = self.tasks
        shown = tasks if len(tasks) <= 8 else tasks[:7]
        elements = [{"type": "mrkdwn", "text": words.HOW_I_GOT_THIS}]
        for task in shown:
            source = task.view.sources[0] if task.view.sources and task.status == "complete" else None
            link = f"<{source.url}|{source.text}>" if source else None
            details = task.view.details if not task.output else f"{task.output}. {task.view.details}".strip()
            line = words.plan_line(status=task.status, title=task.view.title, details=details, link=link)
            elements.append({"type": "mrkdwn", "text": clip(line, 3000)})
        if len(shown) < len(tasks):
            more = sum(len(task.calls) for task in tasks[len(shown) :])
            elements.append({"type": "mrkdwn", "text": words.MORE_STEPS.format(count=more)})
        return {"type": "context", "elements": elements}


def _unique(tasks: Iterable[Task]) -> list[Task]:
    return list({task.id: task for task in tasks}.values())
