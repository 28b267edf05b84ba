"""What a dataset is (seed, clock, size, catalog, what tests changed) and what follows from it without any numbers:
its days, pages, queries and URLs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tools.sample.catalog import ACME, Catalog
from tools.sample.dataset.incidents import Incident
from tools.sample.dataset.site import (
    DISCOVER_SHARE,
    SEARCH_APPEARANCES,
    Annotation,
    IndexStatus,
    SharedRanking,
    Sitemap,
)


@dataclass
class PropertyConfig:
    """One site's GA4 and Search Console properties as configured; `PropertyDataset` adds the numbers."""

    seed: int = 7
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 15, 30))
    days: int = 120
    timezone: str = "America/New_York"
    currency: str = "USD"
    catalog: Catalog = ACME
    site_url: str = ""  # "": the catalog's
    daily_sessions: float = 0.0  # 0: the catalog's
    yearly_growth: float = 0.35
    incidents: list[Incident] = field(default_factory=list)
    page_titles: dict[str, str] = field(default_factory=dict)
    query_texts: dict[str, str] = field(default_factory=dict)
    index_statuses: dict[str, IndexStatus] = field(default_factory=dict)
    shared_rankings: list[SharedRanking] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)  # GA4's reporting data annotations
    sitemaps: list[Sitemap] = field(
        default_factory=lambda: [Sitemap("/sitemap.xml", submitted=9), Sitemap("/blog/sitemap.xml", submitted=8)]
    )

    def __post_init__(self) -> None:
        self.site_url = self.site_url or self.catalog.site_url
        self.daily_sessions = self.daily_sessions or self.catalog.daily_sessions

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.days - 1)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def pages(self) -> list[str]:
        return [path for path, _, _, _, _ in self.catalog.pages]

    def page_title(self, path: str) -> str:
        return self.page_titles.get(path, next(title for p, title, _, _, _ in self.catalog.pages if p == path))

    @property
    def queries(self) -> list[str]:
        return [self.query_texts.get(query, query) for query, _, _, _ in self.catalog.queries]

    @property
    def query_pages(self) -> list[str]:
        return [self.page_url(path) for _, path, _, _ in self.catalog.queries]

    def page_url(self, path: str) -> str:
        base = self.site_url.rstrip("/")
        if base.startswith("sc-domain:"):
            base = "https://" + base.removeprefix("sc-domain:")
        return base + path

    @property
    def gsc_first_incomplete_date(self) -> date:
        """Search Console's last two days are still being processed."""
        return self.today - timedelta(days=2)

    @property
    def gsc_last_day(self) -> date:
        return self.today - timedelta(days=1)

    def search_appearances(self, page: str) -> tuple[tuple[str, float], ...]:
        return SEARCH_APPEARANCES.get(page, ())

    def discover_share(self, page: str) -> float:
        return next((share for prefix, share in DISCOVER_SHARE.items() if page.startswith(prefix)), 0.0)

    def day_index(self, day: date) -> int:
        return (day - self.first_day).days

    def day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=offset) for offset in range(self.days)]
