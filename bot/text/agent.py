"""What the agent says in Slack (and `lookout ask`) besides the model's own words."""

from __future__ import annotations

from collections.abc import Sequence

from bot.text.escape import escape, in_code, in_emphasis

# Slack's native feedback buttons under an answer (`feedback_buttons` in a `context_actions` block), and the
# ordinary 👍/👎 buttons of answers posted before them, still acked and stored (bot.agent.feedback listens).
ACTION_FEEDBACK = "agent_feedback"
FEEDBACK_GOOD = "good"
FEEDBACK_BAD = "bad"
ACTION_FEEDBACK_UP = "agent_feedback_up"
ACTION_FEEDBACK_DOWN = "agent_feedback_down"
# The optional "what was wrong?" modal after a 👎.
VIEW_FEEDBACK_REASON = "agent_feedback_reason"
BLOCK_REASONS = "reasons"
ELEMENT_REASONS = "reasons"
BLOCK_COMMENT = "comment"
ELEMENT_COMMENT = "comment"
# The follow-up buttons under an answer (bot.agent.followups listens for them): one action id per position.
ACTION_FOLLOW_UP = "agent_follow_up"
MAX_FOLLOW_UPS = 3


def follow_up_action(index: int) -> str:
    return f"{ACTION_FOLLOW_UP}_{index}"


# What a tool call would have fetched, for "I could not…" sentences.
TOOL_PURPOSE = {
    "ga4_run_report": "a GA4 report",
    "gsc_search_analytics": "a Search Console query",
    "gsc_workflow": "a Search Console check",
    "ga4_workflow": "a GA4 key-event, funnel or AI-traffic report",
}


