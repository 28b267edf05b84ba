"""`POST :runRealtimeReport`: the last 30 minutes by country, device, screen and minutes ago."""

from __future__ import annotations

from tools.sample.dataset import PropertyDataset
from tools.sample.wire.metrics import MetricDef
from tools.sample.wire.protocol import ApiError, Json, enum_name
from tools.sample.wire.report import Row, order_rows, row_json

REALTIME_DIMENSIONS = ("country", "deviceCategory", "unifiedScreenName", "minutesAgo", "platform")
REALTIME_METRICS = {
    "activeUsers": "TYPE_INTEGER",
    "screenPageViews": "TYPE_INTEGER",
    "eventCount": "TYPE_INTEGER",
    "keyEvents": "TYPE_INTEGER",
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
    rows = [Row(dims=k, atoms={}, metrics=v) for k, v in groups.items()]
    order_rows(rows, body.get("orderBys", []), dimensions, metrics)
    limit = int(body.get("limit", 0) or 0) or 10000
    defs = [MetricDef(m, m, REALTIME_METRICS[m], "", (), lambda _: 0.0) for m in metrics]
    response: Json = {
        "dimensionHeaders": [{"name": d} for d in dimensions],
        "metricHeaders": [{"name": m, "type": REALTIME_METRICS[m]} for m in metrics],
        "rows": [row_json(r.dims, r.metrics, defs) for r in rows[:limit]],
        "rowCount": len(rows),
        "kind": "analyticsData#runRealtimeReport",
    }
    if "TOTAL" in [enum_name("aggregation", a, "") for a in body.get("metricAggregations", [])]:
        response["totals"] = [
            row_json(
                tuple("RESERVED_TOTAL" for _ in dimensions),
                [sum(r.metrics[i] for r in rows) for i in range(len(metrics))],
                defs,
            )
        ]
    if property_quota is not None:
        response["propertyQuota"] = property_quota
    return response
