"""Alert rules people write themselves ("sessions drops 30 %"), beside the anomaly detector.

A rule is a `Subscription` of kind "rule" (so it has the subscription's id, channel, claims, incidents and mutes)
plus this row with what it watches.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from storage.tables.base import workspace_fk_column


class RuleCondition(StrEnum):
    DROPS = "drops"  # relative to the previous comparable window
    RISES = "rises"
    BELOW = "below"  # absolute threshold
    ABOVE = "above"


class RuleWindow(StrEnum):
    DAILY = "daily"
    HOURLY = "hourly"


class RuleSource(StrEnum):
    GA4 = "ga4"
    SEARCH_CONSOLE = "gsc"


def _subscription_pk() -> Column[int]:
    return Column(Integer, ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True)


class AlertRule(SQLModel, table=True):
    """What one rule watches: `metric` of `source` over a `window`, against `threshold` (a percentage when
    `percent`), optionally only where `dimension` equals `dimension_value`."""

    subscription_id: int = Field(sa_column=_subscription_pk())
    workspace_id: int = Field(sa_column=workspace_fk_column())
    source: str = Field(max_length=8)  # RuleSource
    metric: str = Field(max_length=100)  # the API name (GA4's, or Search Console's clicks / impressions)
    condition: str = Field(max_length=8)  # RuleCondition
    threshold: float
    percent: bool = False
    window: str = Field(max_length=8)  # RuleWindow
    dimension: str = Field(default="", max_length=100)  # "" for the whole property or site
    dimension_value: str = Field(default="", max_length=200)
