"""What `/lookout digest|alerts|subscriptions|unsubscribe` say: confirmations, listings, usage help, invite hints."""

from __future__ import annotations

from bot.text.escape import escape, in_code, inert

DIGEST_USAGE = (
    "digest #channel [weekly [mon…sun] | monthly] [rollup [properties=ID,…]] [HH:MM] [IANA timezone] "
    "[kpis=sessions,users,…]"
)
DIGEST_SUMMARY = (
    "post a daily, weekly or monthly GA4 + Search Console digest in a channel (default: daily at 09:00, the "
    "property's timezone)"
)
ALERTS_USAGE = "alerts #channel [low|medium|high]"
ALERTS_SUMMARY = "warn a channel about anomalies (tracking broken, traffic drops, spikes)"
SUBSCRIPTIONS_USAGE = "subscriptions"
SUBSCRIPTIONS_SUMMARY = "list this workspace's digests, alerts and rules, each with its id"
UNSUBSCRIBE_USAGE = "unsubscribe #channel|ID"
UNSUBSCRIBE_SUMMARY = "stop a channel's digest, alerts and rules, or one of them by its id (`/lookout subscriptions`)"


def channel(channel_id: str) -> str:
    return f"<#{escape(channel_id)}>"


def usage(usage_line: str, *, problem: str) -> str:
    return f"{problem}\nUsage: `/lookout {usage_line}`"


NEED_CHANNEL = "Which channel? Mention it with `#`, e.g. `#marketing`."


def unknown_channel(*, name: str) -> str:
    return (
        f"I can't find a channel called `{in_code(inert(name))}`. If it's private, invite me first "
        f"(`/invite @Lookout` in that channel), then try again."
    )


def bad_time(*, value: str) -> str:
    return f"`{in_code(inert(value))}` isn't a time I understand. Use 24-hour `HH:MM`, e.g. `09:00` or `17:30`."


def bad_timezone(*, value: str) -> str:
    return f"`{in_code(inert(value))}` isn't an IANA timezone. Use a name like `Europe/Paris`, `America/New_York` or `UTC`."


def bad_sensitivity(*, value: str) -> str:
    return (
        f"`{in_code(inert(value))}` isn't a sensitivity. Use `low` (fewest alerts), `medium` or `high` (most alerts)."
    )


def unexpected_words(*, words: str) -> str:
    return f"I didn't understand `{in_code(inert(words))}`."


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KPI_WORDS = (
    "sessions, users, new-users, key-events, revenue, conversion-rate, engagement-rate, clicks, impressions, ctr, "
    "position, a key event by name (purchase, sign_up, … or keyEvents:NAME)"
)
KPIS_NOT_DAILY = (
    "KPIs are chosen for weekly and monthly digests, e.g. `/lookout digest #growth weekly kpis=sessions,purchase`."
)
WEEKDAY_NEEDS_WEEKLY = "A weekday goes after `weekly`, e.g. `/lookout digest #growth weekly mon 09:00`."


def bad_kpi(*, value: str) -> str:
    return f"`{in_code(inert(value))}` isn't a KPI I know. Choose from: {KPI_WORDS}."


def cadence_phrase(*, cadence: str, weekday: int, time_of_day: str, timezone: str) -> str:
    """`every morning at *09:00* Europe/Paris`, `every Monday at …`, `on the 1st of every month at …`."""
    when = {"weekly": f"every {WEEKDAY_NAMES[weekday % 7]}", "monthly": "on the 1st of every month"}.get(
        cadence, "every morning"
    )
    return f"{when} at *{escape(time_of_day)}* {escape(timezone)}"


def periodic_subscribed(
    *, channel_id: str, cadence: str, weekday: int, time_of_day: str, timezone: str, from_property: bool, kpis: str
) -> str:
    """A weekly or monthly digest saved: when, what it compares, and which KPIs (`kpis`: their labels)."""
    source = " (the GA4 property's timezone)" if from_property else ""
    period = "last week (Monday to Sunday)" if cadence == "weekly" else "last month"
    against = "the week before" if cadence == "weekly" else "the month before"
    when = cadence_phrase(cadence=cadence, weekday=weekday, time_of_day=time_of_day, timezone=timezone)
    return (
        f":white_check_mark: {when[:1].upper()}{when[1:]}{source} I'll post a {escape(cadence)} digest in "
        f"{channel(channel_id)}: {period} against {against} and the same period last year, with wins, risks and "
        f"next steps for {escape(kpis)}."
    )


