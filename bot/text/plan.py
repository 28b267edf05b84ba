"""The words of an answer's plan: task titles and details in a marketer's words, the thread status, "How I got this".

Everything here is built from a tool call's ARGUMENTS (never from the model's free text) and our own words; the
callers pass every value through `bot.text.escape.inert` (see `bot.agent.plan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

# GA4 and Search Console API names as the reports call them; anything else is split into words.
FIELD_WORDS = {
    "sessions": "sessions",
    "totalUsers": "users",
    "activeUsers": "active users",
    "newUsers": "new users",
    "engagedSessions": "engaged sessions",
    "engagementRate": "engagement rate",
    "bounceRate": "bounce rate",
    "keyEvents": "key events",
    "sessionKeyEventRate": "session key event rate",
    "conversions": "conversions",
    "screenPageViews": "views",
    "eventCount": "events",
    "purchaseRevenue": "purchase revenue",
    "totalRevenue": "revenue",
    "transactions": "transactions",
    "averageSessionDuration": "average session duration",
    "sessionDefaultChannelGroup": "channel",
    "sessionPrimaryChannelGroup": "channel",
    "firstUserDefaultChannelGroup": "first-user channel",
    "sessionSourceMedium": "source / medium",
    "sessionSource": "source",
    "sessionMedium": "medium",
    "sessionCampaignName": "campaign",
    "deviceCategory": "device",
    "landingPage": "landing page",
    "landingPagePlusQueryString": "landing page",
    "pagePath": "page",
    "pagePathPlusQueryString": "page",
    "pageTitle": "page title",
    "eventName": "event",
    "date": "day",
    "country": "country",
    "city": "city",
    "query": "query",
    "page": "page",
    "device": "device",
    "searchAppearance": "search appearance",
    "clicks": "clicks",
    "impressions": "impressions",
    "position": "position",
}
PAGE_FIELDS = frozenset({"pagePath", "pagePathPlusQueryString", "landingPage", "landingPagePlusQueryString", "page"})


def field_words(name: str) -> str:
    """ "sessionDefaultChannelGroup" → "channel"; an unknown "averagePurchaseRevenue" → "average purchase revenue"."""
    known = FIELD_WORDS.get(name)
    if known is not None:
        return known
    words, current = [], ""
    for char in name:
        if char.isupper() and current:
            words.append(current)
            current = char.lower()
        else:
            current += char
    words.append(current)
    return " ".join(word for word in words if word) or name


def listing(items: Sequence[str], *, joiner: str = "and") -> str:
    items = list(dict.fromkeys(item for item in items if item))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {joiner} " + items[-1]


def range_label(start: date, end: date, *, year: bool = False) -> str:
    """ "Nov 9–15", "Oct 28–Nov 3", "Nov 9" (with `year`: "Nov 9–15, 2026")."""
    if start == end:
        text = f"{start:%b} {start.day}"
    elif start.year == end.year and start.month == end.month:
        text = f"{start:%b} {start.day}–{end.day}"
    elif start.year == end.year:
        text = f"{start:%b} {start.day}–{end:%b} {end.day}"
    else:
        return f"{start:%b} {start.day}, {start.year}–{end:%b} {end.day}, {end.year}"
    return f"{text}, {end.year}" if year else text


def ranges_label(ranges: Sequence[tuple[date, date]], *, year: bool = False) -> str:
    return " vs ".join(range_label(start, end, year=year) for start, end in ranges[:2])


def pattern(operator: str, value: str) -> str:
    """A filter in a few characters: begins with "/blog/" → "/blog/*"."""
    return {
        "BEGINS_WITH": f"{value}*",
        "ENDS_WITH": f"*{value}",
        "CONTAINS": f"*{value}*",
        "contains": f"*{value}*",
        "notContains": f"not *{value}*",
        "notEquals": f"not {value}",
        "FULL_REGEXP": f"matching {value}",
        "PARTIAL_REGEXP": f"matching {value}",
        "includingRegex": f"matching {value}",
        "excludingRegex": f"not matching {value}",
    }.get(operator, value)


def filter_phrase(field: str, phrase: str) -> str:
    return phrase if field in PAGE_FIELDS else f"{field_words(field)} {phrase}"


GA4 = "GA4"
SEARCH_CONSOLE = "Search Console"


def title(source: str, what: str, *, by: Sequence[str] = (), only: Sequence[str] = (), when: str = "") -> str:
    """ "GA4: sessions by channel for /blog/*, Nov 9–15 vs Nov 2–8"."""
    text = f"{source}: {what}"
    if by:
        text += " by " + listing([field_words(name) for name in by])
    if only:
        text += " for " + listing(only)
    return f"{text}, {when}" if when else text


def details(
    *, metrics: Sequence[str] = (), by: Sequence[str] = (), only: Sequence[str] = (), dates: str = "", extra: str = ""
) -> str:
    """The exact request: "Metrics: sessions · By: channel · Filter: /blog/* · Dates: Nov 9–15, 2026"."""
    parts = []
    if metrics:
        parts.append("Metrics: " + ", ".join(field_words(name) for name in metrics))
    if by:
        parts.append("By: " + ", ".join(field_words(name) for name in by))
    if only:
        parts.append("Filter: " + " and ".join(only))
    if dates:
        parts.append("Dates: " + dates)
    if extra:
        parts.append(extra)
    return " · ".join(parts)


GSC_METRICS = ("clicks", "impressions", "ctr", "position")
REALTIME_WHEN = "last {minutes} minutes"
REALTIME_SOURCE = "GA4 realtime"
METADATA_WHAT = "finding the right fields"
METADATA_MATCHING = "fields matching “{search}”"
COMPARE_WHAT = "biggest changes in {rank_by}"
INSPECT_WHAT = "index status of {url}"
EXPLAIN_TITLE = "Explaining the change in {metric}"
CHART_TITLE = "Drawing a {kind} chart"
CHART_SERIES = "{count} series"
UNKNOWN_TITLE = "Looking something up"
# What a call reads when its arguments do not say (the model left them out or sent something unreadable).
ANY_REPORT = "a report"
ANY_NUMBERS = "the numbers"
ANY_METRIC = "a metric"
CLICKS_WHAT = "clicks"
SEARCH_TYPE = "Search type: {search_type}"
DATED_TITLE = "{title}, {when}"
NOTES_SOURCE = "Notes"
ANNOTATIONS_WHAT = "GA4 annotations and Lookout notes"
RULE_TITLE = "Drafting an alert rule on {metric}"
GSC_WORKFLOWS = {
    "striking_distance": "queries close to page one",
    "cannibalization": "pages competing for the same queries",
    "losing_pages": "pages losing clicks",
    "index_status": "index status of the top pages",
    "sitemaps": "sitemaps",
    "appearances": "search appearances",
}
GA4_WORKFLOWS = {
    "key_events": "key events",
    "ai_assistant_traffic": "traffic from AI assistants",
    "funnel": "a funnel",
}
KEY_EVENT_NAMED = "{event} key events"
KEY_EVENTS_BY = {"event": "by event", "channel": "by channel"}
FUNNEL_STEPS = "{count} steps"
MORE_TITLE = "{count} more lookups"

# Sources: our own link texts.
OPEN_GA4 = "Open in Google Analytics"
OPEN_SEARCH_CONSOLE = "Open in Search Console"

# A task's short reason when it did not complete (never the tool's own error text, which is written for the model).
ERROR_ARGUMENTS = "The request had a mistake, so it didn't run"
ERROR_NOT_RUN = "Not run: the limit of lookups for one question was reached"
ERROR_STOPPED = "Stopped before it finished"
MORE_FAILED = "{failed} of {count} didn't complete"

# assistant.threads.setStatus: the status line and its loading messages come from the current step.
STATUS_THINKING = "is thinking…"
LOADING_THINKING = "Reading your question…"
STATUS_READING = "is reading {sources}…"
STATUS_READING_DATA = "is looking at the data…"
STATUS_WRITING = "is writing the answer…"
LOADING_WRITING = "Putting the answer together…"
MAX_LOADING_MESSAGES = 10

# Without streaming: the same list in a context block under the answer.
HOW_I_GOT_THIS = "*How I got this*"
MORE_STEPS = "…and {count} more steps"
ICONS = {"complete": "✅", "error": "⚠️", "in_progress": "⏳", "pending": "⏳"}


def status_reading(kinds: Sequence[str]) -> str:
    names = [name for name in (GA4, SEARCH_CONSOLE) if name in kinds]
    return STATUS_READING.format(sources=listing(names)) if names else STATUS_READING_DATA


def plan_line(*, status: str, title: str, details: str, link: str | None) -> str:
    """One task in "How I got this" (`title`, `details` already inert; `link` is Lookout's own `<url|text>`)."""
    line = f"{ICONS.get(status, '•')} {title}"
    if details:
        line += f" — {details}"
    return f"{line} · {link}" if link else line
