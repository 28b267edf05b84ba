"""The GA4 metrics the sample property answers: each one's atoms (cube counts) and how it is computed from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tools.sample.events import KEY_EVENTS


@dataclass(frozen=True)
class MetricDef:
    api_name: str
    ui_name: str
    type: str
    description: str
    atoms: tuple[str, ...]
    compute: Callable[[Mapping[str, float]], float]
    deprecated: tuple[str, ...] = ()
    custom: bool = False
    item_scoped: bool = False
    category: str = "Session"


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _atom(name: str) -> Callable[[Mapping[str, float]], float]:
    return lambda values: values[name]


def _counted_metrics() -> list[MetricDef]:
    """Metrics that are one atom each: counts, durations, revenue."""
    simple = [
        ("sessions", "Sessions", "TYPE_INTEGER", "The number of sessions that began on the site.", "Session"),
        ("totalUsers", "Total users", "TYPE_INTEGER", "The number of distinct users.", "User"),
        ("newUsers", "New users", "TYPE_INTEGER", "Users who interacted with the site for the first time.", "User"),
        (
            "engagedSessions",
            "Engaged sessions",
            "TYPE_INTEGER",
            "Sessions longer than 10s, or with a key event.",
            "Session",
        ),
        ("screenPageViews", "Views", "TYPE_INTEGER", "The number of app screens or web pages viewed.", "Page / screen"),
        ("userEngagementDuration", "User engagement", "TYPE_SECONDS", "Total time in the foreground.", "User"),
        ("ecommercePurchases", "Ecommerce purchases", "TYPE_INTEGER", "Purchases completed.", "Ecommerce"),
        ("purchaseRevenue", "Purchase revenue", "TYPE_CURRENCY", "Revenue from purchases.", "Revenue"),
        ("eventCount", "Event count", "TYPE_INTEGER", "The count of events.", "Event"),
    ]
    defs = [MetricDef(name, ui, kind, text, (name,), _atom(name), category=cat) for name, ui, kind, text, cat in simple]
    defs += [
        MetricDef(
            "activeUsers",
            "Active users",
            "TYPE_INTEGER",
            "Distinct users who engaged.",
            ("totalUsers",),
            _atom("totalUsers"),
            category="User",
        ),
        MetricDef(
            "keyEvents",
            "Key events",
            "TYPE_INTEGER",
            "The count of key events (formerly conversions).",
            ("keyEvents",),
            _atom("keyEvents"),
            deprecated=("conversions",),
            category="Event",
        ),
        MetricDef(
            "totalRevenue",
            "Total revenue",
            "TYPE_CURRENCY",
            "Purchase, subscription and ad revenue.",
            ("purchaseRevenue",),
            _atom("purchaseRevenue"),
            category="Revenue",
        ),
    ]
    return defs


def _ratio_metrics() -> list[MetricDef]:
    """Metrics computed from two atoms; a zero denominator gives 0, as GA4 shows it. Kept whole because it
    is one table: read as a list of definitions, it would only be harder to scan split in two."""
    return [
        MetricDef(
            "engagementRate",
            "Engagement rate",
            "TYPE_FLOAT",
            "Engaged sessions divided by sessions.",
            ("engagedSessions", "sessions"),
            lambda v: _ratio(v["engagedSessions"], v["sessions"]),
        ),
        MetricDef(
            "bounceRate",
            "Bounce rate",
            "TYPE_FLOAT",
            "Sessions that were not engaged, divided by sessions.",
            ("engagedSessions", "sessions"),
            lambda v: 1.0 - _ratio(v["engagedSessions"], v["sessions"]) if v["sessions"] else 0.0,
        ),
        MetricDef(
            "averageSessionDuration",
            "Average session duration",
            "TYPE_SECONDS",
            "The average duration of sessions, in seconds.",
            ("userEngagementDuration", "sessions"),
            lambda v: 1.3 * _ratio(v["userEngagementDuration"], v["sessions"]),
        ),
        MetricDef(
            "screenPageViewsPerSession",
            "Views per session",
            "TYPE_FLOAT",
            "Views divided by sessions.",
            ("screenPageViews", "sessions"),
            lambda v: _ratio(v["screenPageViews"], v["sessions"]),
        ),
        MetricDef(
            "sessionKeyEventRate",
            "Session key event rate",
            "TYPE_FLOAT",
            "The share of sessions with a key event.",
            ("keyEventSessions", "sessions"),
            lambda v: _ratio(v["keyEventSessions"], v["sessions"]),
            deprecated=("sessionConversionRate",),
        ),
        MetricDef(
            "userKeyEventRate",
            "User key event rate",
            "TYPE_FLOAT",
            "The share of users who triggered a key event.",
            ("keyEventSessions", "totalUsers"),
            lambda v: min(1.0, _ratio(v["keyEventSessions"], v["totalUsers"])),
            deprecated=("userConversionRate",),
            category="User",
        ),
        MetricDef(
            "sessionsPerUser",
            "Sessions per user",
            "TYPE_FLOAT",
            "Sessions divided by active users.",
            ("sessions", "totalUsers"),
            lambda v: _ratio(v["sessions"], v["totalUsers"]),
        ),
    ]


def _scoped_metrics() -> list[MetricDef]:
    """The custom metric, the item-scoped metrics, and one `keyEvents:<event>` metric per key event."""
    defs = [
        MetricDef(
            "customEvent:demo_requests",
            "Demo requests",
            "TYPE_INTEGER",
            "Event-scoped custom metric: demo request forms sent.",
            ("keyEventSessions",),
            _atom("keyEventSessions"),
            custom=True,
            category="Custom",
        ),
        MetricDef(
            "itemRevenue",
            "Item revenue",
            "TYPE_CURRENCY",
            "Revenue from items only.",
            ("purchaseRevenue",),
            _atom("purchaseRevenue"),
            item_scoped=True,
            category="Ecommerce",
        ),
        MetricDef(
            "itemsPurchased",
            "Items purchased",
            "TYPE_INTEGER",
            "Units of items purchased.",
            ("ecommercePurchases",),
            _atom("ecommercePurchases"),
            item_scoped=True,
            category="Ecommerce",
        ),
    ]
    for event in KEY_EVENTS:
        # GA4 lists one `keyEvents:<event>` metric per key event of the property.
        defs.append(
            MetricDef(
                f"keyEvents:{event}",
                f"Key events ({event})",
                "TYPE_INTEGER",
                f"The count of {event} key events.",
                (f"keyEvents:{event}",),
                _atom(f"keyEvents:{event}"),
                category="Event",
            )
        )
    return defs


def _metric_defs() -> list[MetricDef]:
    return [*_counted_metrics(), *_ratio_metrics(), *_scoped_metrics()]


METRICS: dict[str, MetricDef] = {m.api_name: m for m in _metric_defs()}
