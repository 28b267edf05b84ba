"""What a sample property is made of: its channels, devices, countries, pages, search queries and rhythms.

`PropertyDataset` builds numbers from a `Catalog`. `ACME` is the B2B software site the test fakes serve;
`DEMO_STORE` is the online shop `lookout demo` and `/lookout connect demo` show. Weights are shares of traffic and
need not sum to one; pages are (path, title, weight for non-organic traffic, weight for organic traffic, key-event
rate per session); queries are (query, landing page path, daily impressions on a typical day, base position).
"""

from __future__ import annotations

from dataclasses import dataclass

Page = tuple[str, str, float, float, float]
Query = tuple[str, str, float, float]
Country = tuple[str, str, str]  # GA4 country name, ISO alpha-2 (GA4 countryId), alpha-3 lowercase (Search Console)


@dataclass(frozen=True)
class SourceMedium:
    source: str
    medium: str
    channel: str

    @property
    def label(self) -> str:
        return f"{self.source} / {self.medium}"


@dataclass(frozen=True, kw_only=True)
class Catalog:
    """Everything about a sample property that is not a number drawn from noise."""

    name: str  # the GA4 property's display name
    site_url: str
    daily_sessions: float  # a typical weekday's sessions at the end of the history
    source_mediums: tuple[SourceMedium, ...]
    source_medium_weights: tuple[float, ...]
    devices: tuple[str, ...]
    device_weights: tuple[float, ...]
    countries: tuple[Country, ...]
    country_weights: tuple[float, ...]
    pages: tuple[Page, ...]
    queries: tuple[Query, ...]
    gsc_devices: tuple[str, ...]
    gsc_device_weights: tuple[float, ...]
    gsc_country_weights: tuple[float, ...]
    hour_profile: tuple[float, ...]  # share of a day's sessions per local hour
    weekday_factors: tuple[float, ...]  # Monday … Sunday
    gsc_weekday_factors: tuple[float, ...]
    content_groups: tuple[tuple[str, str], ...]  # (path prefix, group), first match wins
    default_content_group: str
    items: tuple[tuple[str, float], ...]  # (item name, share of purchases and revenue)
    order_value: float  # median order value in the property's currency
    purchase_share: float  # purchases per session with a key event
    # Referrals from AI assistants, kept apart so adding them left every other number's noise as it was.
    ai_assistants: tuple[SourceMedium, ...] = ()
    ai_assistant_weights: tuple[float, ...] = ()

    @property
    def all_source_mediums(self) -> tuple[SourceMedium, ...]:
        """The GA4 cube's source/medium axis: the usual ones, then the AI assistants."""
        return self.source_mediums + self.ai_assistants

    @property
    def all_source_medium_weights(self) -> tuple[float, ...]:
        return self.source_medium_weights + self.ai_assistant_weights

    def content_group(self, path: str) -> str:
        return next(
            (group for prefix, group in self.content_groups if path.startswith(prefix)), self.default_content_group
        )


_ACME_SOURCE_MEDIUMS: tuple[SourceMedium, ...] = (
    SourceMedium("google", "organic", "Organic Search"),
    SourceMedium("bing", "organic", "Organic Search"),
    SourceMedium("(direct)", "(none)", "Direct"),
    SourceMedium("google", "cpc", "Paid Search"),
    SourceMedium("news.ycombinator.com", "referral", "Referral"),
    SourceMedium("linkedin.com", "referral", "Organic Social"),
    SourceMedium("newsletter", "email", "Email"),
    SourceMedium("partner-site.com", "referral", "Referral"),
)
_ACME_SOURCE_MEDIUM_WEIGHTS = (0.38, 0.04, 0.22, 0.12, 0.05, 0.07, 0.08, 0.04)

# Since May 2026 GA4's default channel group sorts chat assistants' referrals into "AI Assistant" (medium
# ai-assistant, campaign "(ai-assistant)"); Perplexity is not on Google's list and still lands in Referral.
_AI_ASSISTANTS: tuple[SourceMedium, ...] = (
    SourceMedium("chatgpt.com", "ai-assistant", "AI Assistant"),
    SourceMedium("gemini.google.com", "ai-assistant", "AI Assistant"),
    SourceMedium("copilot.microsoft.com", "ai-assistant", "AI Assistant"),
    SourceMedium("perplexity.ai", "referral", "Referral"),
)

_ACME_DEVICES: tuple[str, ...] = ("desktop", "mobile", "tablet")
_ACME_DEVICE_WEIGHTS = (0.55, 0.41, 0.04)

