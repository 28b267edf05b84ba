"""What Search Console knows about the site beside its numbers: index status, sitemaps, rich results, Discover, and
second pages ranking for a query; and what people annotated in GA4."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass
class IndexStatus:
    verdict: str = "PASS"
    coverage_state: str = "Submitted and indexed"
    indexing_state: str = "INDEXING_ALLOWED"
    robots_txt_state: str = "ALLOWED"
    page_fetch_state: str = "SUCCESSFUL"


@dataclass(frozen=True)
class SharedRanking:
    """A second page of the site ranking for a query (keyword cannibalization): it takes `share` of the query's
    impressions and a smaller share of its clicks, `position_offset` places lower. Totals do not change."""

    query: str
    page: str
    share: float = 0.35
    position_offset: float = 4.0


@dataclass(frozen=True)
class Sitemap:
    """One submitted sitemap as Search Console's sitemaps.list reports it."""

    path: str
    submitted: int
    days_since_download: int = 1
    errors: int = 0
    warnings: int = 0
    is_pending: bool = False
    is_index: bool = False


@dataclass(frozen=True)
class Annotation:
    """One GA4 reporting data annotation: a day (`start == end`) or an inclusive range, in the property's time zone."""

    start: date
    end: date
    title: str
    description: str = ""
    color: str = "BLUE"  # the Admin API's Color enum: PURPLE, BROWN, BLUE, GREEN, RED, CYAN, ORANGE
    system_generated: bool = False


# Rich-result types Search Console reports as searchAppearance, by page: (appearance, share of its impressions).
SEARCH_APPEARANCES: dict[str, tuple[tuple[str, float], ...]] = {
    "/pricing": (("REVIEW_SNIPPET", 0.55),),
    "/blog/ga4-migration-guide": (("VIDEO", 0.22),),
    "/blog/utm-parameters": (("VIDEO", 0.12),),
    "/docs/api": (("TRANSLATED_RESULT", 0.06),),
}
# Discover shows the blog's articles to people who did not search: clicks and impressions per page relative to
# the page's web-search ones (Discover reports no queries and no position).
DISCOVER_SHARE = {"/blog/": 0.4}
