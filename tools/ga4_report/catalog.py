"""The property's dimensions and metrics (getMetadata, cached for an hour), and how a model's guess at a name
(a Universal Analytics name, a renamed one, a wrong case) becomes the valid API name or a helpful error."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from google.analytics.data_v1beta.types import (
    Metadata,
    MetricType,
)
from pydantic import BaseModel, Field

from tools.base import ToolError, ToolUserError
from tools.context import ToolContext
from tools.errors import NO_PROPERTY, NOT_CONNECTED, google_errors
from tools.google.ga4 import Ga4Api, property_name

METADATA_TTL = 3600.0
# Names models often use from Universal Analytics or from before GA4 renamed them, mapped to today's API names.
RENAMED: dict[str, str] = {
    "conversions": "keyEvents",
    "sessionConversionRate": "sessionKeyEventRate",
    "userConversionRate": "userKeyEventRate",
    "conversionRate": "sessionKeyEventRate",
    "users": "totalUsers",
    "pageviews": "screenPageViews",
    "pageViews": "screenPageViews",
    "views": "screenPageViews",
    "pageviewsPerSession": "screenPageViewsPerSession",
    "avgSessionDuration": "averageSessionDuration",
    "revenue": "totalRevenue",
    "transactions": "ecommercePurchases",
    "transactionRevenue": "purchaseRevenue",
    "channelGrouping": "sessionDefaultChannelGroup",
    "defaultChannelGroup": "sessionDefaultChannelGroup",
    "defaultChannelGrouping": "sessionDefaultChannelGroup",
    "channel": "sessionDefaultChannelGroup",
    "sourceMedium": "sessionSourceMedium",
    "source": "sessionSource",
    "medium": "sessionMedium",
    "device": "deviceCategory",
    "landingPagePath": "landingPage",
}
TYPE_NAMES = {
    MetricType.TYPE_INTEGER: "integer",
    MetricType.TYPE_FLOAT: "float",
    MetricType.TYPE_SECONDS: "seconds",
    MetricType.TYPE_MILLISECONDS: "milliseconds",
    MetricType.TYPE_MINUTES: "minutes",
    MetricType.TYPE_HOURS: "hours",
    MetricType.TYPE_STANDARD: "standard",
    MetricType.TYPE_CURRENCY: "currency",
}
ADDITIVE_TYPES = {"integer", "currency", "seconds", "milliseconds", "minutes", "hours"}


class Ga4Field(BaseModel):
    """One dimension or metric of the property, custom ones included."""

    api_name: str
    ui_name: str
    kind: Literal["dimension", "metric"]
    type: str | None = None
    category: str = ""
    custom: bool = False
    description: str = ""
    deprecated_names: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Ga4Catalog:
    """The property's fields from getMetadata, and how to turn a model's guess into a valid name."""

    dimensions: dict[str, Ga4Field]
    metrics: dict[str, Ga4Field]

    @classmethod
    def from_metadata(cls, metadata: Metadata) -> Ga4Catalog:
        dimensions = {
            d.api_name: Ga4Field(
                api_name=d.api_name,
                ui_name=d.ui_name,
                kind="dimension",
                category=d.category,
                custom=d.custom_definition,
                description=d.description,
                deprecated_names=list(d.deprecated_api_names),
            )
            for d in metadata.dimensions
        }
        metrics = {
            m.api_name: Ga4Field(
                api_name=m.api_name,
                ui_name=m.ui_name,
                kind="metric",
                type=TYPE_NAMES.get(m.type_, "standard"),
                category=m.category,
                custom=m.custom_definition,
                description=m.description,
                deprecated_names=list(m.deprecated_api_names),
            )
            for m in metadata.metrics
        }
        return cls(dimensions=dimensions, metrics=metrics)

    def fields(self) -> list[Ga4Field]:
        return [*self.dimensions.values(), *self.metrics.values()]

    def resolve(self, name: str, kind: Literal["dimension", "metric"], notes: list[str]) -> str:
        """The valid API name for `name`, or a ToolError naming the closest valid ones."""
        own = self.dimensions if kind == "dimension" else self.metrics
        other = self.metrics if kind == "dimension" else self.dimensions
        raw = name.strip().removeprefix("ga:")
        if raw in own:
            return raw
        for field_ in own.values():
            if raw in field_.deprecated_names:
                notes.append(f"{raw} is now called {field_.api_name}; used {field_.api_name}.")
                return field_.api_name
        renamed = RENAMED.get(raw)
        if renamed in own:
            notes.append(f"{raw} is not a GA4 {kind}; used {renamed}.")
            return renamed
        by_case = {key.lower(): key for key in own}
        if raw.lower() in by_case:
            fixed = by_case[raw.lower()]
            notes.append(f"{raw} is spelled {fixed} in GA4; used {fixed}.")
            return fixed
        if raw in other:
            raise ToolError(
                f"{raw} is a {'metric' if kind == 'dimension' else 'dimension'}, not a {kind}. Move it to the {'metrics' if kind == 'dimension' else 'dimensions'} list."
            )
        close = [by_case[c] for c in difflib.get_close_matches(raw.lower(), list(by_case), n=5, cutoff=0.55)]
        close += [c for c in own if raw.lower() in c.lower() and c not in close][: 5 - len(close)]
        hint = f" Closest valid {kind}s: {', '.join(close)}." if close else ""
        raise ToolError(f"Unknown {kind} {raw!r} for this property.{hint} Use ga4_metadata to search all {kind}s.")

    def metric_type(self, name: str) -> str:
        metric = self.metrics.get(name)
        return metric.type or "standard" if metric else "standard"


# Standard fields every GA4 property has, with their metadata types: reports that use only these (the digests' and
# the alerts' series, the weekly and monthly digests' standard KPIs) are checked against this list instead of a
# getMetadata call per digest.
_CORE_DIMENSIONS = {
    "date": "Date",
    "dateHour": "Date + hour (YYYYMMDDHH)",
    "sessionDefaultChannelGroup": "Session default channel group",
    "landingPage": "Landing page",
}
_CORE_METRICS = {
    "sessions": ("Sessions", "integer"),
    "totalUsers": ("Total users", "integer"),
    "newUsers": ("New users", "integer"),
    "keyEvents": ("Key events", "integer"),
    "totalRevenue": ("Total revenue", "currency"),
    "engagementRate": ("Engagement rate", "float"),
    "sessionKeyEventRate": ("Session key event rate", "float"),
}
CORE_CATALOG = Ga4Catalog(
    dimensions={
        name: Ga4Field(api_name=name, ui_name=ui_name, kind="dimension") for name, ui_name in _CORE_DIMENSIONS.items()
    },
    metrics={
        name: Ga4Field(api_name=name, ui_name=ui_name, kind="metric", type=kind)
        for name, (ui_name, kind) in _CORE_METRICS.items()
    },
)


def require_ga4(ctx: ToolContext) -> tuple[Ga4Api, str]:
    if ctx.ga4 is None:
        raise ToolUserError(NOT_CONNECTED, "no Google connection")
    if not ctx.property_id:
        raise ToolUserError(NO_PROPERTY, "no GA4 property chosen")
    return ctx.ga4, property_name(ctx.property_id)


async def load_catalog(ctx: ToolContext) -> Ga4Catalog:
    """The property's metadata, from the workspace cache for an hour."""
    ga4, resource = require_ga4(ctx)

    async def fetch() -> Ga4Catalog:
        async with google_errors():
            return Ga4Catalog.from_metadata(await ga4.get_metadata(resource))

    return await ctx.cache.get_or_fetch(f"ga4:metadata:{resource}", fetch, ttl=METADATA_TTL)
