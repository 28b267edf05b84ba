"""What `/lookout digest|alerts|subscriptions|unsubscribe` say: confirmations, listings, usage help, invite hints."""

from __future__ import annotations

from bot.slack_text import escape, inert

DIGEST_USAGE = "digest #channel [HH:MM] [IANA timezone]"
DIGEST_SUMMARY = "post a daily GA4 + Search Console digest in a channel (default 09:00, the property's timezone)"
ALERTS_USAGE = "alerts #channel [low|medium|high]"
ALERTS_SUMMARY = "warn a channel about anomalies (tracking broken, traffic drops, spikes)"
SUBSCRIPTIONS_USAGE = "subscriptions"
SUBSCRIPTIONS_SUMMARY = "list this workspace's digests and alerts"
UNSUBSCRIBE_USAGE = "unsubscribe #channel"
UNSUBSCRIBE_SUMMARY = "stop a channel's digest and alerts"


def channel(channel_id: str) -> str:
    return f"<#{escape(channel_id)}>"


def usage(usage_line: str, *, problem: str) -> str:
    return f"{problem}\nUsage: `/lookout {usage_line}`"


NEED_CHANNEL = "Which channel? Mention it with `#`, e.g. `#marketing`."


def unknown_channel(*, name: str) -> str:
    return (
        f"I can't find a channel called `{inert(name)}`. If it's private, invite me first "
        f"(`/invite @Lookout` in that channel), then try again."
    )


def bad_time(*, value: str) -> str:
    return f"`{inert(value)}` isn't a time I understand. Use 24-hour `HH:MM`, e.g. `09:00` or `17:30`."


def bad_timezone(*, value: str) -> str:
    return f"`{inert(value)}` isn't an IANA timezone. Use a name like `Europe/Paris`, `America/New_York` or `UTC`."


def bad_sensitivity(*, value: str) -> str:
    return f"`{inert(value)}` isn't a sensitivity. Use `low` (fewest alerts), `medium` or `high` (most alerts)."


def unexpected_words(*, words: str) -> str:
    return f"I didn't understand `{inert(words)}`."


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


NO_SUBSCRIPTIONS = "No digests or alerts yet. Try `/lookout digest #channel` or `/lookout alerts #channel`."


def subscriptions_header() -> str:
    return "*Digests and alerts in this workspace*"


def digest_line(*, channel_id: str, time_of_day: str, timezone: str) -> str:
    return f"• {channel(channel_id)} — daily digest at {escape(time_of_day)} ({escape(timezone)})"


def alerts_line(*, channel_id: str, sensitivity: str) -> str:
    return f"• {channel(channel_id)} — anomaly alerts, {escape(sensitivity)} sensitivity"


def unsubscribed(*, channel_id: str, count: int) -> str:
    if count == 0:
        return f"{channel(channel_id)} had no digest or alerts."
    return f":white_check_mark: Stopped the digest and alerts in {channel(channel_id)}."
