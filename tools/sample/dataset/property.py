"""A deterministic, realistic GA4 + Search Console property: what the fakes serve, tests inject incidents into, and
`lookout demo` shows.

Every number is built from "atoms": integer counts per (day, source/medium, device, country, landing page) for GA4
and per (day, query, country, device) for Search Console. Any breakdown is a sum of atoms, so totals always equal
the sum over segments, whichever dimensions a report asks for. Ratios (engagement rate, CTR, position) are derived
from summed atoms, as GA4 and Search Console derive them.

The same seed gives the same numbers; an injected incident changes only the cells it targets because the noise is
drawn in a fixed order before incidents are applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.sample.dataset.config import PropertyConfig
from tools.sample.dataset.cubes import Ga4Cube, GscCube, GscRankings
from tools.sample.dataset.ga4_build import build_ga4
from tools.sample.dataset.gsc_build import build_gsc, build_rankings
from tools.sample.dataset.incidents import Incident
from tools.sample.dataset.realtime import realtime_minutes
from tools.sample.dataset.site import IndexStatus, SharedRanking


@dataclass
class PropertyDataset(PropertyConfig):
    """One site's GA4 property and Search Console property, `days` days of history ending at `now`'s date.

    `now` is in the property's time zone (naive or aware); today is partial up to `now`'s hour. The cubes are built
    on first use and kept until something a test changes (an incident, a shared ranking) makes them stale.
    """

    _ga4: Ga4Cube | None = field(default=None, init=False, repr=False)
    _gsc: GscCube | None = field(default=None, init=False, repr=False)
    _rankings: GscRankings | None = field(default=None, init=False, repr=False)

    # ----- what tests change -----
    def inject(self, incident: Incident) -> None:
        """Add an incident; the numbers are rebuilt on next use with the same noise."""
        self.incidents.append(incident)
        self._ga4 = None
        self._gsc = None
        self._rankings = None

    def share_ranking(self, ranking: SharedRanking) -> None:
        """Let a second page rank for one of the site's queries (cannibalization)."""
        if ranking.query not in {query for query, _, _, _ in self.catalog.queries}:
            raise KeyError(f"unknown query {ranking.query!r}")
        if ranking.page not in self.pages:
            raise KeyError(f"unknown page {ranking.page!r}")
        self.shared_rankings.append(ranking)
        self._rankings = None

    def set_page_title(self, path: str, title: str) -> None:
        """Replace a page's title (e.g. with prompt-injection text) everywhere GA4 reports `pageTitle`."""
        if path not in self.pages:
            raise KeyError(f"unknown page {path!r}; known: {', '.join(self.pages)}")
        self.page_titles[path] = title

    def set_query_text(self, original: str, text: str) -> None:
        """Replace a Search Console query's text (e.g. with prompt-injection text)."""
        if original not in {query for query, _, _, _ in self.catalog.queries}:
            raise KeyError(f"unknown query {original!r}")
        self.query_texts[original] = text

    def set_index_status(self, path: str, status: IndexStatus) -> None:
        self.index_statuses[path] = status

    # ----- the numbers -----
    def ga4(self) -> Ga4Cube:
        if self._ga4 is None:
            self._ga4 = build_ga4(self)
        return self._ga4

    def gsc(self) -> GscCube:
        if self._gsc is None:
            self._gsc = build_gsc(self)
        return self._gsc

    def gsc_rankings(self) -> GscRankings:
        """The Search Console cube by ranking (query, page) instead of by query: each shared ranking takes its part
        of its query's cells; every total stays what `gsc()` says."""
        if self._rankings is None:
            self._rankings = build_rankings(self, cube=self.gsc())
        return self._rankings

    def realtime_minutes(self) -> list[tuple[int, int, int, int, int]]:
        """Active users over the last 30 minutes as (minutesAgo, country index, device index, page index, users)."""
        return realtime_minutes(self, cube=self.ga4())
