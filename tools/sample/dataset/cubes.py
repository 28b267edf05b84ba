"""The numbers of a dataset as integer "atoms": GA4's cube, Search Console's cube, and Search Console's by ranking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.signedinteger[Any]]  # int32 in the cubes (half the memory), int64 in their sums
FloatArray = npt.NDArray[np.float64]

GA4_METRIC_ATOMS: tuple[str, ...] = (
    "sessions",
    "totalUsers",
    "newUsers",
    "engagedSessions",
    "screenPageViews",
    "userEngagementDuration",
    "keyEvents",
    "keyEventSessions",
    "ecommercePurchases",
    "purchaseRevenue",
    "eventCount",
)
GSC_METRIC_ATOMS: tuple[str, ...] = ("clicks", "impressions", "positionSum")
DERIVED_ATOMS = frozenset({"purchaseRevenue", "eventCount"})  # computed from other atoms, never rounded from noise


@dataclass
class Ga4Cube:
    """GA4 atoms: each array has shape (days, source/mediums, devices, countries, pages)."""

    days: list[date]
    atoms: dict[str, IntArray]
    hour_weights: FloatArray  # (days, 24): each day's hourly split, site-wide incidents and "now" included
    page_hour_weights: FloatArray  # (days, pages, 24): the same with page-level incidents, for hourly reports
    hour_noise: FloatArray  # (days, 24): each site hour's multiplier in the split (mean 1, a count's variance)


@dataclass
class GscCube:
    """Search Console atoms: each array has shape (days, queries, countries, devices)."""

    days: list[date]
    atoms: dict[str, IntArray]


@dataclass
class GscRankings:
    """Search Console atoms by ranking: axis 1 of `cube` is one (query, page) pair per entry of `queries`/`pages`."""

    queries: list[str]
    pages: list[str]  # paths
    cube: GscCube
