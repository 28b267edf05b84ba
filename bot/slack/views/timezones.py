"""The timezones the digest modal offers: common ones grouped by region, plus the property's or the subscription's own."""

from __future__ import annotations

from zoneinfo import available_timezones

from bot.slack.views.block_kit import Block, option, plain
from bot.text import subscriptions as messages

# The timezones the digest modal offers, by region: one or more per UTC offset where people work, ≤100 in all
# (Slack's limit for a select menu). The property's and the subscription's own zone are added when missing, and
# `/lookout digest` still takes any IANA name.
COMMON_TIMEZONES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (messages.TIMEZONES_UTC, ("UTC",)),
    (
        messages.TIMEZONES_AMERICAS,
        (
            "Pacific/Honolulu",
            "America/Anchorage",
            "America/Los_Angeles",
            "America/Vancouver",
            "America/Tijuana",
            "America/Phoenix",
            "America/Denver",
            "America/Edmonton",
            "America/Chicago",
            "America/Mexico_City",
            "America/Winnipeg",
            "America/Guatemala",
            "America/Costa_Rica",
            "America/New_York",
            "America/Toronto",
            "America/Bogota",
            "America/Lima",
            "America/Panama",
            "America/Havana",
            "America/Caracas",
            "America/Halifax",
            "America/Santo_Domingo",
            "America/Puerto_Rico",
            "America/Santiago",
            "America/La_Paz",
            "America/Asuncion",
            "America/Sao_Paulo",
            "America/Argentina/Buenos_Aires",
            "America/Montevideo",
            "America/St_Johns",
        ),
    ),
    (
        messages.TIMEZONES_EUROPE,
        (
            "Atlantic/Reykjavik",
            "Europe/Lisbon",
            "Europe/London",
            "Europe/Dublin",
            "Europe/Madrid",
            "Europe/Paris",
            "Europe/Brussels",
            "Europe/Amsterdam",
            "Europe/Berlin",
            "Europe/Zurich",
            "Europe/Rome",
            "Europe/Vienna",
            "Europe/Prague",
            "Europe/Warsaw",
            "Europe/Stockholm",
            "Europe/Oslo",
            "Europe/Copenhagen",
            "Europe/Budapest",
            "Europe/Belgrade",
            "Europe/Athens",
            "Europe/Bucharest",
            "Europe/Helsinki",
            "Europe/Kyiv",
            "Europe/Istanbul",
            "Europe/Moscow",
        ),
    ),
    (
        messages.TIMEZONES_AFRICA_MIDDLE_EAST,
        (
            "Africa/Casablanca",
            "Africa/Lagos",
            "Africa/Algiers",
            "Africa/Cairo",
            "Africa/Johannesburg",
            "Africa/Nairobi",
            "Asia/Jerusalem",
            "Asia/Beirut",
            "Asia/Riyadh",
            "Asia/Dubai",
            "Asia/Tehran",
            "Asia/Baku",
        ),
    ),
    (
        messages.TIMEZONES_ASIA_PACIFIC,
        (
            "Asia/Karachi",
            "Asia/Tashkent",
            "Asia/Kolkata",
            "Asia/Kathmandu",
            "Asia/Dhaka",
            "Asia/Almaty",
            "Asia/Yangon",
            "Asia/Bangkok",
            "Asia/Jakarta",
            "Asia/Ho_Chi_Minh",
            "Asia/Singapore",
            "Asia/Kuala_Lumpur",
            "Asia/Manila",
            "Asia/Hong_Kong",
            "Asia/Shanghai",
            "Asia/Taipei",
            "Asia/Seoul",
            "Asia/Tokyo",
            "Australia/Perth",
            "Australia/Darwin",
            "Australia/Adelaide",
            "Australia/Brisbane",
            "Australia/Sydney",
            "Australia/Melbourne",
            "Pacific/Guam",
            "Pacific/Auckland",
            "Pacific/Fiji",
        ),
    ),
)


def timezone_option_groups(*, include: tuple[str, ...] = ()) -> list[Block]:
    """The common timezones as option groups, plus `include` (e.g. the property's zone) under "Yours" when they
    are not among them; zones this machine's timezone database lacks are left out."""
    known = available_timezones() | {"UTC"}
    offered = {zone for _, zones in COMMON_TIMEZONES for zone in zones}
    extra = [zone for zone in dict.fromkeys(include) if zone and zone not in offered and zone in known]
    groups: list[Block] = []
    if extra:
        groups.append(
            {"label": plain(messages.TIMEZONES_YOURS), "options": [option(messages.zone_label(z), z) for z in extra]}
        )
    for label, zones in COMMON_TIMEZONES:
        options = [option(messages.zone_label(zone), zone) for zone in zones if zone in known]
        groups.append({"label": plain(label), "options": options})
    return groups


def initial_timezone(groups: list[Block], timezone: str) -> Block | None:
    """The option of `groups` for `timezone`, to show it chosen; None when the menu does not offer it."""
    for group in groups:
        for offered in group["options"]:
            if offered["value"] == timezone:
                return dict(offered)
    return None
