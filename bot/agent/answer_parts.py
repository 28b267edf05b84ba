"""What goes with an answer: the footer (sources that open their reports, dates, model), the blocks under the text,
and what its plan's dates and links are resolved against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.agent import followups
from bot.agent.events import AgentResult
from bot.agent.feedback import feedback_block
from bot.agent.plan_steps import Where
from bot.agent.proposals import proposal_blocks
from bot.agent.sources import answer_sources
from bot.text import agent as messages
from bot.text import plan as plan_words
from bot.text.sample import SAMPLE_NOTE

if TYPE_CHECKING:
    from bot.agent.context import PreparedContext


def footer_text(result: AgentResult, prepared: PreparedContext, *, with_links: bool = False) -> str:
    """Where the numbers came from (every property and site read; with `with_links`, each opens its report: Lookout's
    own links), the exact dates, and which model answered."""
    found = followups.dates_answered(result.tool_runs)
    sources: list[str] = [SAMPLE_NOTE] if prepared.sample else []
    urls: list[str | None] = [None] * len(sources)
    read, read_urls = answer_sources(result.tool_runs, prepared)
    sources += read
    urls += read_urls
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
    blocks.extend(proposal_blocks(result))  # alert rules the model proposed: a person's click creates them
    footer = footer_text(result, prepared, with_links=True)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"_{footer}_"}]})
    follow_ups = followups.follow_ups_block(followups.suggest(result.tool_runs))
    if follow_ups is not None:
        blocks.append(follow_ups)
    blocks.append(feedback_block())
    return blocks


def where_of(prepared: PreparedContext) -> Where:
    context = prepared.context
    return Where(
        # The built-in sample property has no report in Google to open: its tasks carry no links.
        property_id=None if prepared.sample else context.property_id,
        site_url=None if prepared.sample else context.site_url,
        linked=not prepared.sample,
        ga4_today=context.property_today(),
        search_console_today=context.search_console_today(),
    )
