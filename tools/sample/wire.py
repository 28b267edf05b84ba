"""The GA4 Data API wire formats, answered from a `PropertyDataset`: the one report engine (Search Console's are
in `tools.sample.search_console`).

Pure functions from a decoded JSON request body to a JSON-ready response, raising `ApiError` with Google's error
shape when a request would be rejected. `tools.fakes.google.FakeGoogle` puts them behind HTTP routes for tests;
`tools.sample.clients` answers the SDK clients' own request objects with them in process, for the sample property.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from tools.sample.dataset import IntArray, PropertyDataset
from tools.sample.events import EVENTS, KEY_EVENTS, event_count, event_row_atoms

Json = dict[str, Any]

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
SCHEMA_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
EXPLORER_URL = "https://ga-dev-tools.web.app/ga4/dimensions-metrics-explorer/"


# The REST transport of google-analytics-data sends enums as integers; other clients send their names.
_ENUMS: dict[str, dict[int, str]] = {
    "aggregation": {0: "METRIC_AGGREGATION_UNSPECIFIED", 1: "TOTAL", 4: "COUNT", 5: "MINIMUM", 6: "MAXIMUM"},
    "matchType": {
        0: "MATCH_TYPE_UNSPECIFIED",
        1: "EXACT",
        2: "BEGINS_WITH",
        3: "ENDS_WITH",
        4: "CONTAINS",
        5: "FULL_REGEXP",
        6: "PARTIAL_REGEXP",
    },
    "operation": {
        0: "OPERATION_UNSPECIFIED",
        1: "EQUAL",
        2: "LESS_THAN",
        3: "LESS_THAN_OR_EQUAL",
        4: "GREATER_THAN",
        5: "GREATER_THAN_OR_EQUAL",
    },
    "orderType": {0: "ORDER_TYPE_UNSPECIFIED", 1: "ALPHANUMERIC", 2: "CASE_INSENSITIVE_ALPHANUMERIC", 3: "NUMERIC"},
    "compatibility": {0: "COMPATIBILITY_UNSPECIFIED", 1: "COMPATIBLE", 2: "INCOMPATIBLE"},
}


def enum_name(kind: str, value: object, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, int):
        return _ENUMS[kind].get(value, default)
    return str(value)


class ApiError(Exception):
    """A request Google would reject; `body()` is Google's JSON error envelope."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> Json:
        return {
            "error": {
                "code": self.status,
                "message": self.message,
                "status": STATUS_NAMES.get(self.status, "UNKNOWN"),
                "errors": [{"message": self.message, "domain": "global", "reason": "invalid"}],
            }
        }


# ---------------------------------------------------------------------------------------------------------------
# GA4 catalog
# ---------------------------------------------------------------------------------------------------------------

# GA4 axes of the dataset cube: 0 day, 1 source/medium, 2 device, 3 country, 4 page; 5 is the hour split.
DAY, SM, DEV, CTY, PAGE, HOUR = range(6)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DimensionDef:
    api_name: str
    ui_name: str
    category: str
    description: str
    axes: tuple[int, ...]
    deprecated: tuple[str, ...] = ()
    custom: bool = False
    item_scoped: bool = False


def _dimension_defs() -> list[DimensionDef]:
    return [
        DimensionDef("date", "Date", "Time", "The date of the event, formatted as YYYYMMDD.", (DAY,)),
        DimensionDef(
            "dateHour", "Date + hour (YYYYMMDDHH)", "Time", "The combined values of date and hour.", (DAY, HOUR)
        ),
        DimensionDef("hour", "Hour", "Time", "The two-digit hour of the day (00-23).", (HOUR,)),
        DimensionDef("dayOfWeek", "Day of week", "Time", "The integer day of the week; Sunday is 0.", (DAY,)),
        DimensionDef("dayOfWeekName", "Day of week name", "Time", "The day of the week in English.", (DAY,)),
        DimensionDef("yearMonth", "Year month", "Time", "The combined values of year and month (YYYYMM).", (DAY,)),
        DimensionDef("isoYearIsoWeek", "ISO week of ISO year", "Time", "The ISO year and week (YYYYWW).", (DAY,)),
        DimensionDef(
            "sessionDefaultChannelGroup",
            "Session default channel group",
            "Traffic source",
            "The session's default channel group, based on its source and medium.",
            (SM,),
        ),
        DimensionDef(
            "sessionSource", "Session source", "Traffic source", "The source that started the session.", (SM,)
        ),
        DimensionDef(
            "sessionMedium", "Session medium", "Traffic source", "The medium that started the session.", (SM,)
        ),
        DimensionDef(
            "sessionSourceMedium", "Session source / medium", "Traffic source", "Session source and medium.", (SM,)
        ),
        DimensionDef("deviceCategory", "Device category", "Platform / device", "Desktop, mobile or tablet.", (DEV,)),
        DimensionDef("country", "Country", "Geography", "The country of the user.", (CTY,)),
        DimensionDef("countryId", "Country ID", "Geography", "The ISO 3166-1 alpha-2 country code.", (CTY,)),
        DimensionDef(
            "landingPage", "Landing page", "Page / screen", "The page path of the session's first page.", (PAGE,)
        ),
        DimensionDef(
            "landingPagePlusQueryString",
            "Landing page + query string",
            "Page / screen",
            "The landing page path with its query string.",
            (PAGE,),
        ),
        DimensionDef("pagePath", "Page path", "Page / screen", "The path of the page viewed.", (PAGE,)),
        DimensionDef("pageTitle", "Page title", "Page / screen", "The title of the page viewed.", (PAGE,)),
        DimensionDef(
            "customEvent:content_group",
            "Content group",
            "Custom",
            "Event-scoped custom dimension: the section of the site a page belongs to.",
            (PAGE,),
            custom=True,
        ),
        DimensionDef("itemName", "Item name", "Ecommerce", "The name of the item.", (), item_scoped=True),
        DimensionDef("eventName", "Event name", "Event", "The name of the event.", ()),
    ]


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
    """Metrics computed from two atoms; a zero denominator gives 0, as GA4 shows it. One table: read as a list of
    definitions, it would only be harder to scan split in two."""
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


