"""What every GA4 wire module shares: the JSON type, Google's error envelope, and enums as the REST
transport sends them (integers) or other clients do (names)."""

from __future__ import annotations

from typing import Any

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
