"""`propose_alert_rule`: the model drafts an alert rule for a person to confirm. It creates nothing: the answer shows
the rule with a "Create rule" button, and only a click by someone allowed to change settings creates it
(`bot.slack.actions.rules`). The names are checked against the property here, so what is proposed can be created.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import BaseModel, Field

from storage.tables.rules import RuleCondition, RuleSource, RuleWindow
from tools.base import Tool, ToolError
from tools.context import ToolContext
from tools.rules.resolve import resolve_rule
from tools.rules.spec import MAX_DIMENSION_VALUE, RuleProblem, RuleSpec, checked

TOOL_NAME = "propose_alert_rule"
_ESCAPED_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_CHANNEL_NAME = re.compile(r"^#?([a-z0-9][a-z0-9._\-]{0,79})$")
DESCRIPTION = (
    "Propose an alert rule; a person creates it with a button under your answer (you cannot). drops/rises: change "
    "vs the same weekday (daily) or hour (hourly) a week before; below/above: the value."
)
PROPOSED = "Not created: a manager must press Create rule under your answer. Show the rule; never say it exists."


class ProposeRuleInput(BaseModel):
    # Lengths are checked in `propose_alert_rule`, not in the schema: every request carries the schema.
    metric: str = Field(description="GA4 metric or Search Console clicks/impressions")
    condition: Literal["drops", "rises", "below", "above"]
    threshold: float = Field(gt=0)
    percent: bool = Field(default=False, description="threshold is a %")
    window: Literal["daily", "hourly"] = "daily"
    channel: str | None = Field(default=None, description="default: this channel")
    dimension: str | None = None
    value: str | None = None


class RuleProposal(BaseModel):
    """A valid rule waiting for a person's click; `channel` is a channel id, `#name`, or None (where asked)."""

    channel: str | None
    source: Literal["ga4", "gsc"]
    metric: str
    condition: Literal["drops", "rises", "below", "above"]
    threshold: float
    percent: bool
    window: Literal["daily", "hourly"]
    dimension: str = ""
    value: str = ""
    corrections: list[str] = Field(default_factory=list)
    status: str = PROPOSED

    def spec(self) -> RuleSpec:
        return RuleSpec(
            source=RuleSource(self.source),
            metric=self.metric,
            condition=RuleCondition(self.condition),
            threshold=self.threshold,
            percent=self.percent,
            window=RuleWindow(self.window),
            dimension=self.dimension,
            dimension_value=self.value,
        )

    def button_value(self) -> str:
        """What the "Create rule" button carries (re-checked on the click: a button's value is only a suggestion)."""
        return self.model_dump_json(include={"channel", "source", "metric", "condition", "threshold", "percent",
                                             "window", "dimension", "value"})  # fmt: skip

    @classmethod
    def from_button(cls, value: str) -> RuleProposal | None:
        try:
            return cls.model_validate(json.loads(value))
        except ValueError:
            return None


def channel_ref(text: str | None) -> str | None:
    """A channel as the model wrote it: its id, `#name`, or None for the channel where the question was asked."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    if match := _ESCAPED_CHANNEL.match(raw):
        return match.group(1)
    if _CHANNEL_ID.match(raw):
        return raw
    if match := _CHANNEL_NAME.match(raw.lower()):
        return f"#{match.group(1)}"
    raise ToolError(f"channel {raw!r}: write it as <#C…|name> or #name, or leave it out for this channel.")


async def propose_alert_rule(args: ProposeRuleInput, ctx: ToolContext) -> RuleProposal:
    """A rule the person can create with the button under the answer; nothing is created here."""
    too_long = [name for name, size in (("metric", len(args.metric)), ("channel", len(args.channel or "")),
                ("dimension", len(args.dimension or "")), ("value", len(args.value or ""))) if size > MAX_DIMENSION_VALUE]  # fmt: skip
    if too_long:
        raise ToolError(f"Too long: {', '.join(too_long)}.")
    if bool(args.dimension) != bool(args.value):
        raise ToolError("Give both dimension and value, or neither.")
    channel = channel_ref(args.channel)
    try:
        spec = checked(
            RuleSpec(
                source=RuleSource.GA4,
                metric=args.metric,
                condition=RuleCondition(args.condition),
                threshold=args.threshold,
                percent=args.percent,
                window=RuleWindow(args.window),
                dimension=args.dimension or "",
                dimension_value=args.value or "",
            )
        )
        resolved = await resolve_rule(spec, ctx)
    except RuleProblem as problem:
        close = f" Closest: {', '.join(problem.close)}." if problem.close else ""
        raise ToolError(f"Cannot propose this rule ({problem.problem.value}: {problem.value!r}).{close}") from None
    final = resolved.spec
    return RuleProposal(
        channel=channel,
        source="gsc" if final.source is RuleSource.SEARCH_CONSOLE else "ga4",
        metric=final.metric,
        condition=args.condition,
        threshold=final.threshold,
        percent=final.percent,
        window=args.window,
        dimension=final.dimension,
        value=final.dimension_value,
        corrections=resolved.corrections,
    )


RULE_TOOLS: list[Tool[ProposeRuleInput, ToolContext]] = [
    Tool(
        name=TOOL_NAME,
        description=DESCRIPTION,
        input_model=ProposeRuleInput,
        run=propose_alert_rule,
    )
]