DIMENSIONS: dict[str, DimensionDef] = {d.api_name: d for d in _dimension_defs()}
METRICS: dict[str, MetricDef] = {m.api_name: m for m in _metric_defs()}
DATE_DIMENSIONS = {"date", "dateHour", "hour", "dayOfWeek", "dayOfWeekName", "yearMonth", "isoYearIsoWeek"}
REALTIME_DIMENSIONS = ("country", "deviceCategory", "unifiedScreenName", "minutesAgo", "platform")
REALTIME_METRICS = {
    "activeUsers": "TYPE_INTEGER",
    "screenPageViews": "TYPE_INTEGER",
    "eventCount": "TYPE_INTEGER",
    "keyEvents": "TYPE_INTEGER",
}


def metadata_json(property_id: str) -> Json:
    """`GET /v1beta/properties/{id}/metadata`, custom definitions included."""
    dimensions = [
        {
            "apiName": d.api_name,
            "uiName": d.ui_name,
            "description": d.description,
            "category": d.category,
            "customDefinition": d.custom,
            **({"deprecatedApiNames": list(d.deprecated)} if d.deprecated else {}),
        }
        for d in DIMENSIONS.values()
    ]
    metrics = [
        {
            "apiName": m.api_name,
            "uiName": m.ui_name,
            "description": m.description,
            "type": m.type,
            "category": m.category,
            "customDefinition": m.custom,
            **({"deprecatedApiNames": list(m.deprecated)} if m.deprecated else {}),
        }
        for m in METRICS.values()
    ]
    return {"name": f"properties/{property_id}/metadata", "dimensions": dimensions, "metrics": metrics}


def _incompatible(dimensions: Sequence[str], metrics: Sequence[str]) -> list[str]:
    """Names to remove for a compatible request: item-scoped fields only combine with item-scoped or date fields."""
    item_dims = [d for d in dimensions if d in DIMENSIONS and DIMENSIONS[d].item_scoped]
    item_metrics = [m for m in metrics if m in METRICS and METRICS[m].item_scoped]
    if item_dims:
        return [m for m in metrics if m in METRICS and not METRICS[m].item_scoped]
    if item_metrics:
        return [d for d in dimensions if d in DIMENSIONS and d not in DATE_DIMENSIONS and d != "dateRange"]
    return []


def check_compatibility_json(body: Json) -> Json:
    """`POST :checkCompatibility`: every requested (or every known) field with COMPATIBLE / INCOMPATIBLE."""
    dimensions = [d["name"] for d in body.get("dimensions", [])]
    metrics = [m["name"] for m in body.get("metrics", [])]
    _validate_names(dimensions, metrics)
    wanted = enum_name("compatibility", body.get("compatibilityFilter"), "COMPATIBILITY_UNSPECIFIED")
    dimension_rows = []
    for d in DIMENSIONS.values():
        with_dimension = dimensions if d.api_name in dimensions else [*dimensions, d.api_name]
        dimension_rows.append((d, "INCOMPATIBLE" if _incompatible(with_dimension, metrics) else "COMPATIBLE"))
    metric_rows = []
    for m in METRICS.values():
        with_metric = metrics if m.api_name in metrics else [*metrics, m.api_name]
        metric_rows.append((m, "INCOMPATIBLE" if _incompatible(dimensions, with_metric) else "COMPATIBLE"))
    return {
        "dimensionCompatibilities": [
            {
                "dimensionMetadata": {"apiName": d.api_name, "uiName": d.ui_name, "description": d.description},
                "compatibility": c,
            }
            for d, c in dimension_rows
            if wanted in ("COMPATIBILITY_UNSPECIFIED", c)
        ],
        "metricCompatibilities": [
            {
                "metricMetadata": {
                    "apiName": m.api_name,
                    "uiName": m.ui_name,
                    "description": m.description,
                    "type": m.type,
                },
                "compatibility": c,
            }
            for m, c in metric_rows
            if wanted in ("COMPATIBILITY_UNSPECIFIED", c)
        ],
    }


