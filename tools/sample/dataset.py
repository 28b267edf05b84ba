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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from tools.sample.catalog import ACME, Catalog

IntArray = npt.NDArray[np.signedinteger[Any]]  # int32 in the cubes (half the memory), int64 in their sums
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TrackingBroken:
    """GA4 records almost nothing (tag removed, consent bug) on these days, or only in these hours; GSC is untouched.

    With `page_prefix`, only sessions landing on those pages go unrecorded (a page template lost its tag).
    """

    start: date
    end: date
    hours: tuple[int, ...] | None = None  # None: the whole day
    remaining: float = 0.02
    page_prefix: str | None = None


@dataclass(frozen=True)
class OrganicDrop:
    """Organic traffic to pages under `page_prefix` falls by `1 - remaining` from `start` (GA4 and GSC clicks)."""

    start: date
    page_prefix: str = "/blog/"
    remaining: float = 0.45
    end: date | None = None
    position_loss: float = 3.0


@dataclass(frozen=True)
class BotSpike:
    """Bot sessions from one country: Direct, desktop, landing on the home page, never engaged, no key events."""

    start: date
    end: date
    country: str = "Singapore"
    sessions_per_day: int = 6000


@dataclass(frozen=True)
class Uplift:
    """More (or fewer) sessions on some days, with a different conversion rate: a campaign, a sale, a holiday.

    `channels` limits it to those default channel groups (none: every channel); Search Console impressions follow
    when organic search is included, because demand, not only the site, moved.
    """

    start: date
    end: date
    traffic: float = 1.0
    conversion: float = 1.0
    channels: tuple[str, ...] = ()


Incident = TrackingBroken | OrganicDrop | BotSpike | Uplift

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
_DERIVED_ATOMS = frozenset({"purchaseRevenue", "eventCount"})  # computed from other atoms, never rounded from noise


@dataclass
class Ga4Cube:
    """GA4 atoms: each array has shape (days, source/mediums, devices, countries, pages)."""

    days: list[date]
    atoms: dict[str, IntArray]
    hour_weights: FloatArray  # (days, 24): each day's hourly split, site-wide incidents and "now" included
    page_hour_weights: FloatArray  # (days, pages, 24): the same with page-level incidents, for hourly reports


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