def _purposes(names: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for name in names:
        purpose = TOOL_PURPOSE.get(name, "another data query")
        counts[purpose] = counts.get(purpose, 0) + 1
    parts = [purpose if count == 1 else f"{count}× {purpose}" for purpose, count in counts.items()]
    return ", ".join(parts)


def stopped_early(*, reason: str, not_run: Sequence[str]) -> str:
    """The note after a partial answer. `reason` is a StopReason value."""
    why = {
        "model_calls": "I reached my limit of steps for one question",
        "tool_calls": "I reached my limit of data queries for one question",
        "tokens": "this conversation reached its size limit",
        "time": "I ran out of time",
        "tool_errors": "my data queries kept failing",
    }.get(reason, "I had to stop early")
    if not_run:
        return f"_This answer is incomplete: {why}, so I could not run {_purposes(not_run)}. Try a narrower question._"
    return f"_This answer may be incomplete: {why}. Try a narrower question if something is missing._"


NO_ANSWER = "I couldn't put an answer together from the data I fetched."
MODEL_DECLINED = (
    "The AI model declined to answer this request. Try rephrasing it, or ask about a specific metric and date range."
)


def untraced_numbers(*, count: int) -> str:
    noun = "number" if count == 1 else "numbers"
    return f"⚠️ {count} {noun} marked _(unverified)_ could not be traced to the data I fetched."


UNVERIFIED_MARK = " _(unverified)_"

MODELS_UNAVAILABLE = "Sorry, none of the AI models I use are answering right now. Please try again in a few minutes."


def models_key_rejected(*, rejected: Sequence[tuple[str, str]], others_down: bool) -> str:
    """No model answered and at least one provider refused its API key: `rejected` is (provider, variable)."""
    named = [
        f"{escape(label)} (`{in_code(escape(variable))}`)" if variable else escape(label)
        for label, variable in rejected
    ]
    providers = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    keys = "key" if len(named) == 1 else "keys"
    text = (
        f"I can't answer right now: the AI provider rejected this Lookout's API {keys} for {providers}. "
        f"An admin must fix the {keys} on the Lookout server"
    )
    if others_down:
        return (
            text + "; meanwhile the other AI models I use aren't answering either. Please try again in a few minutes."
        )
    return text + "; trying again won't help until then."


NO_MODEL_CONFIGURED = (
    "No AI model is configured for this Lookout: an admin needs to set an API key "
    "(ANTHROPIC_API_KEY, GEMINI_API_KEY, XAI_API_KEY or OPENAI_API_KEY)."
)


def budget_spent(*, month: str, next_month: str) -> str:
    return (
        f"This workspace has used its AI budget for {escape(month)}; answers resume on {escape(next_month)} "
        "or when an admin raises it."
    )


def footer(
    *,
    sources: Sequence[str],
    date_ranges: Sequence[str],
    model_label: str,
    fallback_from: Sequence[str] = (),
    source_links: Sequence[str | None] = (),
) -> str:
    """One short line: where the numbers came from, which dates, which model (and why, if it was a fallback).

    `source_links` (Lookout's own report URLs, one per source or None) make each source open its report."""
    links = list(source_links) + [None] * (len(sources) - len(source_links))
    # The footer is shown in italics (`_…_`): a property's name must not end them.
    parts = [
        f"<{url}|{in_emphasis(escape(source))}>" if url else in_emphasis(escape(source))
        for source, url in zip(sources, links, strict=False)
    ]
    parts += [escape(date_range) for date_range in date_ranges]
    model = escape(model_label)
    failed = [escape(name) for name in dict.fromkeys(fallback_from)]  # one model may have failed twice
    if failed:
        verb = "was" if len(failed) == 1 else "were"
        named = failed[0] if len(failed) == 1 else ", ".join(failed[:-1]) + " and " + failed[-1]
        model = f"answered by {model} because {named} {verb} unavailable"
    parts.append(model)
    return " · ".join(parts)


FEEDBACK_UP = "👍"
FEEDBACK_DOWN = "👎"
FEEDBACK_UP_LABEL = "This answer was helpful"
FEEDBACK_DOWN_LABEL = "This answer was not helpful"
FEEDBACK_THANKS = "Thanks for the feedback!"

REASON_TITLE = "What was wrong?"
REASON_SUBMIT = "Send"
REASON_CLOSE = "Skip"
REASON_INTRO = "Thanks — I've noted the 👎. If you have a moment, tell me what was wrong (optional)."
REASON_CHOICES_LABEL = "What was wrong"
REASON_CHOICES = (
    ("numbers", "The numbers look wrong"),
    ("dates", "Wrong dates or period"),
    ("question", "It didn't answer my question"),
    ("source", "Wrong property, site or data source"),
    ("unclear", "Hard to read or too long"),
)
REASON_COMMENT_LABEL = "Anything else?"
REASON_COMMENT_HINT = "E.g. “I asked about paid search, not organic.”"
REASON_COMMENT_MAX = 500
REASON_SAVED = "Thanks — that helps make Lookout's answers better."


EMPTY_QUESTION = "Ask me something about your GA4 or Search Console data, e.g. “How did organic traffic do last week?”"

_PROVIDER_NAMES = {"anthropic": "Claude", "gemini": "Gemini", "xai": "Grok", "openai": "OpenAI"}


def provider_label(provider: str) -> str:
    """ "anthropic" → "Claude": the name a marketer knows the provider by."""
    return _PROVIDER_NAMES.get(provider, provider)


def model_label(name: str) -> str:
    """ "anthropic:claude-haiku-5-5" → "Claude Haiku 5.5"; "gemini:gemini-2.5-flash" → "Gemini 2.5 Flash"."""
    provider, _, model = name.partition(":")
    words: list[str] = []
    for word in model.split("-"):
        if len(word) == 8 and word.isdigit():
            continue  # a snapshot date
        if word.isdigit() and words and words[-1][-1:].isdigit():
            words[-1] += f".{word}"
        elif word.isdigit() or any(ch.isdigit() for ch in word):
            words.append(word)
        else:
            words.append(word.upper() if word in ("gpt", "ai") else word.capitalize())
    label = " ".join(words)
    return label if label else _PROVIDER_NAMES.get(provider, name)


# Follow-up buttons: the label, and the question it asks in the thread (built from the answer's tool calls).
FOLLOW_UP_BY = "By {dimension}"
FOLLOW_UP_BY_QUESTION = "Break down {metrics} for {dates} by {dimension}."
FOLLOW_UP_LAST_YEAR = "Same period last year"
FOLLOW_UP_LAST_YEAR_QUESTION = "Compare {metrics} for {dates} with the same dates last year ({last_year})."
FOLLOW_UP_CHART = "Chart it"
FOLLOW_UP_CHART_QUESTION = "Chart daily {metrics} for {dates}."
SEARCH_CONSOLE_CLICKS = "Search Console clicks"


def follow_up_asked(*, question: str) -> str:
    """The follow-up, posted in the thread before its answer (`question` already inert)."""
    return f"↪️ *{question}*"