def _validate_names(dimensions: Sequence[str], metrics: Sequence[str]) -> None:
    for name in dimensions:
        if name not in DIMENSIONS and name != "dateRange":
            raise ApiError(
                400,
                f"Field {name} is not a valid dimension. For a list of valid dimensions and metrics, see {SCHEMA_URL}",
            )
    for name in metrics:
        if name not in METRICS:
            raise ApiError(
                400, f"Field {name} is not a valid metric. For a list of valid dimensions and metrics, see {SCHEMA_URL}"
            )
    if len(set(dimensions)) != len(dimensions) or len(set(metrics)) != len(metrics):
        raise ApiError(400, "Duplicate dimension or metric names are not allowed.")


# ---------------------------------------------------------------------------------------------------------------
# GA4 reports
# ---------------------------------------------------------------------------------------------------------------

_RELATIVE = re.compile(r"^(\d+)daysAgo$")


def resolve_date(value: str, today: date) -> date:
    """GA4's date forms: YYYY-MM-DD, today, yesterday, NdaysAgo."""
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    match = _RELATIVE.match(value)
    if match:
        return today - timedelta(days=int(match.group(1)))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"Invalid date: {value}. Dates must be YYYY-MM-DD, today, yesterday or NdaysAgo.") from None


@dataclass
class _Labels:
    """Label functions for every dimension over cube indices."""

    dataset: PropertyDataset
    days: list[date]

    def label(self, name: str, index: Mapping[int, int]) -> str:
        ds = self.dataset
        if name in ("date", "dayOfWeek", "dayOfWeekName", "yearMonth", "isoYearIsoWeek", "dateHour"):
            day = self.days[index[DAY]]
            if name == "date":
                return day.strftime("%Y%m%d")
            if name == "dateHour":
                return day.strftime("%Y%m%d") + f"{index[HOUR]:02d}"
            if name == "dayOfWeek":
                return str((day.weekday() + 1) % 7)
            if name == "dayOfWeekName":
                return WEEKDAY_NAMES[day.weekday()]
            if name == "yearMonth":
                return day.strftime("%Y%m")
            iso = day.isocalendar()
            return f"{iso.year}{iso.week:02d}"
        if name == "hour":
            return f"{index[HOUR]:02d}"
        if name in ("sessionDefaultChannelGroup", "sessionSource", "sessionMedium", "sessionSourceMedium"):
            sm = ds.catalog.all_source_mediums[index[SM]]
            return {
                "sessionDefaultChannelGroup": sm.channel,
                "sessionSource": sm.source,
                "sessionMedium": sm.medium,
                "sessionSourceMedium": sm.label,
            }[name]
        if name == "deviceCategory":
            return ds.catalog.devices[index[DEV]]
        if name == "country":
            return ds.catalog.countries[index[CTY]][0]
        if name == "countryId":
            return ds.catalog.countries[index[CTY]][1]
        path = ds.catalog.pages[index[PAGE]][0]
        if name in ("landingPage", "pagePath"):
            return path
        if name == "landingPagePlusQueryString":
            return path
        if name == "pageTitle":
            return ds.page_title(path)
        if name == "customEvent:content_group":
            return ds.catalog.content_group(path)
        raise ApiError(400, f"Field {name} is not a valid dimension.")


def _string_match(filter_json: Json, value: str) -> bool:
    if "stringFilter" in filter_json:
        spec = filter_json["stringFilter"]
        expected = str(spec.get("value", ""))
        kind = enum_name("matchType", spec.get("matchType"), "EXACT")
        sensitive = bool(spec.get("caseSensitive", False))
        left, right = (value, expected) if sensitive else (value.lower(), expected.lower())
        flags = 0 if sensitive else re.IGNORECASE
        if kind in ("EXACT", "MATCH_TYPE_UNSPECIFIED"):
            return left == right
        if kind == "BEGINS_WITH":
            return left.startswith(right)
        if kind == "ENDS_WITH":
            return left.endswith(right)
        if kind == "CONTAINS":
            return right in left
        if kind == "FULL_REGEXP":
            return re.fullmatch(expected, value, flags) is not None
        if kind == "PARTIAL_REGEXP":
            return re.search(expected, value, flags) is not None
        raise ApiError(400, f"Unknown matchType {kind}.")
    if "inListFilter" in filter_json:
        spec = filter_json["inListFilter"]
        values = [str(v) for v in spec.get("values", [])]
        if spec.get("caseSensitive", False):
            return value in values
        return value.lower() in {v.lower() for v in values}
    if "emptyFilter" in filter_json:
        return value == ""
    raise ApiError(400, "A dimension filter needs a stringFilter, inListFilter or emptyFilter.")