def not_a_member(*, channel_id: str) -> str:
    return (
        f"I'm not in {channel(channel_id)} yet, so I can't post there. "
        f"Type `/invite @Lookout` in {channel(channel_id)}, then run this command again."
    )


def cannot_see_channel(*, channel_id: str) -> str:
    return (
        f"I can't see {channel(channel_id)}. If it's a private channel, type `/invite @Lookout` in it, "
        "then run this command again."
    )


def archived(*, channel_id: str) -> str:
    return f"{channel(channel_id)} is archived, so nothing can be posted there."


def digest_subscribed(*, channel_id: str, time_of_day: str, timezone: str, from_property: bool) -> str:
    source = " (the GA4 property's timezone)" if from_property else ""
    return (
        f":white_check_mark: Every morning at *{escape(time_of_day)}* {escape(timezone)}{source} I'll post a digest "
        f"in {channel(channel_id)}: yesterday's GA4 and Search Console numbers, the biggest movers and any anomalies."
    )


def digest_timezone_guessed(*, timezone: str) -> str:
    return (
        f"I couldn't read the GA4 property's timezone (is Google connected? `/lookout connect`), so I used "
        f"{escape(timezone)}. Add a timezone to change it, e.g. `/lookout digest #channel 09:00 Europe/Paris`."
    )


def alerts_subscribed(*, channel_id: str, sensitivity: str) -> str:
    return (
        f":white_check_mark: I'll watch GA4 and Search Console every hour and post in {channel(channel_id)} when "
        f"something breaks (sensitivity *{escape(sensitivity)}*). One alert per incident, and a follow-up when "
        "it recovers."
    )


NO_SUBSCRIPTIONS = (
    "No digests, alerts or rules yet. Try `/lookout digest #channel`, `/lookout alerts #channel` or "
    "`/lookout rule #channel sessions drops 30%`."
)


def subscriptions_header() -> str:
    return "*Digests, alerts and rules in this workspace*"


def _digest_schedule(*, cadence: str, weekday: int, rollup: str | None, at: str, zone: str) -> str:
    """`weekly digest, Mondays at 09:00 UTC`: what a digest is and when, with the time and zone already styled."""
    what = f"{escape(cadence)} digest" if rollup is None else f"{escape(cadence)} {escape(rollup)}"
    if cadence == "weekly":
        return f"{what}, {WEEKDAY_NAMES[weekday % 7]}s at {at} {zone}"
    if cadence == "monthly":
        return f"{what}, the 1st at {at} {zone}"
    return f"{what} at {at} {zone}"


def digest_line(
    *,
    channel_id: str,
    time_of_day: str,
    timezone: str,
    cadence: str = "daily",
    weekday: int = 0,
    rollup: str | None = None,
) -> str:
    """One digest in the listing; `rollup` names what a roll-up reads (`roll-up of 3 properties`)."""
    when = _digest_schedule(
        cadence=cadence, weekday=weekday, rollup=rollup, at=escape(time_of_day), zone=f"({escape(timezone)})"
    )
    return f"• {channel(channel_id)} — {when}"


def alerts_line(*, channel_id: str, sensitivity: str) -> str:
    return f"• {channel(channel_id)} — anomaly alerts, {escape(sensitivity)} sensitivity"


def with_id(line: str, *, subscription_id: int) -> str:
    return f"{line} · id `{subscription_id}`"


LIST_FOOTER = "_`/lookout unsubscribe ID` removes one; `/lookout unsubscribe #channel` removes all of a channel's._"


def no_such_id(*, subscription_id: int) -> str:
    return (
        f"There's no digest, alert or rule with id `{subscription_id}` in this workspace. "
        "`/lookout subscriptions` lists them with their ids."
    )


def unsubscribed_one(*, subscription_id: int, kind: str, channel_id: str, rule: str | None) -> str:
    """`kind`: a subscription kind, or `rollup` for a roll-up digest; `rule`: the removed rule as
    `bot.text.rules.home_rule_line` words it (already escaped)."""
    if rule is not None:
        return f":white_check_mark: Removed rule `{subscription_id}`: {rule}."
    what = {"digest": "digest", "rollup": "roll-up digest", "alerts": "anomaly alerts"}.get(kind, escape(kind))
    return f":white_check_mark: Stopped the {what} in {channel(channel_id)} (id `{subscription_id}`)."


