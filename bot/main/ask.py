"""`lookout ask "QUESTION" --team T [--channel C]`: the same agent turn a mention runs, printed to the terminal.

The answer streams to stdout as it is written; the footer (sources, dates, model) follows it. Problems a person
must fix (Google not connected, budget spent) are printed as the same sentences Slack would show, exit status 1.
"""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING, TextIO

from bot.agent.events import AgentEvent, AnswerRestart, AnswerText, ToolsStarted
from bot.agent.turns import TurnStatus
from bot.config.settings import Settings
from bot.main.agent import build_agent_service
from bot.main.workspace import open_workspace
from bot.text import agent as messages
from bot.text import google as google_messages
from tools.base import ToolUserError

if TYPE_CHECKING:
    from bot.agent.context import ToolContextProvider

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
    from bot.agent.answer_parts import footer_text, where_of
    from bot.agent.context import GoogleToolContexts
    from bot.agent.plan_steps import describe
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
        shown: list[str] = []
        where = where_of(prepared)

        async def on_event(event: AgentEvent) -> None:
            if isinstance(event, AnswerText):
                shown.append(event.text)
                out.write(event.text)
                out.flush()
            elif isinstance(event, AnswerRestart):
                shown.clear()
                err.write(f"\n[{event.model} answers from the start: the previous model failed]\n")
            elif isinstance(event, ToolsStarted):
                for call in event.calls:
                    err.write(f"[{describe(call, where=where).title}]\n")

        outcome = await agent.answer(
            question,
            workspace_id=workspace_id,
            channel_id=channel_id or CLI_CHANNEL,
            thread_ts=f"cli-{uuid.uuid4().hex[:16]}",  # thread ids are at most 32 characters
            context=prepared.context,
            facts=prepared.facts(services.clock()),
            on_event=on_event,
        )
        result = outcome.result
        if result is None or outcome.status is TurnStatus.USER_PROBLEM:
            key = result.user_problem.message_key if result is not None and result.user_problem else None
            err.write((google_messages.problem_text(key) if key else outcome.text) + "\n")
            return 1
        printed = "".join(shown).rstrip()
        rest = result.text[len(printed) :] if result.text.startswith(printed) else "\n" + result.text
        out.write(rest.rstrip() + "\n\n" + footer_text(result, prepared) + "\n")
        if result.grounding.untraced:
            out.write(messages.untraced_numbers(count=len(result.grounding.untraced)) + "\n")
        return 0
    finally:
        await agent.models.aclose()
        services.google_runtime.close()
        await services.database.dispose()
