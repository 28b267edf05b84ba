"""`getMetadata` and `checkCompatibility`, and the name and compatibility checks `runReport` shares with them."""

from __future__ import annotations

from collections.abc import Sequence

from tools.sample.wire.dimensions import DATE_DIMENSIONS, DIMENSIONS
from tools.sample.wire.metrics import METRICS
from tools.sample.wire.protocol import ApiError, Json, enum_name

SCHEMA_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
EXPLORER_URL = "https://ga-dev-tools.web.app/ga4/dimensions-metrics-explorer/"


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


def incompatible_fields(dimensions: Sequence[str], metrics: Sequence[str]) -> list[str]:
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
    validate_names(dimensions, metrics)
    wanted = enum_name("compatibility", body.get("compatibilityFilter"), "COMPATIBILITY_UNSPECIFIED")
    dimension_rows = []
    for d in DIMENSIONS.values():
        with_dimension = dimensions if d.api_name in dimensions else [*dimensions, d.api_name]
        dimension_rows.append((d, "INCOMPATIBLE" if incompatible_fields(with_dimension, metrics) else "COMPATIBLE"))
    metric_rows = []
    for m in METRICS.values():
        with_metric = metrics if m.api_name in metrics else [*metrics, m.api_name]
        metric_rows.append((m, "INCOMPATIBLE" if incompatible_fields(dimensions, with_metric) else "COMPATIBLE"))
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


def validate_names(dimensions: Sequence[str], metrics: Sequence[str]) -> None:
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