def _number(value: Json) -> float:
    if "int64Value" in value:
        return float(value["int64Value"])
    return float(value.get("doubleValue", 0.0))


def _numeric_match(filter_json: Json, value: float) -> bool:
    if "numericFilter" in filter_json:
        spec = filter_json["numericFilter"]
        target = _number(spec.get("value", {}))
        operation = enum_name("operation", spec.get("operation"), "EQUAL")
        return {
            "EQUAL": value == target,
            "LESS_THAN": value < target,
            "LESS_THAN_OR_EQUAL": value <= target,
            "GREATER_THAN": value > target,
            "GREATER_THAN_OR_EQUAL": value >= target,
        }.get(operation, False)
    if "betweenFilter" in filter_json:
        spec = filter_json["betweenFilter"]
        return _number(spec.get("fromValue", {})) <= value <= _number(spec.get("toValue", {}))
    raise ApiError(400, "A metric filter needs a numericFilter or betweenFilter.")


def _filter_fields(expression: Json) -> set[str]:
    if "filter" in expression:
        return {expression["filter"].get("fieldName", "")}
    if "andGroup" in expression or "orGroup" in expression:
        group = expression.get("andGroup") or expression.get("orGroup") or {}
        return set().union(*(_filter_fields(e) for e in group.get("expressions", [])))
    if "notExpression" in expression:
        return _filter_fields(expression["notExpression"])
    return set()


