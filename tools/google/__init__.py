"""Async GA4 and Search Console clients over the official SDKs, with shared limits, retries and typed errors."""

from tools.google.errors import (
    GoogleAccessDenied,
    GoogleApiError,
    GoogleAuthExpired,
    GoogleBadRequest,
    GoogleQuotaExhausted,
    GoogleUnavailable,
)
from tools.google.ga4 import Ga4Api, Ga4Client, property_name
from tools.google.gsc import GscApi, GscClient, GscFilter, GscFilterGroup, GscQuery, GscQueryResponse, UrlInspection
from tools.google.runtime import GoogleRuntime, QuotaStatus

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
