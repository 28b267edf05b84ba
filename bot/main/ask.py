"""`lookout ask "QUESTION" --team T [--channel C]`: the same agent turn a mention runs, printed to the terminal.

The answer streams to stdout as it is written; the footer (sources, dates, model) follows it. Problems a person
must fix (Google not connected, budget spent) are printed as the same sentences Slack would show, exit status 1.
"""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING, TextIO

from bot.agent.events import AgentEvent, AnswerRestart, AnswerText, ToolsStarted
from bot.agent.turns import TurnOutcome, TurnStatus
from bot.config.settings import Settings
from bot.main.agent import build_agent_service
from bot.main.workspace import open_workspace
from bot.text import agent as messages
from bot.text import google as google_messages
from tools.base import ToolUserError

if TYPE_CHECKING:
    from bot.agent.context import PreparedContext, ToolContextProvider
    from bot.agent.plan_steps import Where

CLI_CHANNEL = "cli"


async def ask(
    *,
    settings: Settings,
    question: str,
    team_id: str,
    channel_id: str | None,
    contexts: ToolContextProvider | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Answer `question` for the workspace `team_id` and print it; the exit status (0, 1 a problem, 2 no workspace)."""
    from bot.agent.answer_parts import where_of
    from bot.agent.context import GoogleToolContexts
    from bot.main.build import build_services

    # Looked up now, not bound as defaults at import: a caller (or pytest) may have replaced them since.
    out, err = out or sys.stdout, err or sys.stderr
    services = build_services(settings)
    agent = build_agent_service(services)
    try:
        found = await open_workspace(services=services, settings=settings, team_id=team_id, err=err)
        if found is None:
            return 2
        workspace, workspace_id = found
        provider = contexts or GoogleToolContexts(services)
        try:
            prepared = await provider(workspace_id=workspace_id, channel_id=channel_id)
        except ToolUserError as problem:
            err.write(google_messages.problem_text(problem.message_key, workspace_name=workspace.name) + "\n")
            return 1
        terminal = _Terminal(out=out, err=err, where=where_of(prepared))
        outcome = await agent.answer(
            question,
            workspace_id=workspace_id,
            channel_id=channel_id or CLI_CHANNEL,
            thread_ts=f"cli-{uuid.uuid4().hex[:16]}",  # thread ids are at most 32 characters
            context=prepared.context,
            facts=prepared.facts(services.clock()),
            on_event=terminal.show,
        )
        return terminal.finish(outcome, prepared)
    finally:
        await agent.models.aclose()
        services.google_runtime.close()
        await services.database.dispose()


class _Terminal:
    """The turn as the terminal shows it: the answer on `out` as it streams, the lookups and restarts on `err`."""

    def __init__(self, *, out: TextIO, err: TextIO, where: Where) -> None:
        self._out = out
        self._err = err
        self._where = where
        self._shown: list[str] = []

    async def show(self, event: AgentEvent) -> None:
        from bot.agent.plan_steps import describe

        if isinstance(event, AnswerText):
            self._shown.append(event.text)
            self._out.write(event.text)
            self._out.flush()
        elif isinstance(event, AnswerRestart):
            self._shown.clear()
            self._err.write(f"\n[{event.model} answers from the start: the previous model failed]\n")
        elif isinstance(event, ToolsStarted):
            for call in event.calls:
                self._err.write(f"[{describe(call, where=self._where).title}]\n")

    def finish(self, outcome: TurnOutcome, prepared: PreparedContext) -> int:
        """The rest of the answer (what did not stream), its footer and the exit status."""
        from bot.agent.answer_parts import footer_text

        result = outcome.result
        if result is None or outcome.status is TurnStatus.USER_PROBLEM:
            key = result.user_problem.message_key if result is not None and result.user_problem else None
            self._err.write((google_messages.problem_text(key) if key else outcome.text) + "\n")
            return 1
        printed = "".join(self._shown).rstrip()
        rest = result.text[len(printed) :] if result.text.startswith(printed) else "\n" + result.text
        self._out.write(rest.rstrip() + "\n\n" + footer_text(result, prepared) + "\n")
        if result.grounding.untraced:
            self._out.write(messages.untraced_numbers(count=len(result.grounding.untraced)) + "\n")
        return 0