def _dimension_mask(expression: Json, labels: _Labels, shape: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Evaluate a FilterExpression over cube cells: every leaf is a mask over its dimension's axis."""
    if "andGroup" in expression:
        mask = np.ones(shape, dtype=bool)
        for child in expression["andGroup"].get("expressions", []):
            mask &= _dimension_mask(child, labels, shape)
        return mask
    if "orGroup" in expression:
        mask = np.zeros(shape, dtype=bool)
        for child in expression["orGroup"].get("expressions", []):
            mask |= _dimension_mask(child, labels, shape)
        return mask
    if "notExpression" in expression:
        return ~_dimension_mask(expression["notExpression"], labels, shape)
    if "filter" not in expression:
        raise ApiError(400, "A FilterExpression needs andGroup, orGroup, notExpression or filter.")
    leaf = expression["filter"]
    name = leaf.get("fieldName", "")
    if name not in DIMENSIONS:
        raise ApiError(400, f"Field {name} is not a valid dimension for a dimension filter.")
    axes = DIMENSIONS[name].axes
    if len(axes) != 1 or axes[0] == HOUR:
        raise ApiError(400, f"Filtering on {name} is not supported by this server.")
    axis = axes[0]
    matches = np.array([_string_match(leaf, labels.label(name, {axis: i})) for i in range(shape[axis])])
    view = [1] * len(shape)
    view[axis] = shape[axis]
    return np.broadcast_to(matches.reshape(view), shape).copy()


def _split_hours(values: IntArray, weights: np.ndarray[Any, np.dtype[np.float64]]) -> IntArray:
    """Split per-day counts across 24 hours so the hours sum exactly to the day (largest remainder).

    `values` has the day axis first and the page axis last; `weights` is (days, pages, 24).
    """
    norm = weights / np.maximum(weights.sum(axis=-1, keepdims=True), 1e-12)
    middle_dims = values.ndim - 2
    w = norm.reshape((norm.shape[0],) + (1,) * middle_dims + norm.shape[1:])
    raw = values[..., None] * w
    floor = np.floor(raw)
    remainder = (values - floor.sum(axis=-1)).astype(np.int64)
    fraction = raw - floor
    ranks = np.argsort(np.argsort(-fraction, axis=-1, kind="stable"), axis=-1, kind="stable")
    result: IntArray = (floor + (ranks < remainder[..., None])).astype(np.int64)
    return result


def _format_metric(value: float, kind: str) -> str:
    if kind == "TYPE_INTEGER":
        return str(round(value))
    if kind == "TYPE_CURRENCY":
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != round(value) else str(round(value))
    return repr(round(value, 10))


@dataclass
class _Row:
    dims: tuple[str, ...]
    atoms: dict[str, float]
    metrics: list[float] = field(default_factory=list)


def _aggregate(
    dataset: PropertyDataset,
    *,
    start: date,
    end: date,
    dimensions: Sequence[str],
    atom_names: Iterable[str],
    dimension_filter: Json | None,
    row_atoms: Callable[[Callable[[str], IntArray]], Mapping[str, Callable[[], IntArray]]] | None = None,
) -> dict[tuple[str, ...], dict[str, float]]:
    """Sums of atoms by `dimensions` over the days; `row_atoms` (given the base atoms) replaces some of them, as
    the rows of one event name do."""
    cube = dataset.ga4()
    labels = _Labels(dataset, cube.days)
    first = max(0, (start - cube.days[0]).days)
    last = min(len(cube.days) - 1, (end - cube.days[0]).days)
    atom_list = sorted(set(atom_names))
    if last < first:
        return {}
    shape = cube.atoms["sessions"].shape
    mask = _dimension_mask(dimension_filter, labels, shape)[first : last + 1] if dimension_filter else None
    needed = sorted({axis for name in dimensions for axis in DIMENSIONS[name].axes})
    hourly = HOUR in needed
    cube_axes = [axis for axis in needed if axis != HOUR]
    if hourly and DAY not in cube_axes:
        cube_axes = [DAY, *cube_axes]
    drop = tuple(axis for axis in range(5) if axis not in cube_axes)
    reduced: dict[str, IntArray] = {}

    def base(name: str) -> IntArray:
        if name.startswith("keyEvents:"):
            return event_count(name.removeprefix("keyEvents:"), base, dataset.pages)
        return cube.atoms[name][first : last + 1]

    replaced = row_atoms(base) if row_atoms is not None else {}
    for name in atom_list:
        values = replaced[name]() if name in replaced else base(name)
        if mask is not None:
            values = np.where(mask, values, 0)
        if hourly:
            # Each landing page has its own hours (a tracking break may hit one page group for a few hours only), so
            # days are split into hours page by page, and pages summed afterwards when not asked for.
            summed = values.sum(axis=tuple(axis for axis in drop if axis != PAGE))
            summed = _split_hours(summed, cube.page_hour_weights[first : last + 1])
            if PAGE in drop:
                summed = summed.sum(axis=-2)
        else:
            summed = values.sum(axis=drop)
        reduced[name] = np.asarray(summed, dtype=np.int64)
    kept_axes = cube_axes + ([HOUR] if hourly else [])
    return _label_cells(reduced, labels=labels, axes=kept_axes, first=first, dimensions=dimensions)


def _label_cells(
    reduced: Mapping[str, IntArray], *, labels: _Labels, axes: Sequence[int], first: int, dimensions: Sequence[str]
) -> dict[tuple[str, ...], dict[str, float]]:
    """Sum the reduced cells into rows keyed by their dimension labels (several cells may share one label)."""
    groups: dict[tuple[str, ...], dict[str, float]] = {}
    sample = next(iter(reduced.values()))
    for position in np.ndindex(*sample.shape):
        index = dict(zip(axes, position, strict=True))
        if DAY in index:
            index[DAY] += first
        key = tuple(labels.label(name, index) for name in dimensions)
        bucket = groups.setdefault(key, dict.fromkeys(reduced, 0.0))
        for name, values in reduced.items():
            bucket[name] += float(values[position])
    return groups


def _split_event_filter(expression: Json | None) -> tuple[list[Json], Json | None]:
    """The eventName conditions of a filter (at its top level, or AND-ed there) and the rest of it."""
    if not expression:
        return [], None
    parts = expression["andGroup"].get("expressions", []) if "andGroup" in expression else [expression]
    events = [p for p in parts if p.get("filter", {}).get("fieldName") == "eventName"]
    rest = [p for p in parts if p not in events]
    if any("eventName" in _filter_fields(p) for p in rest):
        raise ApiError(400, "This server filters eventName only at the top level of dimensionFilter, or AND-ed there.")
    remaining = None if not rest else rest[0] if len(rest) == 1 else {"andGroup": {"expressions": rest}}
    return [p["filter"] for p in events], remaining


def _event_groups(
    dataset: PropertyDataset,
    *,
    start: date,
    end: date,
    dims: Sequence[str],
    atom_names: Iterable[str],
    dimension_filter: Json | None,
) -> dict[tuple[str, ...], dict[str, float]]:
    """Rows by event name: each event's own counts, users and sessions, grouped by the other dimensions."""
    conditions, remaining = _split_event_filter(dimension_filter)
    others = [d for d in dims if d != "eventName"]
    groups: dict[tuple[str, ...], dict[str, float]] = {}
    for event in EVENTS:
        if not all(_string_match(condition, event) for condition in conditions):
            continue
        found = _aggregate(
            dataset,
            start=start,
            end=end,
            dimensions=others,
            atom_names=atom_names,
            dimension_filter=remaining,
            row_atoms=functools.partial(event_row_atoms, event, dataset.pages),
        )
        for key, atoms in found.items():
            labelled = dict(zip(others, key, strict=True))
            labelled["eventName"] = event
            groups[tuple(labelled[d] for d in dims)] = atoms
    return groups


def _date_range_name(spec: Json, index: int) -> str:
    name = str(spec.get("name") or "")
    if name.startswith(("date_range_", "RESERVED_")):
        raise ApiError(400, f"Invalid dateRange name {name}: names cannot begin with date_range_ or RESERVED_.")
    return name or f"date_range_{index}"


@dataclass(frozen=True)
class _ReportRequest:
    """A `runReport` body, validated: its fields, its named date ranges and the dimensions rows are grouped by."""

    dimensions: list[str]
    metrics: list[str]
    ranges: list[tuple[str, date, date]]
    dimension_filter: Json | None
    output_dims: list[str]
    group_dims: list[str]
    metric_defs: list[MetricDef]
    atom_names: set[str]
    item_request: bool


def _report_request(dataset: PropertyDataset, body: Json) -> _ReportRequest:
    """Reject what GA4 rejects (names, compatibility, date ranges, filters), in GA4's order and words."""
    dimensions = [d["name"] for d in body.get("dimensions", [])]
    metrics = [m["name"] for m in body.get("metrics", [])]
    if not metrics and not dimensions:
        raise ApiError(400, "At least one dimension or metric is required.")
    _validate_names(dimensions, metrics)
    incompatible = _incompatible(dimensions, metrics)
    if incompatible:
        raise ApiError(
            400,
            f"Please remove {incompatible[0]} to make the request compatible. The request's dimensions & metrics "
            f"are incompatible. To learn more, see {EXPLORER_URL}",
        )
    ranges = body.get("dateRanges", [])
    if not ranges:
        raise ApiError(400, "dateRanges is required.")
    if len(ranges) > 4:
        raise ApiError(400, "A request may have at most 4 dateRanges.")
    resolved: list[tuple[str, date, date]] = []
    for index, spec in enumerate(ranges):
        start = resolve_date(str(spec.get("startDate", "")), dataset.today)
        end = resolve_date(str(spec.get("endDate", "")), dataset.today)
        if end < start:
            raise ApiError(400, f"Invalid date range: endDate {end} is before startDate {start}.")
        resolved.append((_date_range_name(spec, index), start, end))
    dimension_filter = body.get("dimensionFilter")
    if dimension_filter and _filter_fields(dimension_filter) & set(METRICS):
        raise ApiError(400, "dimensionFilter can only refer to dimensions; use metricFilter for metrics.")
    output_dims = list(dimensions)
    # Several date ranges add the dateRange dimension to every row, asked for or not.
    if len(resolved) > 1 and "dateRange" not in output_dims:
        output_dims.append("dateRange")
    group_dims = [d for d in dimensions if d != "dateRange"]
    metric_defs = [METRICS[m] for m in metrics]
    return _ReportRequest(
        dimensions=dimensions,
        metrics=metrics,
        ranges=resolved,
        dimension_filter=dimension_filter,
        output_dims=output_dims,
        group_dims=group_dims,
        metric_defs=metric_defs,
        atom_names={a for m in metric_defs for a in m.atoms} or {"sessions"},
        item_request=any(m.item_scoped for m in metric_defs) or any(DIMENSIONS[d].item_scoped for d in group_dims),
    )


def _range_rows(
    dataset: PropertyDataset, request: _ReportRequest, body: Json, *, name: str, start: date, end: date
) -> tuple[list[_Row], dict[str, float]]:
    """One date range's rows (empty and metric-filtered rows dropped) and the sums of their atoms."""
    base_dims = [d for d in request.group_dims if not DIMENSIONS[d].item_scoped]
    dimension_filter = request.dimension_filter
    if "eventName" in base_dims or (dimension_filter and "eventName" in _filter_fields(dimension_filter)):
        groups = _event_groups(
            dataset,
            start=start,
            end=end,
            dims=base_dims,
            atom_names=request.atom_names,
            dimension_filter=dimension_filter,
        )
    else:
        groups = _aggregate(
            dataset,
            start=start,
            end=end,
            dimensions=base_dims,
            atom_names=request.atom_names,
            dimension_filter=dimension_filter,
        )
    if request.item_request:
        groups = _split_items(groups, base_dims, request.group_dims, items=dataset.catalog.items)
    rows: list[_Row] = []
    for key, atoms in groups.items():
        dims = dict(zip(request.group_dims, key, strict=True))
        dims["dateRange"] = name
        values = [m.compute(atoms) for m in request.metric_defs]
        if not body.get("keepEmptyRows") and request.metrics and all(v == 0 for v in values):
            continue
        rows.append(_Row(dims=tuple(dims[d] for d in request.output_dims), atoms=atoms, metrics=values))
    if body.get("metricFilter"):
        rows = [r for r in rows if _metric_filter(body["metricFilter"], request.metrics, r.metrics)]
    total = dict.fromkeys(request.atom_names, 0.0)
    for row in rows:
        for atom in request.atom_names:
            total[atom] += row.atoms[atom]
    return rows, total


def run_report_json(dataset: PropertyDataset, body: Json, *, property_quota: Json | None) -> Json:
    """`POST :runReport` (also each request of `:batchRunReports`)."""
    request = _report_request(dataset, body)
    rows: list[_Row] = []
    totals_by_range: list[tuple[str, dict[str, float]]] = []
    for name, start, end in request.ranges:
        range_rows, range_total = _range_rows(dataset, request, body, name=name, start=start, end=end)
        rows.extend(range_rows)
        totals_by_range.append((name, range_total))

    _order(rows, body.get("orderBys", []), request.output_dims, request.metrics)
    offset = int(body.get("offset", 0) or 0)
    limit = int(body.get("limit", 0) or 0) or 10000
    if limit > 250000:
        raise ApiError(400, "limit must not exceed 250000.")
    page = rows[offset : offset + limit]
    metric_defs = request.metric_defs
    response: Json = {
        "dimensionHeaders": [{"name": d} for d in request.output_dims],
        "metricHeaders": [{"name": m.api_name, "type": m.type} for m in metric_defs],
        "rows": [_row_json(r.dims, r.metrics, metric_defs) for r in page],
        "rowCount": len(rows),
        "metadata": {"currencyCode": dataset.currency, "timeZone": dataset.timezone},
        "kind": "analyticsData#runReport",
    }
    if not page:
        del response["rows"]
    response.update(_aggregations(body, request, rows=rows, totals_by_range=totals_by_range))
    if property_quota is not None:
        response["propertyQuota"] = property_quota
    return response


def _aggregations(
    body: Json,
    request: _ReportRequest,
    *,
    rows: Sequence[_Row],
    totals_by_range: Sequence[tuple[str, dict[str, float]]],
) -> Json:
    """`totals` (one row per date range), `maximums` and `minimums`, as `metricAggregations` asks."""
    out: Json = {}
    output_dims, metric_defs = request.output_dims, request.metric_defs
    aggregations = [enum_name("aggregation", a, "") for a in body.get("metricAggregations", [])]
    if "TOTAL" in aggregations:
        out["totals"] = [
            _row_json(
                tuple(name if d == "dateRange" else "RESERVED_TOTAL" for d in output_dims),
                [m.compute(total) for m in metric_defs],
                metric_defs,
            )
            for name, total in totals_by_range
        ]
    for kind, label, pick in (("MAXIMUM", "RESERVED_MAX", max), ("MINIMUM", "RESERVED_MIN", min)):
        if kind in aggregations:
            out["maximums" if kind == "MAXIMUM" else "minimums"] = [
                _row_json(
                    tuple(label for _ in output_dims),
                    [pick((r.metrics[i] for r in rows), default=0.0) for i in range(len(metric_defs))],
                    metric_defs,
                )
            ]
    return out


def _split_items(
    groups: dict[tuple[str, ...], dict[str, float]],
    base_dims: Sequence[str],
    group_dims: Sequence[str],
    *,
    items: Sequence[tuple[str, float]],
) -> dict[tuple[str, ...], dict[str, float]]:
    """Item rows: each group's purchases and revenue split across the catalog by fixed shares."""
    out: dict[tuple[str, ...], dict[str, float]] = {}
    for key, atoms in groups.items():
        base = dict(zip(base_dims, key, strict=True))
        for item, share in items:
            values = {name: float(np.floor(value * share)) for name, value in atoms.items()}
            full = {**base, "itemName": item}
            out_key = tuple(full[d] for d in group_dims)
            bucket = out.setdefault(out_key, dict.fromkeys(atoms, 0.0))
            for name, value in values.items():
                bucket[name] += value
    return out


def _metric_filter(expression: Json, metrics: Sequence[str], values: Sequence[float]) -> bool:
    if "andGroup" in expression:
        return all(_metric_filter(e, metrics, values) for e in expression["andGroup"].get("expressions", []))
    if "orGroup" in expression:
        return any(_metric_filter(e, metrics, values) for e in expression["orGroup"].get("expressions", []))
    if "notExpression" in expression:
        return not _metric_filter(expression["notExpression"], metrics, values)
    leaf = expression.get("filter", {})
    name = leaf.get("fieldName", "")
    if name not in metrics:
        raise ApiError(400, f"metricFilter field {name} must be one of the request's metrics.")
    return _numeric_match(leaf, values[metrics.index(name)])


def _order(rows: list[_Row], order_bys: Sequence[Json], dims: Sequence[str], metrics: Sequence[str]) -> None:
    if not order_bys:
        order_bys = (
            [{"metric": {"metricName": metrics[0]}, "desc": True}]
            if metrics
            else [{"dimension": {"dimensionName": dims[0]}}]
        )
    for spec in reversed(order_bys):
        desc = bool(spec.get("desc", False))
        if "metric" in spec:
            name = spec["metric"].get("metricName", "")
            if name not in metrics:
                raise ApiError(400, f"orderBys metric {name} must be one of the request's metrics.")
            position = metrics.index(name)
            rows.sort(key=lambda r: r.metrics[position], reverse=desc)
        elif "dimension" in spec:
            name = spec["dimension"].get("dimensionName", "")
            if name not in dims:
                raise ApiError(400, f"orderBys dimension {name} must be one of the request's dimensions.")
            position = dims.index(name)
            kind = enum_name("orderType", spec["dimension"].get("orderType"), "ALPHANUMERIC")
            if kind == "NUMERIC":
                rows.sort(key=lambda r: float(r.dims[position]) if _is_number(r.dims[position]) else 0.0, reverse=desc)
            elif kind == "CASE_INSENSITIVE_ALPHANUMERIC":
                rows.sort(key=lambda r: r.dims[position].lower(), reverse=desc)
            else:
                rows.sort(key=lambda r: r.dims[position], reverse=desc)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _row_json(dims: Sequence[str], values: Sequence[float], metric_defs: Sequence[MetricDef]) -> Json:
    return {
        "dimensionValues": [{"value": d} for d in dims],
        "metricValues": [{"value": _format_metric(v, m.type)} for v, m in zip(values, metric_defs, strict=True)],
    }


def realtime_json(dataset: PropertyDataset, body: Json, *, property_quota: Json | None) -> Json:
    """`POST :runRealtimeReport`: the last 30 minutes by country, device, screen and minutes ago."""
    dimensions = [d["name"] for d in body.get("dimensions", [])]
    metrics = [m["name"] for m in body.get("metrics", [])] or ["activeUsers"]
    for name in dimensions:
        if name not in REALTIME_DIMENSIONS:
            raise ApiError(400, f"Field {name} is not a valid dimension for realtime reports.")
    for name in metrics:
        if name not in REALTIME_METRICS:
            raise ApiError(400, f"Field {name} is not a valid metric for realtime reports.")
    ranges = body.get("minuteRanges") or [{"startMinutesAgo": 29, "endMinutesAgo": 0}]
    low = min(int(r.get("endMinutesAgo", 0)) for r in ranges)
    high = max(int(r.get("startMinutesAgo", 29)) for r in ranges)
    groups: dict[tuple[str, ...], list[float]] = {}
    for position, (minutes_ago, country, device, page, users) in enumerate(dataset.realtime_minutes()):
        if not low <= minutes_ago <= high:
            continue
        labels = {
            "country": dataset.catalog.countries[country][0],
            "deviceCategory": dataset.catalog.devices[device],
            "unifiedScreenName": dataset.page_title(dataset.catalog.pages[page][0]),
            "minutesAgo": f"{minutes_ago:02d}",
            "platform": "web",
        }
        values = {
            "activeUsers": float(users),
            "screenPageViews": float(1 + position % 3),
            "eventCount": float(3 + position % 4),
            "keyEvents": 1.0 if position % 37 == 0 else 0.0,
        }
        bucket = groups.setdefault(tuple(labels[d] for d in dimensions), [0.0] * len(metrics))
        for i, name in enumerate(metrics):
            bucket[i] += values[name]
    rows = [_Row(dims=k, atoms={}, metrics=v) for k, v in groups.items()]
    _order(rows, body.get("orderBys", []), dimensions, metrics)
    limit = int(body.get("limit", 0) or 0) or 10000
    defs = [MetricDef(m, m, REALTIME_METRICS[m], "", (), lambda _: 0.0) for m in metrics]
    response: Json = {
        "dimensionHeaders": [{"name": d} for d in dimensions],
        "metricHeaders": [{"name": m, "type": REALTIME_METRICS[m]} for m in metrics],
        "rows": [_row_json(r.dims, r.metrics, defs) for r in rows[:limit]],
        "rowCount": len(rows),
        "kind": "analyticsData#runRealtimeReport",
    }
    if "TOTAL" in [enum_name("aggregation", a, "") for a in body.get("metricAggregations", [])]:
        response["totals"] = [
            _row_json(
                tuple("RESERVED_TOTAL" for _ in dimensions),
                [sum(r.metrics[i] for r in rows) for i in range(len(metrics))],
                defs,
            )
        ]
    if property_quota is not None:
        response["propertyQuota"] = property_quota
    return response
