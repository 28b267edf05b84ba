"""What alert rules say: the `/lookout rule` confirmation and its problems, the rule as one line, the alert when it
is breached and the note in its thread when it recovers, and the "Create rule" proposal under an answer.

Metric and dimension names are GA4's or Search Console's API names; a dimension value is whatever a person or the
model typed: both go through `inert`. Numbers are ours.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.text.escape import escape, in_code, in_emphasis, inert
from bot.text.plan import field_words
from bot.text.sample import SAMPLE_NOTE
from storage.tables.rules import RuleCondition, RuleSource
from tools.rules.spec import RuleSpec

Block = dict[str, Any]

RULE_USAGE = "rule #channel METRIC drops|rises|below|above N[%] [daily|hourly] [where DIMENSION = VALUE]"
RULE_SUMMARY = (
    "alert a channel when a metric crosses your own threshold, e.g. `/lookout rule #growth sessions drops 30%`"
)
RULE_EXAMPLES = (
    "Examples: `/lookout rule #growth sessions drops 30%` · `/lookout rule #growth keyEvents below 5 hourly` · "
    "`/lookout rule #seo clicks drops 25% where page = /pricing`"
)
SEVERITY_LABEL = {"info": "Info", "warning": "Warning", "critical": "Critical"}
SEVERITY_ICON = {"info": ":large_yellow_circle:", "warning": ":large_orange_circle:", "critical": ":red_circle:"}
MINUS = "−"

# The "Create rule" button under an answer that proposed one (listened for in `bot.slack.actions.rules`).
ACTION_CREATE_RULE = "lookout_create_rule"


def _channel(channel_id: str) -> str:
    return f"<#{escape(channel_id)}>"


def number(value: float) -> str:
    """A metric's value: whole numbers with separators, small fractional ones (rates, averages) with two decimals."""
    if abs(value - round(value)) < 1e-9 or abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:,.2f}"


def _threshold(*, threshold: float, percent: bool) -> str:
    return f"{threshold:g} %" if percent else number(threshold)


def window_meaning(*, window: str, relative: bool, search_console: bool = False) -> str:
    """What the rule compares, in words: said in the confirmation and in every alert."""
    if window == "hourly":
        return "the last complete hour vs the same hour a week before" if relative else "each complete hour"
    day = "the latest day Search Console has final data for" if search_console else "yesterday"
    return f"{day} vs the same weekday a week before" if relative else day


def describe(
    *,
    metric: str,
    condition: str,
    threshold: float,
    percent: bool,
    window: str,
    dimension: str = "",
    dimension_value: str = "",
) -> str:
    """The rule as one line of mrkdwn, e.g. "`sessions` drops 30 % daily, where `sessionDefaultChannelGroup` =
    *Organic Search*"."""
    text = f"`{in_code(inert(metric))}` {escape(condition)} {_threshold(threshold=threshold, percent=percent)} {escape(window)}"
    if dimension:
        text += f", where `{in_code(inert(dimension))}` = *{in_emphasis(inert(dimension_value))}*"
    return text


# ---------------------------------------------------------------------------------------------- /lookout rule


def rule_created(
    *, channel_id: str, rule_id: int, description: str, meaning: str, corrections: list[str], sample: bool
) -> str:
    verb = "compare" if " vs " in meaning else "check"
    lines = [
        f":white_check_mark: Rule `{rule_id}` set in {_channel(channel_id)}: {description}.",
        f"I {verb} {escape(meaning)}, post one alert when the rule is breached and a note in its thread when it "
        f"recovers. `/lookout unsubscribe {rule_id}` removes it.",
    ]
    lines.extend(f"_{in_emphasis(escape(note))}_" for note in corrections)
    if sample:
        lines.append(f"_{SAMPLE_NOTE}: the rule reads the sample property until you connect Google._")
    return "\n".join(lines)


def problem(code: str, *, value: str = "", close: tuple[str, ...] = ()) -> str:
    """What is wrong with a rule as written (`tools.rules.spec.Problem` codes)."""
    shown = f"`{in_code(inert(value))}`"
    closest = f" Did you mean {', '.join(f'`{in_code(inert(name))}`' for name in close)}?" if close else ""
    texts = {
        "need_metric": "Which metric? e.g. `sessions`, `keyEvents`, `totalRevenue`, or Search Console's `clicks`.",
        "bad_condition": f"{shown} isn't a condition. Use `drops`, `rises`, `below` or `above`."
        if value
        else "Say when to alert: `drops`, `rises`, `below` or `above`, then a number.",
        "bad_threshold": f"{shown} isn't a positive number. Write it like `30%` (a change) or `500`."
        if value
        else "Which threshold? Write it like `30%` (a change) or `500`.",
        "bad_window": f"I didn't understand {shown}. After the number: `daily` (the default) or `hourly`, then "
        "optionally `where DIMENSION = VALUE`.",
        "bad_where": f"I didn't understand {shown}. Write `where DIMENSION = VALUE`, e.g. "
        "`where sessionDefaultChannelGroup = Organic Search`.",
        "unknown_metric": f"{shown} isn't a metric of your GA4 property (nor Search Console's `clicks` or "
        f"`impressions`).{closest}",
        "unknown_dimension": f"{shown} isn't a dimension of your GA4 property.{closest}",
        "hourly_search_console": f"Search Console reports {shown} by day, not by hour: drop `hourly`.",
        "search_console_dimension": f"Search Console rules can filter by {', '.join(f'`{d}`' for d in close)}, "
        f"not {shown}.",
        "no_site": f"{shown} comes from Search Console, and no site is chosen yet: `/lookout site sc-domain:example.com`.",
        "drop_over_100": f"A metric can't drop by more than 100 % ({shown} %). To alert near zero, use `below`.",
    }
    return texts.get(code, f"I didn't understand {shown}.")