def unsubscribed(*, channel_id: str, count: int) -> str:
    if count == 0:
        return f"{channel(channel_id)} had no digest, alerts or rules."
    return f":white_check_mark: Stopped the digest, alerts and rules in {channel(channel_id)}."


# ---------------------------------------------------------------- App Home: the channels section and its modals

# Buttons and modals (listened for in `bot.slack.views.subscription_buttons` and
# `subscription_submit`; who may use them: `bot.access.policy`).
ACTION_ADD_DIGEST = "lookout_add_digest"
ACTION_ADD_ALERTS = "lookout_add_alerts"
ACTION_EDIT_SUBSCRIPTION = "lookout_edit_subscription"
ACTION_REMOVE_SUBSCRIPTION = "lookout_remove_subscription"
VIEW_DIGEST = "lookout_digest_modal"
VIEW_ALERTS = "lookout_alerts_modal"
# Block ids of the modals' inputs (each input's element is "pick"): Slack returns the values under these.
BLOCK_CHANNEL = "channel"
BLOCK_TIME = "time"
BLOCK_TIMEZONE = "timezone"
BLOCK_SENSITIVITY = "sensitivity"
BLOCK_CADENCE = "cadence"
BLOCK_WEEKDAY = "weekday"
BLOCK_KPIS = "kpis"
ELEMENT = "pick"

HOME_CHANNELS_HEADER = "In your channels"
HOME_NO_SUBSCRIPTIONS = "_No digests or alerts yet._"
HOME_NO_SUBSCRIPTIONS_MEMBER = "_No digests or alerts yet. A Lookout manager can add them here._"
ADD_DIGEST_BUTTON = "Add a digest"
ADD_ALERTS_BUTTON = "Add alerts"
EDIT_BUTTON = "Edit"
REMOVE_BUTTON = "Remove"
REMOVE_CONFIRM_TITLE = "Remove this?"
REMOVE_CONFIRM = "Remove"
REMOVE_DENY = "Keep it"


def home_digest_line(
    *,
    channel_id: str,
    time_of_day: str,
    timezone: str,
    cadence: str = "daily",
    weekday: int = 0,
    rollup: str | None = None,
) -> str:
    """One digest on App Home; `rollup` names what a roll-up reads (`roll-up of 3 properties`)."""
    when = _digest_schedule(
        cadence=cadence, weekday=weekday, rollup=rollup, at=f"*{escape(time_of_day)}*", zone=escape(timezone)
    )
    return f"{channel(channel_id)} — {when}"


def home_alerts_line(*, channel_id: str, sensitivity: str) -> str:
    return f"{channel(channel_id)} — anomaly alerts, {escape(sensitivity)} sensitivity"


def remove_confirm_text(*, kind: str, channel_id: str, cadence: str = "daily") -> str:
    what = f"{escape(cadence)} digest" if kind == "digest" else "anomaly alerts"
    return f"Stop the {what} in {channel(channel_id)}? You can add it again any time."


def home_more_subscriptions(*, count: int) -> str:
    return f"…and {count:,} more. `/lookout subscriptions` lists them all; `/lookout unsubscribe ID` removes one."


HOME_USAGE_HEADER = "This month"


def home_usage(*, month_name: str, cost_usd: float, budget_usd: float, requests: int) -> str:
    calls = f"{requests:,} model request{'s' if requests != 1 else ''}"
    if budget_usd <= 0:
        return f"{escape(month_name)}: ${cost_usd:,.2f} of AI usage (no monthly budget set) · {calls}"
    share = min(cost_usd / budget_usd, 9.99)
    return f"{escape(month_name)}: *${cost_usd:,.2f}* of the ${budget_usd:,.2f} AI budget ({share:.0%}) · {calls}"


