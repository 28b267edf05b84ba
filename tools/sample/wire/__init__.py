"""The GA4 Data API wire formats, answered from a `PropertyDataset`: the one report engine (Search Console's are
in `tools.sample.search_console`).

Pure functions from a decoded JSON request body to a JSON-ready response, raising `ApiError` with Google's error
shape when a request would be rejected. `tools.fakes.google.FakeGoogle` puts them behind HTTP routes for tests;
`tools.sample.clients` answers the SDK clients' own request objects with them in process, for the sample property.

One module per concern, each importing only the ones before it: `protocol` (JSON, errors, enums), `dimensions`,
`metrics`, `metadata` (getMetadata, checkCompatibility, name checks), `labels` (what a cube cell is called),
`filters`, `cube` (sums over the dataset cube), `report` (runReport), `realtime` (runRealtimeReport).
"""

from tools.sample.wire.dimensions import (
    CTY,
    DATE_DIMENSIONS,
    DAY,
    DEV,
    DIMENSIONS,
    HOUR,
    PAGE,
    SM,
    WEEKDAY_NAMES,
    DimensionDef,
)
from tools.sample.wire.labels import resolve_date
from tools.sample.wire.metadata import EXPLORER_URL, SCHEMA_URL, check_compatibility_json, metadata_json
from tools.sample.wire.metrics import METRICS, MetricDef
from tools.sample.wire.protocol import STATUS_NAMES, ApiError, Json, enum_name
from tools.sample.wire.realtime import REALTIME_DIMENSIONS, REALTIME_METRICS, realtime_json
from tools.sample.wire.report import run_report_json

__all__ = [
    "CTY",
    "DATE_DIMENSIONS",
    "DAY",
    "DEV",
    "DIMENSIONS",
    "EXPLORER_URL",
    "HOUR",
    "METRICS",
    "PAGE",
    "REALTIME_DIMENSIONS",
    "REALTIME_METRICS",
    "SCHEMA_URL",
    "SM",
    "STATUS_NAMES",
    "WEEKDAY_NAMES",
    "ApiError",
    "DimensionDef",
    "Json",
    "MetricDef",
    "check_compatibility_json",
    "enum_name",
    "metadata_json",
    "realtime_json",
    "resolve_date",
    "run_report_json",
]