def with_usage(text: str) -> str:
    return f"{text}\nUsage: `/lookout {RULE_USAGE}`\n{RULE_EXAMPLES}"


GOOGLE_UNAVAILABLE = (
    "I couldn't reach Google to check the metric's name just now, so nothing was saved. Please try again in a minute."
)


# ---------------------------------------------------------------------------------------------- listing


def rule_line(*, channel_id: str, description: str) -> str:
    return f"• {_channel(channel_id)} — rule {description}"


def home_rule_line(*, channel_id: str, description: str) -> str:
    return f"{_channel(channel_id)} — rule {description}"


def describe_rule(spec: RuleSpec) -> str:
    return describe(
        metric=spec.metric,
        condition=spec.condition.value,
        threshold=spec.threshold,
        percent=spec.percent,
        window=spec.window.value,
        dimension=spec.dimension,
        dimension_value=spec.dimension_value,
    )


def rule_meaning(spec: RuleSpec) -> str:
    return window_meaning(
        window=spec.window.value, relative=spec.relative, search_console=spec.source is RuleSource.SEARCH_CONSOLE
    )


# ---------------------------------------------------------------------------------------------- the alert


def _when(start: datetime, *, hourly: bool) -> str:
    if hourly:
        end = start + timedelta(hours=1)
        return f"{start.strftime('%b')} {start.day} {start.strftime('%H:%M')}–{end.strftime('%H:%M')}"
    return f"{start.strftime('%a %b')} {start.day}"


def _label(metric: str) -> str:
    """ "keyEvents" → "Key events", "sessions" → "Sessions", an unknown name in words: the headline's subject."""
    words = field_words(metric) or metric
    return words[:1].upper() + words[1:]


def _value(spec: RuleSpec, value: float) -> str:
    # A below/above rule in % judges a rate (GA4 reports it as a fraction): shown as a percentage.
    return f"{value * 100:.1f} %" if spec.percent and not spec.relative else number(value)


def _where(spec: RuleSpec) -> str:
    return f" ({inert(spec.dimension_value)})" if spec.dimension else ""


def rule_headline(
    spec: RuleSpec, *, current: float, previous: float, change: float | None, start: datetime, severity: str
) -> str:
    """The alert's first line: what crossed the rule, in which window, against what."""
    hourly = spec.hourly
    icon = SEVERITY_ICON.get(severity, SEVERITY_ICON["info"])
    metric = inert(_label(spec.metric))
    if spec.relative:
        verb = "fell" if spec.condition is RuleCondition.DROPS else "rose"
        if spec.percent and change is not None:
            title = f"{metric} {verb} {abs(round(change * 100))} %"
        else:
            title = f"{metric} {verb} by {number(abs(current - previous))}"
        before = "the same hour a week before" if hourly else f"on {_when(start - timedelta(days=7), hourly=False)}"
        detail = f"{number(current)}, against {number(previous)} {before}"
    else:
        side = "below" if spec.condition is RuleCondition.BELOW else "above"
        title = f"{metric} {side} {_threshold(threshold=spec.threshold, percent=spec.percent)}"
        detail = _value(spec, current)
    return f"{icon} *{in_emphasis(title)}*{_where(spec)} — {_when(start, hourly=hourly)}: {detail}."


def rule_reminder(spec: RuleSpec, *, rule_id: int) -> str:
    return f"Your rule `{rule_id}`: {describe_rule(spec)} ({escape(rule_meaning(spec))})."


def rule_context(*, source: str, severity: str, rule_id: int, sample: bool) -> str:
    label = SEVERITY_LABEL.get(severity, "Info")
    text = f"{label} · {escape(source)} · rule {rule_id} · one alert until it recovers"
    return f"{SAMPLE_NOTE} · {text}" if sample else text


def rule_alert_blocks(*, lines: list[str], context: str, incident_id: int, mute: str, ask: str) -> list[Block]:
    """The alert with "Mute 7 days" and "Ask Lookout why" (the anomaly alerts' buttons, `bot.text.alerts`)."""
    value = str(incident_id)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context[:3000]}]},
        {
            "type": "actions",
            "block_id": f"lookout_rule_alert_{value}",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "Mute 7 days"}, "action_id": mute,
                 "value": value},
                {"type": "button", "text": {"type": "plain_text", "text": "Ask Lookout why"}, "action_id": ask,
                 "value": value, "style": "primary"},
            ],
        },
    ]  # fmt: skip