# Next steps: each line disappears once its step is done (`bot.slack.views.next_steps`).
STEP_CONNECT = (
    "Connect Google — the *Connect Google* button above, or `/lookout connect` "
    "(`/lookout connect demo` tries me on sample data first)."
)
STEP_CONNECT_FROM_SAMPLE = (
    "You're on sample data: connect Google to use your own GA4 and Search Console — the *Connect Google* button "
    "above, or `/lookout connect`."
)
STEP_CHOOSE = (
    "Choose what to read — `/lookout property 123456` (GA4) and `/lookout site sc-domain:example.com` (Search Console)."
)
STEP_ASK = "Ask me something — @-mention me in a channel or DM me: _what happened to organic traffic last week?_"
STEP_DIGEST = "Get a morning digest in a channel — *Add a digest* above, or `/lookout digest #channel 09:00`."
STEP_ALERTS = "Get anomaly alerts in a channel — *Add alerts* above, or `/lookout alerts #channel`."

# ---------------------------------------------------------------- the modals

DIGEST_MODAL_TITLE = "Digest"
ALERTS_MODAL_TITLE = "Anomaly alerts"
MODAL_SAVE = "Save"
MODAL_CANCEL = "Cancel"
DIGEST_MODAL_INTRO = (
    "Daily: every morning, yesterday's GA4 and Search Console numbers, the biggest movers and any anomalies. "
    "Weekly or monthly: the last complete week (Monday to Sunday) or month against the one before and the same "
    "period last year, with wins, risks and next steps for the KPIs you choose."
)
CADENCE_LABEL = "How often"
CADENCE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("daily", "Daily (yesterday)"),
    ("weekly", "Weekly (last week, Monday to Sunday)"),
    ("monthly", "Monthly, on the 1st (last month)"),
)
WEEKDAY_LABEL = "Day of the week"
WEEKDAY_HINT = "Weekly digests only."
KPIS_LABEL = "KPIs"
KPIS_HINT = (
    "Weekly and monthly digests only. None chosen: sessions, users, key events, revenue, conversion rate, clicks."
)
ALERTS_MODAL_INTRO = (
    "I check GA4 and Search Console every hour and post when something breaks: one alert per incident, and a "
    "follow-up when it recovers."
)
CHANNEL_LABEL = "Channel"
CHANNEL_PLACEHOLDER = "Choose a channel"
CHANNEL_HINT = "Private channel? Type /invite @Lookout in it first."
TIME_LABEL = "Time"
TIMEZONE_LABEL = "Timezone"
TIMEZONE_HINT_FROM_PROPERTY = "Pre-filled with your GA4 property's timezone."
SENSITIVITY_LABEL = "Sensitivity"
SENSITIVITY_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("low", "Low", "Only clear breaks: tracking stopped, traffic collapsed. Fewest alerts."),
    ("medium", "Medium", "Breaks and large, sustained changes. Recommended."),
    ("high", "High", "Smaller unusual changes too. Most alerts."),
)

# Errors shown under a modal's field (plain text: Slack does not format these).
MODAL_NEED_CHANNEL = "Choose a channel."
MODAL_BAD_TIME = "Choose a time."
MODAL_BAD_TIMEZONE = "Choose a timezone from the list."
MODAL_BAD_SENSITIVITY = "Choose low, medium or high."
MODAL_BAD_CADENCE = "Choose daily, weekly or monthly."
MODAL_BAD_KPIS = "Choose KPIs from the list."
MODAL_NOT_A_MEMBER = "I'm not in this channel yet. Type /invite @Lookout in it, then save again."
MODAL_CANNOT_SEE = "I can't see this channel. If it's private, type /invite @Lookout in it, then save again."
MODAL_ARCHIVED = "This channel is archived, so nothing can be posted there."


def modal_failed(*, reference: str) -> str:
    return f"Sorry, something went wrong on my side (ref {reference}). Nothing was saved. Please try again."


# The digest modal's timezone menu: its groups, and a zone as people read it.
TIMEZONES_YOURS = "Yours"  # the property's or the subscription's own zone, when the common ones lack it
TIMEZONES_UTC = "UTC"
TIMEZONES_AMERICAS = "Americas"
TIMEZONES_EUROPE = "Europe"
TIMEZONES_AFRICA_MIDDLE_EAST = "Africa and Middle East"
TIMEZONES_ASIA_PACIFIC = "Asia and Pacific"


def zone_label(zone: str) -> str:
    """`America/New_York` → `America/New York`: the IANA name, without the underscores people do not write."""
    return zone.replace("_", " ")
