"""A deterministic, realistic GA4 + Search Console property: what the fakes serve, tests inject incidents into, and
`lookout demo` shows (see `property` for how the numbers are made).

`config` (what a dataset is), `incidents`, `site` (Search Console facts beside numbers), `cubes` (the atoms),
`effects` (trend, seasonality, hours, incidents' multipliers), `ga4_build` and `gsc_build` (the cubes),
`realtime`, and `property` (`PropertyDataset`: the cubes built on first use).
"""

from tools.sample.dataset.config import PropertyConfig
from tools.sample.dataset.cubes import (
    GA4_METRIC_ATOMS,
    GSC_METRIC_ATOMS,
    FloatArray,
    Ga4Cube,
    GscCube,
    GscRankings,
    IntArray,
)
from tools.sample.dataset.incidents import BotSpike, Incident, OrganicDrop, TrackingBroken, Uplift
from tools.sample.dataset.property import PropertyDataset
from tools.sample.dataset.site import (
    DISCOVER_SHARE,
    SEARCH_APPEARANCES,
    Annotation,
    IndexStatus,
    SharedRanking,
    Sitemap,
)

__all__ = [
    "DISCOVER_SHARE",
    "GA4_METRIC_ATOMS",
    "GSC_METRIC_ATOMS",
    "SEARCH_APPEARANCES",
    "Annotation",
    "BotSpike",
    "FloatArray",
    "Ga4Cube",
    "GscCube",
    "GscRankings",
    "Incident",
    "IndexStatus",
    "IntArray",
    "OrganicDrop",
    "PropertyConfig",
    "PropertyDataset",
    "SharedRanking",
    "Sitemap",
    "TrackingBroken",
    "Uplift",
]
