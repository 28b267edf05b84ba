"""The GA4 Data API v1alpha `runFunnelReport` wire format, answered from a `PropertyDataset`.

A step is an event name (`funnelEventFilter`, or `funnelFieldFilter` on `eventName`), optionally AND-ed with a
page condition (`funnelFieldFilter` on pagePath, landingPage, unifiedPagePathScreen or pageTitle). Per cell of the
cube, the users of a closed funnel's step are the fewest users of it and every step before (they must enter at the
first step); an open funnel's step counts everyone who did it. The response has Google's two sub-reports: the
funnel table (step, optional breakdown, active users, completion and abandonment) and the visualization.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from tools.sample.dataset import IntArray, PropertyDataset
from tools.sample.events import EVENTS, event_users
from tools.sample.wire import DIMENSIONS, ApiError, Json, resolve_date
from tools.sample.wire.cube import aggregate
from tools.sample.wire.filters import string_match

PAGE_FIELDS = ("pagePath", "landingPage", "unifiedPagePathScreen", "pageTitle")
MAX_STEPS = 10
TABLE_METRICS = (
    ("activeUsers", "TYPE_INTEGER"),
    ("funnelStepCompletionRate", "TYPE_FLOAT"),
    ("funnelStepAbandonments", "TYPE_INTEGER"),
    ("funnelStepAbandonmentRate", "TYPE_FLOAT"),
)


class _Step:
    def __init__(self, name: str, events: list[str] | None, pages: list[Json]) -> None:
        self.name, self.events, self.pages = name, events, pages


def _leaves(expression: Json) -> list[Json]:
    if "andGroup" in expression:
        return [leaf for child in expression["andGroup"].get("expressions", []) for leaf in _leaves(child)]
    if "funnelEventFilter" in expression or "funnelFieldFilter" in expression:
        return [expression]
    raise ApiError(400, "This server answers funnel steps made of event and page conditions joined by andGroup.")


def _parse_step(index: int, spec: Json) -> _Step:
    events: list[str] | None = None
    pages: list[Json] = []
    for leaf in _leaves(spec.get("filterExpression") or {}):
        if "funnelEventFilter" in leaf:
            wanted = [str(leaf["funnelEventFilter"].get("eventName", ""))]
        else:
            field_filter = leaf["funnelFieldFilter"]
            name = str(field_filter.get("fieldName", ""))
            if name in PAGE_FIELDS:
                pages.append(field_filter)
                continue
            if name != "eventName":
                raise ApiError(400, f"Field {name} is not supported in a funnel step by this server.")
            wanted = [event for event in EVENTS if string_match(field_filter, event)]
        events = wanted if events is None else [event for event in events if event in wanted]
    if events is None and not pages:
        raise ApiError(400, f"funnel.steps[{index}].filterExpression is required.")
    return _Step(f"{index + 1}. {spec.get('name', '')}", events, pages)


def _page_mask(dataset: PropertyDataset, conditions: Sequence[Json]) -> npt.NDArray[np.bool_]:
    labels = [
        [dataset.page_title(path) if c.get("fieldName") == "pageTitle" else path for path in dataset.pages]
        for c in conditions
    ]
    hits = [
        all(string_match(c, label[i]) for c, label in zip(conditions, labels, strict=True))
        for i in range(len(dataset.pages))
    ]
    return np.array(hits)[None, None, None, None, :]


def _step_atoms(
    dataset: PropertyDataset, steps: Sequence[_Step], *, open_funnel: bool
) -> Callable[[Callable[[str], IntArray]], Mapping[str, Callable[[], IntArray]]]:
    def atoms(base: Callable[[str], IntArray]) -> Mapping[str, Callable[[], IntArray]]:
        cached: dict[int, IntArray] = {}

        def users(index: int) -> IntArray:
            if index not in cached:
                step = steps[index]
                if step.events is None:
                    done = base("totalUsers")
                else:
                    done = np.zeros_like(base("totalUsers"))
                    for event in step.events:
                        done = np.maximum(done, event_users(event, base, dataset.pages))
                if step.pages:
                    done = np.where(_page_mask(dataset, step.pages), done, 0)
                if index and not open_funnel:
                    done = np.minimum(done, users(index - 1))
                cached[index] = done
            return cached[index]

        return {f"step{i}": functools.partial(users, i) for i in range(len(steps))}

    return atoms


def _metric(value: float, kind: str) -> Json:
    return {"value": str(round(value)) if kind == "TYPE_INTEGER" else repr(round(value, 10))}


@dataclass(frozen=True)
class _FunnelRequest:
    """A `runFunnelReport` body, validated."""

    start: date
    end: date
    steps: list[_Step]
    open_funnel: bool
    breakdown: str | None
    breakdown_limit: int
    trended: bool


def _funnel_request(dataset: PropertyDataset, body: Json) -> _FunnelRequest:
    """Reject what GA4 rejects: not one date range, no steps or too many, a breakdown it cannot break down by."""
    ranges = body.get("dateRanges") or []
    if len(ranges) != 1:
        raise ApiError(400, "This server answers funnel reports for exactly one date range.")
    start = resolve_date(str(ranges[0].get("startDate", "")), dataset.today)
    end = resolve_date(str(ranges[0].get("endDate", "")), dataset.today)
    if end < start:
        raise ApiError(400, f"Invalid date range: endDate {end} is before startDate {start}.")
    funnel = body.get("funnel") or {}
    specs = funnel.get("steps") or []
    if not specs:
        raise ApiError(400, "funnel.steps must have at least one step.")
    if len(specs) > MAX_STEPS:
        raise ApiError(400, f"A funnel may have at most {MAX_STEPS} steps.")
    steps = [_parse_step(index, spec) for index, spec in enumerate(specs)]
    breakdown_spec = body.get("funnelBreakdown") or {}
    breakdown = str((breakdown_spec.get("breakdownDimension") or {}).get("name") or "") or None
    if breakdown is not None and (breakdown not in DIMENSIONS or breakdown in ("eventName", "itemName")):
        raise ApiError(400, f"Field {breakdown} is not a valid breakdown dimension.")
    breakdown_limit = int(breakdown_spec.get("limit", 0) or 0) or 5
    if not 1 <= breakdown_limit <= 15:
        raise ApiError(400, "funnelBreakdown.limit must be between 1 and 15.")
    return _FunnelRequest(
        start=start,
        end=end,
        steps=steps,
        open_funnel=bool(funnel.get("isOpenFunnel", False)),
        breakdown=breakdown,
        breakdown_limit=breakdown_limit,
        # The REST transport sends enums as integers, other clients as names.
        trended=body.get("funnelVisualizationType") in (2, "TRENDED_FUNNEL"),
    )


def funnel_json(dataset: PropertyDataset, body: Json, *, property_quota: Json | None) -> Json:
    """`POST /v1alpha/properties/{id}:runFunnelReport`."""
    request = _funnel_request(dataset, body)
    steps, breakdown = request.steps, request.breakdown
    atoms = _step_atoms(dataset, steps, open_funnel=request.open_funnel)
    names = [f"step{i}" for i in range(len(steps))]

    def sums(dims: Sequence[str]) -> dict[tuple[str, ...], dict[str, float]]:
        return aggregate(
            dataset,
            start=request.start,
            end=request.end,
            dimensions=dims,
            atom_names=names,
            dimension_filter=body.get("dimensionFilter"),
            row_atoms=atoms,
        )

    total = sums([]).get((), dict.fromkeys(names, 0.0))
    segments: list[tuple[str, Mapping[str, float]]] = [("RESERVED_TOTAL", total)]
    if breakdown:
        by_value = sorted(sums([breakdown]).items(), key=lambda kv: -kv[1]["step0"])[: request.breakdown_limit]
        segments += [(key[0], values) for key, values in by_value]
    table: Json = {
        "dimensionHeaders": [{"name": "funnelStepName"}, *([{"name": breakdown}] if breakdown else [])],
        "metricHeaders": [{"name": name, "type": kind} for name, kind in TABLE_METRICS],
        "rows": _table_rows(steps, segments if breakdown else segments[:1], breakdown=breakdown),
        "metadata": {},
    }
    by_day = sorted(sums(["date"]).items()) if request.trended else [((), total)]
    response: Json = {
        "funnelTable": table,
        "funnelVisualization": {
            "dimensionHeaders": [{"name": "funnelStepName"}, *([{"name": "date"}] if request.trended else [])],
            "metricHeaders": [{"name": "activeUsers", "type": "TYPE_INTEGER"}],
            "rows": _visualization_rows(steps, by_day),
            "metadata": {},
        },
        "kind": "analyticsData#runFunnelReport",
    }
    if property_quota is not None:
        response["propertyQuota"] = property_quota
    return response


def _table_rows(
    steps: Sequence[_Step], segments: Sequence[tuple[str, Mapping[str, float]]], *, breakdown: str | None
) -> list[Json]:
    """Per step (and breakdown value): users, completion rate to the next step, abandonments and their rate."""
    rows = []
    for index, step in enumerate(steps):
        for label, values in segments:
            users = values[f"step{index}"]
            following = values.get(f"step{index + 1}")
            abandoned = users - following if following is not None else 0.0
            completion = following / users if following is not None and users else 0.0
            metrics = [users, completion, abandoned, abandoned / users if users else 0.0]
            rows.append(
                {
                    "dimensionValues": [{"value": step.name}, *([{"value": label}] if breakdown else [])],
                    "metricValues": [_metric(v, kind) for v, (_, kind) in zip(metrics, TABLE_METRICS, strict=True)],
                }
            )
    return rows


def _visualization_rows(
    steps: Sequence[_Step], by_day: Sequence[tuple[tuple[str, ...], Mapping[str, float]]]
) -> list[Json]:
    """Active users per step, per day when the funnel is trended."""
    return [
        {
            "dimensionValues": [{"value": step.name}, *({"value": k} for k in key)],
            "metricValues": [_metric(values[f"step{index}"], "TYPE_INTEGER")],
        }
        for index, step in enumerate(steps)
        for key, values in by_day
    ]
