"""GA4 filter expressions: string, list and numeric matches, dimension filters as masks over the cube, metric filters
over rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from tools.sample.wire.dimensions import DIMENSIONS, HOUR
from tools.sample.wire.labels import Labels
from tools.sample.wire.protocol import ApiError, Json, enum_name


def string_match(filter_json: Json, value: str) -> bool:
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


def numeric_match(filter_json: Json, value: float) -> bool:
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


def filter_fields(expression: Json) -> set[str]:
    if "filter" in expression:
        return {expression["filter"].get("fieldName", "")}
    if "andGroup" in expression or "orGroup" in expression:
        group = expression.get("andGroup") or expression.get("orGroup") or {}
        return set().union(*(filter_fields(e) for e in group.get("expressions", [])))
    if "notExpression" in expression:
        return filter_fields(expression["notExpression"])
    return set()


def dimension_mask(expression: Json, labels: Labels, shape: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Evaluate a FilterExpression over cube cells: every leaf is a mask over its dimension's axis."""
    if "andGroup" in expression:
        mask = np.ones(shape, dtype=bool)
        for child in expression["andGroup"].get("expressions", []):
            mask &= dimension_mask(child, labels, shape)
        return mask
    if "orGroup" in expression:
        mask = np.zeros(shape, dtype=bool)
        for child in expression["orGroup"].get("expressions", []):
            mask |= dimension_mask(child, labels, shape)
        return mask
    if "notExpression" in expression:
        return ~dimension_mask(expression["notExpression"], labels, shape)
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
    matches = np.array([string_match(leaf, labels.label(name, {axis: i})) for i in range(shape[axis])])
    view = [1] * len(shape)
    view[axis] = shape[axis]
    return np.broadcast_to(matches.reshape(view), shape).copy()


def _split_top_level(expression: Json | None, field: str) -> tuple[list[Json], Json | None]:
    """The conditions on `field` of a filter (at its top level, or AND-ed there) and the rest of it. This server
    applies such a field only there; a condition on it anywhere else is refused, not ignored."""
    if not expression:
        return [], None
    parts = expression["andGroup"].get("expressions", []) if "andGroup" in expression else [expression]
    conditions = [p for p in parts if p.get("filter", {}).get("fieldName") == field]
    rest = [p for p in parts if p not in conditions]
    if any(field in filter_fields(p) for p in rest):
        raise ApiError(400, f"This server filters {field} only at the top level of dimensionFilter, or AND-ed there.")
    remaining = None if not rest else rest[0] if len(rest) == 1 else {"andGroup": {"expressions": rest}}
    return [p["filter"] for p in conditions], remaining


def split_event_filter(expression: Json | None) -> tuple[list[Json], Json | None]:
    """The eventName conditions of a filter (at its top level, or AND-ed there) and the rest of it."""
    return _split_top_level(expression, "eventName")


def split_hour_filter(expression: Json | None) -> tuple[frozenset[int] | None, Json | None]:
    """The hours of the day a filter's `hour` conditions (at its top level, or AND-ed there) let through, None when
    it has none, and the rest of it. The cube holds days; hours are split from them after the rest is applied."""
    conditions, remaining = _split_top_level(expression, "hour")
    if not conditions:
        return None, remaining
    return frozenset(h for h in range(24) if all(string_match(c, f"{h:02d}") for c in conditions)), remaining


def metric_filter(expression: Json, metrics: Sequence[str], values: Sequence[float]) -> bool:
    if "andGroup" in expression:
        return all(metric_filter(e, metrics, values) for e in expression["andGroup"].get("expressions", []))
    if "orGroup" in expression:
        return any(metric_filter(e, metrics, values) for e in expression["orGroup"].get("expressions", []))
    if "notExpression" in expression:
        return not metric_filter(expression["notExpression"], metrics, values)
    leaf = expression.get("filter", {})
    name = leaf.get("fieldName", "")
    if name not in metrics:
        raise ApiError(400, f"metricFilter field {name} must be one of the request's metrics.")
    return numeric_match(leaf, values[metrics.index(name)])