def rule_recovered(spec: RuleSpec, *, current: float, start: datetime, affected: timedelta) -> str:
    """The note in the alert's thread when the rule holds again."""
    hours = max(1, round(affected.total_seconds() / 3600))
    duration = f"{hours} hour{'s' if hours != 1 else ''}" if spec.hourly else _days(round(hours / 24))
    return (
        f":white_check_mark: Back within the rule: `{in_code(inert(spec.metric))}` was {_value(spec, current)} "
        f"{_when(start, hourly=spec.hourly)}. {duration} affected."
    )


def _days(days: int) -> str:
    days = max(1, days)
    return f"{days} day{'s' if days != 1 else ''}"


def rule_muted(*, user_id: str) -> str:
    return f":no_bell: <@{escape(user_id)}> muted this rule for 7 days."


# ---------------------------------------------------------------------------------------------- proposed by the model

CREATE_RULE_BUTTON = "Create rule"
MAX_PROPOSALS = 3


def proposal_text(*, description: str, meaning: str, channel_id: str | None, channel_name: str | None) -> str:
    """A rule the model proposed, shown under its answer: nothing is set until a person presses the button."""
    if channel_id:
        where = f" for {_channel(channel_id)}"
    elif channel_name:
        where = f" for `{in_code(inert(channel_name))}`"
    else:
        where = " for this channel"
    return (
        f":bell: *Proposed alert rule*{where}: {description} ({escape(meaning)}). Nothing is set until a Lookout "
        "manager presses *Create rule*."
    )


def proposal_block(*, text: str, value: str, index: int) -> Block:
    return {
        "type": "section",
        "block_id": f"lookout_rule_proposal_{index}",
        "text": {"type": "mrkdwn", "text": text[:3000]},
        "accessory": {
            "type": "button",
            "text": {"type": "plain_text", "text": CREATE_RULE_BUTTON},
            "action_id": ACTION_CREATE_RULE,
            "value": value[:2000],
            "style": "primary",
        },
    }


def created_from_proposal(*, user_id: str, rule_id: int, channel_id: str, description: str) -> str:
    return (
        f":white_check_mark: <@{escape(user_id)}> created rule `{rule_id}` for {_channel(channel_id)}: {description}. "
        f"`/lookout unsubscribe {rule_id}` removes it."
    )


PROPOSAL_UNREADABLE = "Sorry, I couldn't read that proposed rule. Ask me again, or use `/lookout rule`."


# ---------------------------------------------------------------------------------------------- App Home

ACTION_ADD_RULE = "lookout_add_rule"
VIEW_RULE = "lookout_rule_modal"
ADD_RULE_BUTTON = "Add a rule"
RULE_MODAL_TITLE = "Alert rule"
RULE_MODAL_INTRO = (
    "I check the rule every hour and post one alert when it is breached, then a note in its thread when it holds "
    "again. *drops* / *rises* compare with the same weekday (daily) or hour (hourly) a week before; *below* / "
    "*above* with the number itself."
)
# Block ids of the rule modal's inputs (the channel's is `bot.text.subscriptions.BLOCK_CHANNEL`).
BLOCK_METRIC = "rule_metric"
BLOCK_CONDITION = "rule_condition"
BLOCK_THRESHOLD = "rule_threshold"
BLOCK_WINDOW = "rule_window"
BLOCK_DIMENSION = "rule_dimension"
BLOCK_VALUE = "rule_value"
METRIC_LABEL = "Metric"
METRIC_HINT = "A GA4 metric (sessions, keyEvents, totalRevenue…) or Search Console's clicks or impressions."
CONDITION_LABEL = "Alert when it"
CONDITION_OPTIONS: tuple[tuple[str, str], ...] = (
    ("drops", "drops by"),
    ("rises", "rises by"),
    ("below", "is below"),
    ("above", "is above"),
)
THRESHOLD_LABEL = "Threshold"
THRESHOLD_HINT = "A percentage like 30% (a change, or a rate) or a number like 500."
WINDOW_LABEL = "Window"
WINDOW_OPTIONS: tuple[tuple[str, str], ...] = (
    ("daily", "Daily: yesterday"),
    ("hourly", "Hourly: the last complete hour (GA4 only)"),
)
DIMENSION_LABEL = "Only where (optional)"
DIMENSION_HINT = "A dimension, e.g. sessionDefaultChannelGroup; for Search Console query, page, country or device."
VALUE_LABEL = "equals (optional)"
VALUE_HINT = "Its exact value, e.g. Organic Search."
RULE_GONE = "This rule was removed meanwhile, so nothing was saved. Close this and add it again."
MODAL_NEED_BOTH = "Give both the dimension and its value, or neither."


def home_remove_confirm(*, line: str) -> str:
    """`line`: the rule as App Home lists it (`home_rule_line`, already escaped)."""
    return f"Remove {line}? You can add it again any time."


def modal_problem(code: str, *, value: str = "", close: tuple[str, ...] = ()) -> str:
    """`problem` as plain text for a modal's field (Slack does not format those)."""
    return problem(code, value=value, close=close).replace("`", "")