# (GA4 country name, ISO 3166-1 alpha-2 as GA4 countryId, alpha-3 lowercase as Search Console reports it)
_ACME_COUNTRIES: tuple[tuple[str, str, str], ...] = (
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
_ACME_COUNTRY_WEIGHTS = (0.42, 0.11, 0.09, 0.09, 0.06, 0.05, 0.05, 0.05, 0.05, 0.03)

# (path, title, weight for non-organic traffic, weight for organic traffic, key-event rate)
_ACME_PAGES: tuple[tuple[str, str, float, float, float], ...] = (
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
_ACME_QUERIES: tuple[tuple[str, str, float, float], ...] = (
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

_ACME_GSC_DEVICES: tuple[str, ...] = ("DESKTOP", "MOBILE", "TABLET")
_ACME_GSC_DEVICE_WEIGHTS = (0.48, 0.49, 0.03)
# Search Console traffic leans towards the English-speaking markets more than site traffic overall does.
_ACME_GSC_COUNTRY_WEIGHTS = (0.45, 0.12, 0.07, 0.10, 0.06, 0.04, 0.05, 0.04, 0.04, 0.03)

# Share of a day's sessions per hour in the property's time zone: a working-hours hump.
_ACME_HOUR_PROFILE: tuple[float, ...] = (
    0.012, 0.008, 0.006, 0.005, 0.006, 0.010, 0.020, 0.034, 0.050, 0.062, 0.066, 0.066,
    0.064, 0.064, 0.064, 0.062, 0.058, 0.054, 0.050, 0.048, 0.046, 0.040, 0.030, 0.020,
)  # fmt: skip
# Monday … Sunday: a B2B site, quieter at weekends.
_ACME_WEEKDAY_FACTORS: tuple[float, ...] = (1.08, 1.12, 1.10, 1.06, 0.96, 0.62, 0.58)
_ACME_GSC_WEEKDAY_FACTORS: tuple[float, ...] = (1.06, 1.08, 1.07, 1.04, 0.97, 0.76, 0.72)


ACME = Catalog(
    name="Acme Analytics",
    site_url="https://www.acme-analytics.example/",
    daily_sessions=4200.0,
    source_mediums=_ACME_SOURCE_MEDIUMS,
    ai_assistants=_AI_ASSISTANTS,
    ai_assistant_weights=(0.012, 0.004, 0.002, 0.005),
    source_medium_weights=_ACME_SOURCE_MEDIUM_WEIGHTS,
    devices=_ACME_DEVICES,
    device_weights=_ACME_DEVICE_WEIGHTS,
    countries=_ACME_COUNTRIES,
    country_weights=_ACME_COUNTRY_WEIGHTS,
    pages=_ACME_PAGES,
    queries=_ACME_QUERIES,
    gsc_devices=_ACME_GSC_DEVICES,
    gsc_device_weights=_ACME_GSC_DEVICE_WEIGHTS,
    gsc_country_weights=_ACME_GSC_COUNTRY_WEIGHTS,
    hour_profile=_ACME_HOUR_PROFILE,
    weekday_factors=_ACME_WEEKDAY_FACTORS,
    gsc_weekday_factors=_ACME_GSC_WEEKDAY_FACTORS,
    content_groups=(("/blog/", "blog"), ("/docs/", "docs")),
    default_content_group="marketing",
    items=(
        ("Pro plan (annual)", 0.46),
        ("Pro plan (monthly)", 0.27),
        ("Team plan (annual)", 0.18),
        ("Analytics audit", 0.09),
    ),
    order_value=85.0,
    purchase_share=0.22,
)


# ----- Demo Store: an online outdoor-gear shop, the property `lookout demo` shows -----
# Magnitudes follow real small-shop exports (a few thousand sessions a day, about 1 % of sessions buying, orders
# around $70); the weekly rhythm is a shop's, busier Monday to Wednesday and quieter on Friday and Saturday.

# Shoppers browse at lunch and in the evening.
_SHOPPER_HOURS: tuple[float, ...] = (
    0.020, 0.012, 0.008, 0.006, 0.006, 0.010, 0.018, 0.030, 0.040, 0.046, 0.050, 0.053,
    0.055, 0.054, 0.052, 0.051, 0.052, 0.056, 0.060, 0.066, 0.070, 0.068, 0.055, 0.036,
)  # fmt: skip

DEMO_STORE = Catalog(
    name="Demo Store",
    site_url="https://www.demo-store.example/",
    daily_sessions=4000.0,
    source_mediums=(
        SourceMedium("google", "organic", "Organic Search"),
        SourceMedium("bing", "organic", "Organic Search"),
        SourceMedium("(direct)", "(none)", "Direct"),
        SourceMedium("google", "cpc", "Paid Search"),
        SourceMedium("facebook", "paid_social", "Paid Social"),
        SourceMedium("instagram.com", "referral", "Organic Social"),
        SourceMedium("newsletter", "email", "Email"),
        SourceMedium("trailreviews.example", "referral", "Referral"),
    ),
    source_medium_weights=(0.33, 0.03, 0.20, 0.14, 0.09, 0.06, 0.10, 0.05),
    ai_assistants=_AI_ASSISTANTS,
    ai_assistant_weights=(0.010, 0.004, 0.002, 0.004),
    devices=("desktop", "mobile", "tablet"),
    device_weights=(0.38, 0.58, 0.04),
    countries=(
        ("United States", "US", "usa"),
        ("Canada", "CA", "can"),
        ("United Kingdom", "GB", "gbr"),
        ("Germany", "DE", "deu"),
        ("Australia", "AU", "aus"),
        ("France", "FR", "fra"),
        ("Netherlands", "NL", "nld"),
        ("Ireland", "IE", "irl"),
    ),
    country_weights=(0.55, 0.12, 0.10, 0.07, 0.06, 0.04, 0.03, 0.03),
    # Product pages are where a shop's visitors land most (ads, shopping results and searches for a product).
    pages=(
        ("/", "Demo Store — Outdoor gear for every trail", 0.18, 0.06, 0.022),
        ("/collections/new-arrivals", "New arrivals — Demo Store", 0.05, 0.01, 0.030),
        ("/collections/sale", "Sale — Demo Store", 0.07, 0.02, 0.040),
        ("/collections/jackets", "Jackets — Demo Store", 0.03, 0.05, 0.028),
        ("/collections/hiking-boots", "Hiking boots — Demo Store", 0.03, 0.06, 0.030),
        ("/products/trailrunner-gtx-boot", "TrailRunner GTX boot — Demo Store", 0.13, 0.10, 0.048),
        ("/products/alpine-down-jacket", "Alpine down jacket — Demo Store", 0.12, 0.09, 0.045),
        ("/products/summit-22l-daypack", "Summit 22L daypack — Demo Store", 0.11, 0.08, 0.050),
        ("/products/merino-base-layer", "Merino base layer — Demo Store", 0.10, 0.07, 0.052),
        ("/products/storm-rain-shell", "Storm rain shell — Demo Store", 0.08, 0.05, 0.044),
        ("/products/carbon-trekking-poles", "Carbon trekking poles — Demo Store", 0.07, 0.04, 0.046),
        ("/blog/how-to-choose-hiking-boots", "How to choose hiking boots", 0.02, 0.12, 0.008),
        ("/blog/layering-guide", "The layering guide: base, mid and shell", 0.02, 0.10, 0.007),
        ("/blog/best-day-hikes", "The best day hikes, by season", 0.02, 0.11, 0.005),
        ("/gift-cards", "Gift cards — Demo Store", 0.02, 0.01, 0.060),
        ("/pages/shipping-returns", "Shipping and returns — Demo Store", 0.01, 0.02, 0.004),
    ),
    queries=(
        ("demo store", "/", 900.0, 1.1),
        ("demo store discount code", "/collections/sale", 260.0, 2.0),
        ("demo store returns", "/pages/shipping-returns", 120.0, 1.3),
        ("hiking boots", "/collections/hiking-boots", 4800.0, 11.0),
        ("waterproof hiking boots", "/products/trailrunner-gtx-boot", 1900.0, 7.5),
        ("trailrunner gtx", "/products/trailrunner-gtx-boot", 350.0, 1.6),
        ("down jacket", "/collections/jackets", 5200.0, 14.0),
        ("alpine down jacket", "/products/alpine-down-jacket", 420.0, 2.2),
        ("best down jacket for hiking", "/products/alpine-down-jacket", 900.0, 8.0),
        ("22l daypack", "/products/summit-22l-daypack", 600.0, 4.5),
        ("merino base layer", "/products/merino-base-layer", 1400.0, 6.8),
        ("rain shell jacket", "/products/storm-rain-shell", 1100.0, 9.5),
        ("carbon trekking poles", "/products/carbon-trekking-poles", 700.0, 5.8),
        ("how to choose hiking boots", "/blog/how-to-choose-hiking-boots", 2600.0, 3.2),
        ("hiking boot fit", "/blog/how-to-choose-hiking-boots", 800.0, 4.0),
        ("layering for hiking", "/blog/layering-guide", 1700.0, 3.9),
        ("base layer vs mid layer", "/blog/layering-guide", 900.0, 2.7),
        ("best day hikes", "/blog/best-day-hikes", 3200.0, 6.5),
        ("day hikes near me", "/blog/best-day-hikes", 2100.0, 9.0),
        ("outdoor gear sale", "/collections/sale", 1500.0, 12.0),
        ("new outdoor gear", "/collections/new-arrivals", 600.0, 10.0),
        ("outdoor gift card", "/gift-cards", 500.0, 5.0),
    ),
    gsc_devices=("DESKTOP", "MOBILE", "TABLET"),
    gsc_device_weights=(0.36, 0.60, 0.04),
    gsc_country_weights=(0.58, 0.12, 0.11, 0.06, 0.06, 0.03, 0.02, 0.02),
    hour_profile=_SHOPPER_HOURS,
    weekday_factors=(1.10, 1.14, 1.08, 1.03, 0.90, 0.80, 0.92),
    gsc_weekday_factors=(1.06, 1.08, 1.05, 1.02, 0.93, 0.88, 0.96),
    content_groups=(("/products/", "products"), ("/collections/", "collections"), ("/blog/", "blog")),
    default_content_group="other",
    items=(
        ("TrailRunner GTX boot", 0.24),
        ("Alpine down jacket", 0.22),
        ("Summit 22L daypack", 0.14),
        ("Merino base layer", 0.12),
        ("Storm rain shell", 0.11),
        ("Carbon trekking poles", 0.09),
        ("Gift card", 0.08),
    ),
    order_value=72.0,
    purchase_share=0.6,
)
