"""A deterministic, realistic GA4 + Search Console property that fakes serve and tests inject incidents into.

Every number is built from "atoms": integer counts per (day, source/medium, device, country, landing page) for GA4
and per (day, query, country, device) for Search Console. Any breakdown is a sum of atoms, so totals always equal
the sum over segments, whichever dimensions a report asks for. Ratios (engagement rate, CTR, position) are derived
from summed atoms, as GA4 and Search Console derive them.

The same seed gives the same numbers; an injected incident changes only the cells it targets because the noise is
drawn in a fixed order before incidents are applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SourceMedium:
    source: str
    medium: str
    channel: str

    @property
    def label(self) -> str:
        return f"{self.source} / {self.medium}"


SOURCE_MEDIUMS: tuple[SourceMedium, ...] = (
    SourceMedium("google", "organic", "Organic Search"),
    SourceMedium("bing", "organic", "Organic Search"),
    SourceMedium("(direct)", "(none)", "Direct"),
    SourceMedium("google", "cpc", "Paid Search"),
    SourceMedium("news.ycombinator.com", "referral", "Referral"),
    SourceMedium("linkedin.com", "referral", "Organic Social"),
    SourceMedium("newsletter", "email", "Email"),
    SourceMedium("partner-site.com", "referral", "Referral"),
)
SOURCE_MEDIUM_WEIGHTS = (0.38, 0.04, 0.22, 0.12, 0.05, 0.07, 0.08, 0.04)

DEVICES: tuple[str, ...] = ("desktop", "mobile", "tablet")
DEVICE_WEIGHTS = (0.55, 0.41, 0.04)

# (GA4 country name, ISO 3166-1 alpha-2 as GA4 countryId, alpha-3 lowercase as Search Console reports it)
COUNTRIES: tuple[tuple[str, str, str], ...] = (
    ("United States", "US", "usa"),
    ("United Kingdom", "GB", "gbr"),
    ("Germany", "DE", "deu"),
    ("India", "IN", "ind"),
    ("Canada", "CA", "can"),
    ("France", "FR", "fra"),
    ("Australia", "AU", "aus"),
    ("Brazil", "BR", "bra"),
    ("Netherlands", "NL", "nld"),
    ("Singapore", "SG", "sgp"),
)
COUNTRY_WEIGHTS = (0.42, 0.11, 0.09, 0.09, 0.06, 0.05, 0.05, 0.05, 0.05, 0.03)

# (path, title, weight for non-organic traffic, weight for organic traffic, key-event rate)
PAGES: tuple[tuple[str, str, float, float, float], ...] = (
    ("/", "Acme Analytics — Home", 0.30, 0.10, 0.020),
    ("/pricing", "Pricing — Acme Analytics", 0.12, 0.04, 0.060),
    ("/features", "Features — Acme Analytics", 0.09, 0.04, 0.025),
    ("/signup", "Start your free trial — Acme Analytics", 0.08, 0.01, 0.180),
    ("/docs/getting-started", "Getting started — Acme Docs", 0.07, 0.06, 0.015),
    ("/docs/api", "API reference — Acme Docs", 0.05, 0.05, 0.008),
    ("/about", "About us — Acme Analytics", 0.03, 0.01, 0.005),
    ("/integrations/slack", "Slack integration — Acme Analytics", 0.04, 0.03, 0.030),
    ("/blog/", "Blog — Acme Analytics", 0.04, 0.04, 0.006),
    ("/blog/ga4-migration-guide", "The complete GA4 migration guide", 0.03, 0.14, 0.010),
    ("/blog/utm-parameters", "UTM parameters explained", 0.02, 0.10, 0.008),
    ("/blog/bounce-rate-vs-engagement-rate", "Bounce rate vs engagement rate in GA4", 0.02, 0.08, 0.006),
    ("/blog/search-console-tips", "12 Search Console tips for marketers", 0.02, 0.07, 0.007),
    ("/blog/attribution-models", "Attribution models compared", 0.02, 0.06, 0.009),
    ("/blog/cohort-analysis", "A practical guide to cohort analysis", 0.01, 0.05, 0.006),
    ("/blog/dashboard-templates", "Free marketing dashboard templates", 0.05, 0.07, 0.020),
)

# (query, landing page path, daily impressions on a typical day, base position)
QUERIES: tuple[tuple[str, str, float, float], ...] = (
    ("acme analytics", "/", 420.0, 1.1),
    ("acme analytics login", "/", 160.0, 1.0),
    ("acme analytics pricing", "/pricing", 120.0, 1.2),
    ("acme pricing", "/pricing", 60.0, 1.6),
    ("web analytics tool", "/features", 900.0, 14.0),
    ("marketing analytics software", "/features", 700.0, 18.0),
    ("analytics free trial", "/signup", 140.0, 9.0),
    ("acme api", "/docs/api", 90.0, 1.4),
    ("analytics api reference", "/docs/api", 150.0, 8.5),
    ("acme getting started", "/docs/getting-started", 70.0, 1.3),
    ("analytics slack integration", "/integrations/slack", 180.0, 6.0),
    ("slack analytics bot", "/integrations/slack", 260.0, 9.0),
    ("ga4 migration", "/blog/ga4-migration-guide", 1500.0, 4.2),
    ("ga4 migration guide", "/blog/ga4-migration-guide", 900.0, 3.1),
    ("migrate universal analytics to ga4", "/blog/ga4-migration-guide", 700.0, 5.5),
    ("ga4 vs universal analytics", "/blog/ga4-migration-guide", 500.0, 7.0),
    ("utm parameters", "/blog/utm-parameters", 1300.0, 6.0),
    ("utm builder", "/blog/utm-parameters", 800.0, 11.0),
    ("what are utm codes", "/blog/utm-parameters", 400.0, 4.5),
    ("bounce rate ga4", "/blog/bounce-rate-vs-engagement-rate", 600.0, 3.8),
    ("engagement rate vs bounce rate", "/blog/bounce-rate-vs-engagement-rate", 450.0, 2.9),
    ("search console tips", "/blog/search-console-tips", 380.0, 5.0),
    ("google search console for marketers", "/blog/search-console-tips", 250.0, 8.0),
    ("attribution models", "/blog/attribution-models", 900.0, 9.5),
    ("data driven attribution", "/blog/attribution-models", 400.0, 12.0),
    ("cohort analysis", "/blog/cohort-analysis", 700.0, 10.5),
    ("cohort analysis example", "/blog/cohort-analysis", 300.0, 7.0),
    ("marketing dashboard template", "/blog/dashboard-templates", 650.0, 5.2),
    ("free analytics dashboard", "/blog/dashboard-templates", 350.0, 8.8),
    ("acme blog", "/blog/", 40.0, 1.5),
)

GSC_DEVICES: tuple[str, ...] = ("DESKTOP", "MOBILE", "TABLET")
GSC_DEVICE_WEIGHTS = (0.48, 0.49, 0.03)
# Search Console traffic leans towards the English-speaking markets more than site traffic overall does.
GSC_COUNTRY_WEIGHTS = (0.45, 0.12, 0.07, 0.10, 0.06, 0.04, 0.05, 0.04, 0.04, 0.03)

# Share of a day's sessions per hour in the property's time zone: a working-hours hump.
HOUR_PROFILE: tuple[float, ...] = (
    0.012, 0.008, 0.006, 0.005, 0.006, 0.010, 0.020, 0.034, 0.050, 0.062, 0.066, 0.066,
    0.064, 0.064, 0.064, 0.062, 0.058, 0.054, 0.050, 0.048, 0.046, 0.040, 0.030, 0.020,
)  # fmt: skip
# Monday … Sunday: a B2B site, quieter at weekends.
WEEKDAY_FACTORS: tuple[float, ...] = (1.08, 1.12, 1.10, 1.06, 0.96, 0.62, 0.58)
GSC_WEEKDAY_FACTORS: tuple[float, ...] = (1.06, 1.08, 1.07, 1.04, 0.97, 0.76, 0.72)


@dataclass(frozen=True)
class TrackingBroken:
    """GA4 records almost nothing (tag removed, consent bug) on these days, or only in these hours; GSC is untouched."""

    start: date
    end: date
    hours: tuple[int, ...] | None = None  # None: the whole day
    remaining: float = 0.02


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


Incident = TrackingBroken | OrganicDrop | BotSpike

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


@dataclass
class Ga4Cube:
    """GA4 atoms: each array has shape (days, source/mediums, devices, countries, pages)."""

    days: list[date]
    atoms: dict[str, IntArray]
    hour_weights: FloatArray  # (days, 24): each day's hourly split, incidents and "now" included


@dataclass
class GscCube:
    """Search Console atoms: each array has shape (days, queries, countries, devices)."""

    days: list[date]
    atoms: dict[str, IntArray]


@dataclass
class IndexStatus:
    verdict: str = "PASS"
    coverage_state: str = "Submitted and indexed"
    indexing_state: str = "INDEXING_ALLOWED"
    robots_txt_state: str = "ALLOWED"
    page_fetch_state: str = "SUCCESSFUL"


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
    site_url: str = "https://www.acme-analytics.example/"
    daily_sessions: float = 4200.0
    yearly_growth: float = 0.35
    incidents: list[Incident] = field(default_factory=list)
    page_titles: dict[str, str] = field(default_factory=dict)
    query_texts: dict[str, str] = field(default_factory=dict)
    index_statuses: dict[str, IndexStatus] = field(default_factory=dict)
    _ga4: Ga4Cube | None = field(default=None, init=False, repr=False)
    _gsc: GscCube | None = field(default=None, init=False, repr=False)

    # ----- what tests change -----
    def inject(self, incident: Incident) -> None:
        """Add an incident; the numbers are rebuilt on next use with the same noise."""
        self.incidents.append(incident)
        self._ga4 = None
        self._gsc = None

    def set_page_title(self, path: str, title: str) -> None:
        """Replace a page's title (e.g. with prompt-injection text) everywhere GA4 reports `pageTitle`."""
        if path not in self.pages:
            raise KeyError(f"unknown page {path!r}; known: {', '.join(self.pages)}")
        self.page_titles[path] = title

    def set_query_text(self, original: str, text: str) -> None:
        """Replace a Search Console query's text (e.g. with prompt-injection text)."""
        if original not in {query for query, _, _, _ in QUERIES}:
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
        return [path for path, _, _, _, _ in PAGES]

    def page_title(self, path: str) -> str:
        return self.page_titles.get(path, next(title for p, title, _, _, _ in PAGES if p == path))

    @property
    def queries(self) -> list[str]:
        return [self.query_texts.get(query, query) for query, _, _, _ in QUERIES]

    @property
    def query_pages(self) -> list[str]:
        return [self.page_url(path) for _, path, _, _ in QUERIES]

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
        weights = np.tile(np.array(HOUR_PROFILE, dtype=np.float64), (len(days), 1))
        for incident in self.incidents:
            if isinstance(incident, TrackingBroken):
                for index, day in enumerate(days):
                    if incident.start <= day <= incident.end:
                        hours = incident.hours if incident.hours is not None else range(24)
                        for hour in hours:
                            weights[index, hour] *= incident.remaining
        if days and days[-1] == self.today:
            weights[-1, self.now.hour + 1 :] = 0.0
            weights[-1, self.now.hour] *= self.now.minute / 60.0
        return weights

    def _build_ga4(self) -> Ga4Cube:
        rng = np.random.default_rng(self.seed)
        days = self._day_list()
        n_days, n_sm, n_dev, n_cty, n_page = len(days), len(SOURCE_MEDIUMS), len(DEVICES), len(COUNTRIES), len(PAGES)
        shape = (n_days, n_sm, n_dev, n_cty, n_page)

        level = self._base_level(days, WEEKDAY_FACTORS) * self.daily_sessions
        sm_weights = np.array(SOURCE_MEDIUM_WEIGHTS)
        organic = np.array([sm.channel == "Organic Search" for sm in SOURCE_MEDIUMS])
        page_other = np.array([page[2] for page in PAGES])
        page_organic = np.array([page[3] for page in PAGES])
        page_weights = np.where(
            organic[:, None], page_organic / page_organic.sum(), page_other / page_other.sum()
        )  # (sm, page)
        expected = (
            level[:, None, None, None, None]
            * sm_weights[None, :, None, None, None]
            * np.array(DEVICE_WEIGHTS)[None, None, :, None, None]
            * np.array(COUNTRY_WEIGHTS)[None, None, None, :, None]
            * page_weights[None, :, None, None, :]
        )
        # Noise is drawn before any incident so injecting one changes only the cells it targets.
        cell_noise = rng.lognormal(mean=0.0, sigma=0.18, size=shape)
        day_noise = rng.lognormal(mean=0.0, sigma=0.05, size=(n_days, 1, 1, 1, 1))
        uniforms = {name: rng.random(size=shape) for name in GA4_METRIC_ATOMS}
        order_value = rng.lognormal(mean=np.log(85.0), sigma=0.25, size=shape)

        hour_weights = self._hour_weights(days)
        day_fraction = hour_weights.sum(axis=1) / sum(HOUR_PROFILE)
        intensity = expected * cell_noise * day_noise * day_fraction[:, None, None, None, None]

        page_prefix_masks: list[tuple[OrganicDrop, FloatArray]] = []
        for incident in self.incidents:
            if isinstance(incident, OrganicDrop):
                factor = np.ones(shape)
                pages = np.array([path.startswith(incident.page_prefix) for path in self.pages])
                in_window = np.array(
                    [incident.start <= day and (incident.end is None or day <= incident.end) for day in days]
                )
                select = in_window[:, None, None, None, None] & organic[None, :, None, None, None]
                select = select & pages[None, None, None, None, :]
                factor[np.broadcast_to(select, shape)] = incident.remaining
                page_prefix_masks.append((incident, factor))
        for _, factor in page_prefix_masks:
            intensity = intensity * factor

        def rounded(values: npt.NDArray[np.floating[Any]], name: str) -> IntArray:
            return np.floor(values + uniforms[name]).astype(np.int64)

        engaged_share = np.clip(0.58 + 0.08 * organic[None, :, None, None, None] * np.ones(shape), 0.0, 1.0)
        engaged_share = engaged_share * np.where(np.array(DEVICES) == "mobile", 0.92, 1.0)[None, None, :, None, None]
        key_rate = np.array([page[4] for page in PAGES])[None, None, None, None, :] * np.ones(shape)
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
            "ecommercePurchases": rounded(sessions * key_rate * 0.22, "ecommercePurchases"),
        }
        atoms["purchaseRevenue"] = np.floor(atoms["ecommercePurchases"] * order_value).astype(np.int64)
        atoms["eventCount"] = atoms["screenPageViews"] * 2 + sessions * 3 + atoms["keyEvents"]

        for incident in self.incidents:
            if isinstance(incident, BotSpike):
                self._add_bots(atoms, incident, days, hour_weights)
        return Ga4Cube(days=days, atoms=atoms, hour_weights=hour_weights)

    def _add_bots(self, atoms: dict[str, IntArray], spike: BotSpike, days: Sequence[date], hours: FloatArray) -> None:
        country = next((i for i, (name, _, _) in enumerate(COUNTRIES) if name == spike.country), None)
        if country is None:
            raise KeyError(f"unknown country {spike.country!r}")
        direct = next(i for i, sm in enumerate(SOURCE_MEDIUMS) if sm.channel == "Direct")
        home = self.pages.index("/")
        for index, day in enumerate(days):
            if spike.start <= day <= spike.end:
                bots = round(spike.sessions_per_day * hours[index].sum() / sum(HOUR_PROFILE))
                cell = (index, direct, 0, country, home)
                atoms["sessions"][cell] += bots
                atoms["totalUsers"][cell] += bots
                atoms["newUsers"][cell] += bots
                atoms["screenPageViews"][cell] += bots
                atoms["eventCount"][cell] += bots * 3

    def _build_gsc(self) -> GscCube:
        rng = np.random.default_rng(self.seed + 1000)
        days = [day for day in self._day_list() if day <= self.gsc_last_day]
        n_days, n_q, n_cty, n_dev = len(days), len(QUERIES), len(COUNTRIES), len(GSC_DEVICES)
        shape = (n_days, n_q, n_cty, n_dev)
        level = self._base_level(days, GSC_WEEKDAY_FACTORS)
        volume = np.array([query[2] for query in QUERIES])
        expected = (
            level[:, None, None, None]
            * volume[None, :, None, None]
            * np.array(GSC_COUNTRY_WEIGHTS)[None, None, :, None]
            * np.array(GSC_DEVICE_WEIGHTS)[None, None, None, :]
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
        impressions_expected = expected * noise * completeness[:, None, None, None]
        position = np.maximum(1.0, np.array([query[3] for query in QUERIES])[None, :, None, None] + position_noise)
        # Expected clicks come from the pre-incident ranking, then scale with the incident, so GSC clicks on the
        # affected pages fall by the same factor as GA4's organic sessions there.
        clicks_expected = impressions_expected * (0.42 / position**1.15)  # a typical organic CTR-by-position curve
        for incident in self.incidents:
            if isinstance(incident, OrganicDrop):
                pages = np.array([path.startswith(incident.page_prefix) for _, path, _, _ in QUERIES])
                in_window = np.array(
                    [incident.start <= day and (incident.end is None or day <= incident.end) for day in days]
                )
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
        rng = np.random.default_rng(self.seed + int(self.now.timestamp()) // 60)
        cube = self.ga4()
        hour_share = cube.hour_weights[-1, self.now.hour] / max(sum(HOUR_PROFILE), 1e-9)
        weekday = WEEKDAY_FACTORS[self.today.weekday()]
        per_minute = self.daily_sessions * weekday * hour_share / 60.0 * 1.4
        if cube.hour_weights[-1, self.now.hour] == 0:
            per_minute = 0.0
        rows: list[tuple[int, int, int, int, int]] = []
        country_p = np.array(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS)
        device_p = np.array(DEVICE_WEIGHTS) / sum(DEVICE_WEIGHTS)
        page_p = np.array([page[2] + page[3] for page in PAGES])
        page_p = page_p / page_p.sum()
        for minutes_ago in range(30):
            users = int(rng.poisson(per_minute))
            for _ in range(users):
                rows.append(
                    (
                        minutes_ago,
                        int(rng.choice(len(COUNTRIES), p=country_p)),
                        int(rng.choice(len(DEVICES), p=device_p)),
                        int(rng.choice(len(PAGES), p=page_p)),
                        1,
                    )
                )
        return rows