@dataclass
class PropertyDataset:
    """One site's GA4 property and Search Console property, `days` days of history ending at `now`'s date.

    `now` is in the property's time zone (naive or aware); today is partial up to `now`'s hour.
    """

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
    sitemaps: list[Sitemap] = field(
        default_factory=lambda: [Sitemap("/sitemap.xml", submitted=9), Sitemap("/blog/sitemap.xml", submitted=8)]
    )
    _ga4: Ga4Cube | None = field(default=None, init=False, repr=False)
    _gsc: GscCube | None = field(default=None, init=False, repr=False)
    _rankings: GscRankings | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.site_url = self.site_url or self.catalog.site_url
        self.daily_sessions = self.daily_sessions or self.catalog.daily_sessions

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

    # ----- labels -----
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

    # ----- the numbers -----
    def ga4(self) -> Ga4Cube:
        if self._ga4 is None:
            self._ga4 = self._build_ga4()
        return self._ga4

    def gsc(self) -> GscCube:
        if self._gsc is None:
            self._gsc = self._build_gsc()
        return self._gsc

    def gsc_rankings(self) -> GscRankings:
        """The Search Console cube by ranking (query, page) instead of by query: each shared ranking takes its part
        of its query's cells; every total stays what `gsc()` says."""
        if self._rankings is None:
            self._rankings = self._build_rankings()
        return self._rankings

    def _build_rankings(self) -> GscRankings:
        cube = self.gsc()
        texts = [query for query, _, _, _ in self.catalog.queries]
        queries, pages = list(self.queries), [path for _, path, _, _ in self.catalog.queries]
        # Copied: `gsc()` is shared and keeps its numbers.
        parts = {name: [values.copy()] for name, values in cube.atoms.items()}
        for ranking in self.shared_rankings:
            index = texts.index(ranking.query)
            primary = {name: values[0][:, index] for name, values in parts.items()}
            impressions = np.floor(primary["impressions"] * ranking.share).astype(np.int64)
            # Lower down the page, a smaller share of the clicks: half the impression share.
            clicks = np.minimum(np.floor(primary["clicks"] * ranking.share / 2).astype(np.int64), impressions)
            mean = primary["positionSum"] / np.maximum(primary["impressions"], 1)
            position_sum = np.round(impressions * (mean + 100 * ranking.position_offset)).astype(np.int64)
            taken = {"impressions": impressions, "clicks": clicks, "positionSum": position_sum}
            for name, values in parts.items():
                values[0][:, index] -= taken[name]
                values.append(taken[name][:, None])
            queries.append(self.query_texts.get(ranking.query, ranking.query))
            pages.append(ranking.page)
        atoms = {name: np.concatenate(values, axis=1) for name, values in parts.items()}
        return GscRankings(queries=queries, pages=pages, cube=GscCube(days=cube.days, atoms=atoms))

    def search_appearances(self, page: str) -> tuple[tuple[str, float], ...]:
        return SEARCH_APPEARANCES.get(page, ())

    def discover_share(self, page: str) -> float:
        return next((share for prefix, share in DISCOVER_SHARE.items() if page.startswith(prefix)), 0.0)

    def day_index(self, day: date) -> int:
        return (day - self.first_day).days

    def _day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=offset) for offset in range(self.days)]

    def _base_level(self, days: Sequence[date], weekday_factors: Sequence[float]) -> FloatArray:
        """Trend × weekly seasonality × a slow wobble, the same for GA4 and Search Console shapes."""
        offsets = np.arange(len(days), dtype=np.float64)
        trend = (1.0 + self.yearly_growth) ** ((offsets - len(days)) / 365.0)
        weekly = np.array([weekday_factors[day.weekday()] for day in days])
        wobble = 1.0 + 0.05 * np.sin(offsets / 9.0 + self.seed)
        return np.asarray(trend * weekly * wobble, dtype=np.float64)

    def _hour_weights(self, days: Sequence[date]) -> FloatArray:
        weights = np.tile(np.array(self.catalog.hour_profile, dtype=np.float64), (len(days), 1))
        for incident in self.incidents:
            if isinstance(incident, TrackingBroken) and incident.page_prefix is None:
                for index, day in enumerate(days):
                    if incident.start <= day <= incident.end:
                        hours = incident.hours if incident.hours is not None else range(24)
                        for hour in hours:
                            weights[index, hour] *= incident.remaining
        if days and days[-1] == self.today:
            weights[-1, self.now.hour + 1 :] = 0.0
            weights[-1, self.now.hour] *= self.now.minute / 60.0
        return weights

    def _page_hour_factors(self, days: Sequence[date]) -> FloatArray:
        """(days, pages, 24) multipliers from page-level tracking breaks, 1 elsewhere."""
        factors = np.ones((len(days), len(self.catalog.pages), 24))
        for incident in self.incidents:
            if isinstance(incident, TrackingBroken) and incident.page_prefix is not None:
                hours = np.array(incident.hours if incident.hours is not None else range(24), dtype=np.int64)
                cells = np.ix_(np.flatnonzero(self._page_mask(incident.page_prefix)), hours)
                for index, day in enumerate(days):
                    if incident.start <= day <= incident.end:
                        factors[index][cells] *= incident.remaining
        return factors

    def _in_window(self, days: Sequence[date], start: date, end: date | None) -> npt.NDArray[np.bool_]:
        return np.array([start <= day and (end is None or day <= end) for day in days])

    def _channel_mask(self, channels: Sequence[str]) -> npt.NDArray[np.bool_]:
        return np.array([not channels or sm.channel in channels for sm in self.catalog.all_source_mediums])

    def _page_mask(self, prefix: str) -> npt.NDArray[np.bool_]:
        return np.array([path.startswith(prefix) for path in self.pages])

    def _effects(self, days: Sequence[date], shape: tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
        """Multipliers per cell for traffic and for the key-event rate, from uplifts and organic drops (tracking
        breaks act through the hour weights instead)."""
        traffic = np.ones(shape)
        conversion = np.ones(shape)
        organic = self._channel_mask(("Organic Search",))
        for incident in self.incidents:
            if isinstance(incident, Uplift):
                select = self._in_window(days, incident.start, incident.end)[:, None, None, None, None]
                select = select & self._channel_mask(incident.channels)[None, :, None, None, None]
                select = np.broadcast_to(select, shape)
                traffic[select] *= incident.traffic
                conversion[select] *= incident.conversion
            elif isinstance(incident, OrganicDrop):
                select = self._in_window(days, incident.start, incident.end)[:, None, None, None, None]
                select = select & organic[None, :, None, None, None]
                select = select & self._page_mask(incident.page_prefix)[None, None, None, None, :]
                traffic[np.broadcast_to(select, shape)] *= incident.remaining
        return traffic, conversion

    def _build_ga4(self) -> Ga4Cube:
        catalog = self.catalog
        rng = np.random.default_rng(self.seed)
        days = self._day_list()
        n_days, n_sm, n_dev = len(days), len(catalog.all_source_mediums), len(catalog.devices)
        shape = (n_days, n_sm, n_dev, len(catalog.countries), len(catalog.pages))
        n_base = len(catalog.source_mediums)
        extra_rng = np.random.default_rng(self.seed + 5000)

        def draw(sample: Callable[[np.random.Generator, tuple[int, ...]], FloatArray]) -> FloatArray:
            """Noise for the usual source/mediums from `rng` as before, the AI assistants' from their own."""
            base = sample(rng, (n_days, n_base, *shape[2:]))
            if n_sm == n_base:
                return base
            return np.concatenate([base, sample(extra_rng, (n_days, n_sm - n_base, *shape[2:]))], axis=1)

        level = self._base_level(days, catalog.weekday_factors) * self.daily_sessions
        sm_weights = np.array(catalog.all_source_medium_weights)
        organic = self._channel_mask(("Organic Search",))
        page_other = np.array([page[2] for page in catalog.pages])
        page_organic = np.array([page[3] for page in catalog.pages])
        page_weights = np.where(
            organic[:, None], page_organic / page_organic.sum(), page_other / page_other.sum()
        )  # (sm, page)
        expected = (
            level[:, None, None, None, None]
            * sm_weights[None, :, None, None, None]
            * np.array(catalog.device_weights)[None, None, :, None, None]
            * np.array(catalog.country_weights)[None, None, None, :, None]
            * page_weights[None, :, None, None, :]
        )
        # Noise is drawn before any incident so injecting one changes only the cells it targets.
        cell_noise = draw(lambda g, size: g.lognormal(mean=0.0, sigma=0.18, size=size))
        day_noise = rng.lognormal(mean=0.0, sigma=0.05, size=(n_days, 1, 1, 1, 1))
        # Every atom's uniforms are drawn, in this order, so the numbers stay put; but the derived atoms' are dropped
        # at once and the others as soon as used: the build's peak memory is these full-cube float64 temporaries.
        uniforms: dict[str, FloatArray] = {}
        for name in GA4_METRIC_ATOMS:
            drawn = draw(lambda g, size: g.random(size=size))
            if name not in _DERIVED_ATOMS:
                uniforms[name] = drawn
            del drawn
        order_value = draw(lambda g, size: g.lognormal(mean=np.log(catalog.order_value), sigma=0.25, size=size))

        hour_weights = self._hour_weights(days)
        page_hour_weights = hour_weights[:, None, :] * self._page_hour_factors(days)
        # The share of a typical day each page's sessions were recorded for (partial today, tracking breaks).
        page_fraction = page_hour_weights.sum(axis=2) / sum(catalog.hour_profile)
        traffic, conversion = self._effects(days, shape)
        intensity = expected * cell_noise * day_noise * page_fraction[:, None, None, None, :] * traffic
        del expected, cell_noise, traffic

        # The atoms are int32: a cell holds one day of one page, channel, device and country (tens to thousands),
        # far inside int32; numpy sums int32 into int64, so reports never overflow, and the cube takes half the
        # memory of int64. Each is int32 from the start, so no int64 copy of the cube ever exists.
        def rounded(values: npt.NDArray[np.floating[Any]], name: str) -> IntArray:
            return np.floor(values + uniforms.pop(name)).astype(np.int32)

        engaged_share = np.clip(0.58 + 0.08 * organic[None, :, None, None, None] * np.ones(shape), 0.0, 1.0)
        mobile = np.where(np.array(catalog.devices) == "mobile", 0.92, 1.0)
        engaged_share = engaged_share * mobile[None, None, :, None, None]
        key_rate = np.array([page[4] for page in catalog.pages])[None, None, None, None, :] * conversion
        sessions = rounded(intensity, "sessions")
        atoms: dict[str, IntArray] = {
            "sessions": sessions,
            "totalUsers": rounded(sessions * 0.82, "totalUsers"),
            "newUsers": rounded(sessions * 0.61, "newUsers"),
            "engagedSessions": rounded(sessions * engaged_share, "engagedSessions"),
            "screenPageViews": rounded(sessions * 3.7, "screenPageViews"),
            "userEngagementDuration": rounded(sessions * 94.0, "userEngagementDuration"),
            "keyEvents": rounded(sessions * key_rate * 1.25, "keyEvents"),
            "keyEventSessions": rounded(sessions * key_rate, "keyEventSessions"),
            "ecommercePurchases": rounded(sessions * key_rate * catalog.purchase_share, "ecommercePurchases"),
        }
        atoms["purchaseRevenue"] = np.floor(atoms["ecommercePurchases"] * order_value).astype(np.int32)
        atoms["eventCount"] = atoms["screenPageViews"] * 2 + sessions * 3 + atoms["keyEvents"]

        for incident in self.incidents:
            if isinstance(incident, BotSpike):
                self._add_bots(atoms, incident, days, hour_weights)
        return Ga4Cube(days=days, atoms=atoms, hour_weights=hour_weights, page_hour_weights=page_hour_weights)

    def _add_bots(self, atoms: dict[str, IntArray], spike: BotSpike, days: Sequence[date], hours: FloatArray) -> None:
        catalog = self.catalog
        country = next((i for i, (name, _, _) in enumerate(catalog.countries) if name == spike.country), None)
        if country is None:
            raise KeyError(f"unknown country {spike.country!r}")
        direct = next(i for i, sm in enumerate(catalog.all_source_mediums) if sm.channel == "Direct")
        home = self.pages.index("/")
        for index, day in enumerate(days):
            if spike.start <= day <= spike.end:
                bots = round(spike.sessions_per_day * hours[index].sum() / sum(catalog.hour_profile))
                cell = (index, direct, 0, country, home)
                atoms["sessions"][cell] += bots
                atoms["totalUsers"][cell] += bots
                atoms["newUsers"][cell] += bots
                atoms["screenPageViews"][cell] += bots
                atoms["eventCount"][cell] += bots * 3

    def _build_gsc(self) -> GscCube:
        catalog = self.catalog
        rng = np.random.default_rng(self.seed + 1000)
        days = [day for day in self._day_list() if day <= self.gsc_last_day]
        n_days, n_q = len(days), len(catalog.queries)
        shape = (n_days, n_q, len(catalog.countries), len(catalog.gsc_devices))
        level = self._base_level(days, catalog.gsc_weekday_factors)
        volume = np.array([query[2] for query in catalog.queries])
        expected = (
            level[:, None, None, None]
            * volume[None, :, None, None]
            * np.array(catalog.gsc_country_weights)[None, None, :, None]
            * np.array(catalog.gsc_device_weights)[None, None, None, :]
        )
        noise = rng.lognormal(mean=0.0, sigma=0.22, size=shape)
        position_noise = rng.normal(0.0, 0.35, size=shape)
        impressions_uniform = rng.random(size=shape)
        click_uniform = rng.random(size=shape)

        # The last days are still being processed, as in Search Console: their numbers are partial.
        completeness = np.array(
            [
                0.55 if day == self.gsc_last_day else 0.85 if day >= self.gsc_first_incomplete_date else 1.0
                for day in days
            ]
        )
        demand = np.ones(n_days)
        for incident in self.incidents:
            if isinstance(incident, Uplift) and (not incident.channels or "Organic Search" in incident.channels):
                demand[self._in_window(days, incident.start, incident.end)] *= incident.traffic
        impressions_expected = expected * noise * (completeness * demand)[:, None, None, None]
        position = np.maximum(
            1.0, np.array([query[3] for query in catalog.queries])[None, :, None, None] + position_noise
        )
        # Expected clicks come from the pre-incident ranking, then scale with the incident, so GSC clicks on the
        # affected pages fall by the same factor as GA4's organic sessions there.
        clicks_expected = impressions_expected * (0.42 / position**1.15)  # a typical organic CTR-by-position curve
        for incident in self.incidents:
            if isinstance(incident, OrganicDrop):
                pages = np.array([path.startswith(incident.page_prefix) for _, path, _, _ in catalog.queries])
                in_window = self._in_window(days, incident.start, incident.end)
                select = np.broadcast_to(in_window[:, None, None, None] & pages[None, :, None, None], shape)
                clicks_expected = np.where(select, clicks_expected * incident.remaining, clicks_expected)
                impressions_expected = np.where(
                    select, impressions_expected * (1.0 + incident.remaining) / 2.0, impressions_expected
                )
                position = np.where(select, position + incident.position_loss, position)
        impressions = np.floor(impressions_expected + impressions_uniform).astype(np.int64)
        clicks = np.floor(clicks_expected + click_uniform).astype(np.int64)
        clicks = np.minimum(clicks, impressions)
        position_sum = np.round(position * impressions * 100).astype(np.int64)  # hundredths, to stay integral
        return GscCube(days=days, atoms={"clicks": clicks, "impressions": impressions, "positionSum": position_sum})

    # ----- realtime -----
    def realtime_minutes(self) -> list[tuple[int, int, int, int, int]]:
        """Active users over the last 30 minutes as (minutesAgo, country index, device index, page index, users).

        Derived from today's hourly level so realtime agrees in magnitude with the day's report.
        """
        catalog = self.catalog
        rng = np.random.default_rng(self.seed + int(self.now.timestamp()) // 60)
        cube = self.ga4()
        hour_share = cube.hour_weights[-1, self.now.hour] / max(sum(catalog.hour_profile), 1e-9)
        weekday = catalog.weekday_factors[self.today.weekday()]
        per_minute = self.daily_sessions * weekday * hour_share / 60.0 * 1.4
        if cube.hour_weights[-1, self.now.hour] == 0:
            per_minute = 0.0
        rows: list[tuple[int, int, int, int, int]] = []
        country_p = np.array(catalog.country_weights) / sum(catalog.country_weights)
        device_p = np.array(catalog.device_weights) / sum(catalog.device_weights)
        page_p = np.array([page[2] + page[3] for page in catalog.pages])
        page_p = page_p / page_p.sum()
        for minutes_ago in range(30):
            users = int(rng.poisson(per_minute))
            for _ in range(users):
                rows.append(
                    (
                        minutes_ago,
                        int(rng.choice(len(catalog.countries), p=country_p)),
                        int(rng.choice(len(catalog.devices), p=device_p)),
                        int(rng.choice(len(catalog.pages), p=page_p)),
                        1,
                    )
                )
        return rows
