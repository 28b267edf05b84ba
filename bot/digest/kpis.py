"""The KPIs a weekly or monthly digest can show, how a person names them, and the default set.

A KPI is a GA4 metric (by its API name, including one key event by name: `keyEvents:purchase`) or a Search Console
figure (`gsc:clicks`, ...). People type short words (`users`, `revenue`, `conversion-rate`, `purchase`); they are
stored as these keys, comma-separated, on the subscription.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.digest.report import MetricKind

KEY_EVENT_PREFIX = "keyEvents:"
GSC_PREFIX = "gsc:"
MAX_KPIS = 8  # the post stays about one phone screen
_EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")


class Source(StrEnum):
    GA4 = "ga4"
    GSC = "gsc"


@dataclass(frozen=True, kw_only=True)
class Kpi:
    key: str  # stored form: a GA4 metric API name or `gsc:<field>`
    label: str
    kind: MetricKind
    source: Source

    @property
    def metric(self) -> str:
        """The GA4 metric or Search Console field it reads."""
        return self.key.removeprefix(GSC_PREFIX)


_KNOWN: tuple[tuple[tuple[str, ...], Kpi], ...] = (
    (("sessions",), Kpi(key="sessions", label="Sessions", kind=MetricKind.COUNT, source=Source.GA4)),
    (
        ("users", "totalusers", "total-users"),
        Kpi(key="totalUsers", label="Users", kind=MetricKind.COUNT, source=Source.GA4),
    ),
    (("new-users", "newusers"), Kpi(key="newUsers", label="New users", kind=MetricKind.COUNT, source=Source.GA4)),
    (
        ("key-events", "keyevents", "conversions"),
        Kpi(key="keyEvents", label="Key events", kind=MetricKind.COUNT, source=Source.GA4),
    ),
    (
        ("revenue", "totalrevenue"),
        Kpi(key="totalRevenue", label="Revenue", kind=MetricKind.CURRENCY, source=Source.GA4),
    ),
    (
        ("conversion-rate", "sessionkeyeventrate", "key-event-rate"),
        Kpi(key="sessionKeyEventRate", label="Conversion rate", kind=MetricKind.RATIO, source=Source.GA4),
    ),
    (
        ("engagement-rate", "engagementrate"),
        Kpi(key="engagementRate", label="Engagement rate", kind=MetricKind.RATIO, source=Source.GA4),
    ),
    (
        ("clicks", "organic-clicks"),
        Kpi(key="gsc:clicks", label="Organic clicks", kind=MetricKind.COUNT, source=Source.GSC),
    ),
    (("impressions",), Kpi(key="gsc:impressions", label="Impressions", kind=MetricKind.COUNT, source=Source.GSC)),
    (("ctr",), Kpi(key="gsc:ctr", label="Search CTR", kind=MetricKind.RATIO, source=Source.GSC)),
    (
        ("position", "avg-position"),
        Kpi(key="gsc:position", label="Avg. position", kind=MetricKind.POSITION, source=Source.GSC),
    ),
)
_BY_KEY = {kpi.key: kpi for _, kpi in _KNOWN}
_BY_WORD = {word: kpi for words, kpi in _KNOWN for word in (*words, kpi.key.lower())}
DEFAULT_KPIS: tuple[str, ...] = (
    "sessions",
    "totalUsers",
    "keyEvents",
    "totalRevenue",
    "sessionKeyEventRate",
    "gsc:clicks",
)
# What the App Home modal offers (key events by name are typed in `/lookout digest … kpis=purchase`).
CHOICES: tuple[str, ...] = tuple(kpi.key for _, kpi in _KNOWN)


# GA4's recommended events that properties commonly mark as key events: typed bare (`purchase`); any other key event
# is typed `keyEvents:NAME`, so a typo of a metric never silently becomes an event.
RECOMMENDED_KEY_EVENTS = frozenset(
    {
        "purchase",
        "sign_up",
        "generate_lead",
        "begin_checkout",
        "add_to_cart",
        "add_payment_info",
        "add_shipping_info",
        "login",
        "subscribe",
        "close_convert_lead",
        "qualify_lead",
        "working_lead",
        "file_download",
        "form_submit",
    }
)


def key_event(name: str) -> Kpi:
    return Kpi(key=f"{KEY_EVENT_PREFIX}{name}", label=f"Key events: {name}", kind=MetricKind.COUNT, source=Source.GA4)


def kpi_for(key: str) -> Kpi | None:
    """The KPI stored under `key`, or None for a key this version does not know."""
    if key.startswith(KEY_EVENT_PREFIX) and _EVENT_NAME.match(key.removeprefix(KEY_EVENT_PREFIX)):
        return key_event(key.removeprefix(KEY_EVENT_PREFIX))
    return _BY_KEY.get(key)


def parse_kpi(word: str) -> Kpi | None:
    """A KPI from what a person typed: a known word (`users`, `revenue`), a key (`totalUsers`), `keyEvents:NAME`,
    or a key event's name (`purchase`, `sign_up`)."""
    text = word.strip()
    if (found := _BY_WORD.get(text.lower())) is not None:
        return found
    if text.startswith(KEY_EVENT_PREFIX) and _EVENT_NAME.match(text.removeprefix(KEY_EVENT_PREFIX)):
        return key_event(text.removeprefix(KEY_EVENT_PREFIX))
    if text in RECOMMENDED_KEY_EVENTS:
        return key_event(text)
    return None


def stored(kpis: Sequence[Kpi]) -> str:
    """The subscription column's form: unique keys, comma-separated, at most `MAX_KPIS`."""
    keys: list[str] = []
    for kpi in kpis:
        if kpi.key not in keys:
            keys.append(kpi.key)
    return ",".join(keys[:MAX_KPIS])


def chosen(column: str) -> list[Kpi]:
    """The KPIs a subscription shows: its own choice, or the default set when it has none."""
    keys = [key for key in column.split(",") if key.strip()] or list(DEFAULT_KPIS)
    return [kpi for key in keys if (kpi := kpi_for(key.strip())) is not None][:MAX_KPIS]
