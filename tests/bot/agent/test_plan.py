"""An answer's plan: each call a task with its status; calls past the cap share one summary task."""

from __future__ import annotations

from bot.agent.plan import MAX_TASKS, Plan
from bot.agent.plan_steps import Where
from bot.llm.messages import ToolCallPart
from tools.base import ToolOutcome


def test_calls_past_the_cap_are_counted_in_one_summary_task() -> None:
    plan = Plan(where=Where())
    calls = [ToolCallPart(id=f"c{i}", name="ga4_realtime", arguments="{}") for i in range(MAX_TASKS + 3)]
    plan.running(calls)
    for index, item in enumerate(calls):
        outcome = ToolOutcome(name=item.name, is_error=index == len(calls) - 1, content="Invalid arguments: x")
        plan.finished(item, outcome)

    summary = plan.tasks[-1]
    assert len(plan.tasks) == MAX_TASKS + 1
    assert (summary.view.title, summary.status, summary.output) == (
        "3 more lookups",
        "complete",
        "1 of 3 didn't complete",
    )
