"""Async GA4 and Search Console clients over the official SDKs, with shared limits, retries and typed errors.

The names below resolve on first access: importing `tools.google.runtime` or `tools.google.errors` (light) must not
pull in the Google SDKs, which cost most of a process's start-up time and tens of MB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.google.errors import (
        GoogleAccessDenied,
        GoogleApiError,
        GoogleAuthExpired,
        GoogleBadRequest,
        GoogleQuotaExhausted,
        GoogleUnavailable,
    )
    from tools.google.ga4 import Ga4Api, Ga4Client, property_name
    from tools.google.gsc import (
        GscApi,
        GscClient,
        GscFilter,
        GscFilterGroup,
        GscQuery,
        GscQueryResponse,
        UrlInspection,
    )
    from tools.google.runtime import GoogleRuntime, QuotaStatus

_WHERE = {
    "GoogleAccessDenied": "errors",
    "GoogleApiError": "errors",
    "GoogleAuthExpired": "errors",
    "GoogleBadRequest": "errors",
    "GoogleQuotaExhausted": "errors",
    "GoogleUnavailable": "errors",
    "Ga4Api": "ga4",
    "Ga4Client": "ga4",
    "property_name": "ga4",
    "GscApi": "gsc",
    "GscClient": "gsc",
    "GscFilter": "gsc",
    "GscFilterGroup": "gsc",
    "GscQuery": "gsc",
    "GscQueryResponse": "gsc",
    "UrlInspection": "gsc",
    "GoogleRuntime": "runtime",
    "QuotaStatus": "runtime",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "Ga4Api",
    "Ga4Client",
    "GoogleAccessDenied",
    "GoogleApiError",
    "GoogleAuthExpired",
    "GoogleBadRequest",
    "GoogleQuotaExhausted",
    "GoogleRuntime",
    "GoogleUnavailable",
    "GscApi",
    "GscClient",
    "GscFilter",
    "GscFilterGroup",
    "GscQuery",
    "GscQueryResponse",
    "QuotaStatus",
    "UrlInspection",
    "property_name",
]
