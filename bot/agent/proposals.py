"""The alert rules an answer proposed (`propose_alert_rule` calls that succeeded), shown under it with a "Create rule"
button each. The proposal alone changes nothing: `bot.slack.actions.rules` creates the rule on a person's click."""

from __future__ import annotations

from typing import Any

from bot.agent.events import AgentResult
from bot.text import rules as messages
from tools.rules.propose import TOOL_NAME, RuleProposal


def proposals(result: AgentResult) -> list[RuleProposal]:
    found: list[RuleProposal] = []
    for run in result.tool_runs:
        proposal = run.outcome.result
        ok = run.call.name == TOOL_NAME and not run.outcome.is_error
        if ok and isinstance(proposal, RuleProposal) and proposal not in found:
            found.append(proposal)
    return found[: messages.MAX_PROPOSALS]


def proposal_blocks(result: AgentResult) -> list[dict[str, Any]]:
    blocks = []
    for index, proposal in enumerate(proposals(result)):
        spec = proposal.spec()
        channel = proposal.channel or ""
        text = messages.proposal_text(
            description=messages.describe_rule(spec),
            meaning=messages.rule_meaning(spec),
            channel_id=None if channel.startswith("#") or not channel else channel,
            channel_name=channel if channel.startswith("#") else None,
        )
        blocks.append(messages.proposal_block(text=text, value=proposal.button_value(), index=index))
    return blocks
