"""The Demo Store: the built-in sample property behind `lookout demo` and `/lookout connect demo`.

Sixteen months of an online shop's GA4 and Search Console data ending now: weekly rhythm, a year of growth, a
two-week paid social and email campaign seven weeks ago, the Black Friday to Christmas peak of every year in range,
and one planted incident: sixteen hours ago a theme update shipped without the GA4 tag, so GA4 records almost nothing
since, while Search Console still sees the clicks (visitors still arrive).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tools.sample.annotations import SampleGa4Admin
from tools.sample.catalog import DEMO_STORE
from tools.sample.clients import SampleGa4, SampleGsc
from tools.sample.dataset import Annotation, Incident, PropertyDataset, TrackingBroken, Uplift

PROPERTY_ID = "demo"  # not a number on purpose: it can never be mistaken for (or collide with) a real property
PROPERTY_NAME = DEMO_STORE.name
SITE_URL = DEMO_STORE.site_url
TIMEZONE = "America/New_York"
CURRENCY = "USD"
HISTORY_DAYS = 487  # sixteen months
SEED = 2015
BROKEN_FOR = timedelta(hours=16)  # recent enough for the hourly alert check, long enough to be unmistakable
CAMPAIGN_CHANNELS = ("Paid Social", "Email")


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return thursday + timedelta(weeks=3, days=1)


def holiday_season(year: int) -> list[Uplift]:
    """A shop's year end: early deals, Black Friday to Cyber Monday, gift buying until the last shipping day, a quiet
    Christmas."""
    friday = black_friday(year)
    cyber_monday = friday + timedelta(days=3)
    return [
        Uplift(start=friday - timedelta(days=7), end=friday - timedelta(days=1), traffic=1.15, conversion=1.3),
        Uplift(start=friday, end=cyber_monday, traffic=1.7, conversion=2.2),
        Uplift(start=cyber_monday + timedelta(days=1), end=date(year, 12, 18), traffic=1.3, conversion=1.5),
        Uplift(start=date(year, 12, 24), end=date(year, 12, 26), traffic=0.8, conversion=0.5),
    ]


def events(now: datetime) -> list[Incident]:
    """What happened to the Demo Store, relative to `now` (the property's local time, naive)."""
    today = now.date()
    first = today - timedelta(days=HISTORY_DAYS - 1)
    happened: list[Incident] = []
    for year in range(first.year, today.year + 1):
        happened.extend(holiday_season(year))
    happened.append(
        Uplift(
            start=today - timedelta(days=52),
            end=today - timedelta(days=39),
            traffic=1.9,
            conversion=1.2,
            channels=CAMPAIGN_CHANNELS,
        )
    )
    happened.extend(planted_incident(now))
    return happened


def planted_incident(now: datetime) -> list[TrackingBroken]:
    """The GA4 tag stopped firing `BROKEN_FOR` before `now`, and is still broken."""
    broke = (now - BROKEN_FOR).replace(minute=0, second=0, microsecond=0)
    first_day = broke.date()
    broken = [TrackingBroken(start=first_day, end=first_day, hours=tuple(range(broke.hour, 24)))]
    if first_day < now.date():
        broken.append(TrackingBroken(start=first_day + timedelta(days=1), end=now.date()))
    return broken


def team_annotations(now: datetime) -> list[Annotation]:
    """What the store's team annotated in GA4: each Black Friday weekend, the campaign, and the theme update that
    shipped without the GA4 tag (on the day the tag broke)."""
    today = now.date()
    first = today - timedelta(days=HISTORY_DAYS - 1)
    noted = [
        Annotation(start=friday, end=friday + timedelta(days=3), title="Black Friday sale", color="ORANGE")
        for friday in (black_friday(year) for year in range(first.year, today.year + 1))
        if first <= friday <= today
    ]
    noted.append(
        Annotation(
            start=today - timedelta(days=52),
            end=today - timedelta(days=39),
            title="Paid social + email campaign",
            description="Two weeks of paid social ads and three newsletters.",
            color="GREEN",
        )
    )
    broke = (now - BROKEN_FOR).date()
    noted.append(
        Annotation(
            start=broke,
            end=broke,
            title="Theme update v4.2 released",
            description="New product pages and header; shipped by the agency.",
            color="PURPLE",
        )
    )
    return sorted(noted, key=lambda a: a.start)


def demo_store(*, now: datetime) -> PropertyDataset:
    """The Demo Store as of `now` (any timezone; naive means the store's own)."""
    local = now.astimezone(ZoneInfo(TIMEZONE)).replace(tzinfo=None) if now.tzinfo is not None else now
    return PropertyDataset(
        seed=SEED,
        now=local,
        days=HISTORY_DAYS,
        timezone=TIMEZONE,
        currency=CURRENCY,
        catalog=DEMO_STORE,
        incidents=events(local),
        annotations=team_annotations(local),
    )


_built_lock = threading.Lock()
_built: PropertyDataset | None = None  # the latest hour's Demo Store, shared by every `DemoStore` of this process


def shared_demo_store(*, hour: datetime) -> PropertyDataset:
    """The Demo Store as of `hour` (the store's local time, naive, on the hour), built at most once per hour per
    process: every workspace on the sample data reads the same one, so a serving process holds one copy whatever
    the number of sample workspaces. Building takes seconds; callers are worker threads, never the event loop."""
    global _built
    with _built_lock:
        if _built is None or _built.now != hour:
            _built = None  # let the old hour's arrays go before the new ones are allocated
            built = demo_store(now=hour)
            built.ga4()  # the cubes are built once here, then only read by concurrent reports
            built.gsc()
            _built = built
        return _built


class DemoStore:
    """The Demo Store for the clock's current hour, built on first use and again when the hour changes.

    The current hour is left out (as GA4 is still processing it), so the numbers stay put within an hour and
    every reader in that hour (digest, alert check, answers) sees the same ones. Thread-safe: the clients read it
    from worker threads.
    """

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def dataset(self) -> PropertyDataset:
        hour = self._clock().astimezone(ZoneInfo(TIMEZONE)).replace(minute=0, second=0, microsecond=0, tzinfo=None)
        return shared_demo_store(hour=hour)

    def ga4(self) -> SampleGa4:
        return SampleGa4(dataset=self.dataset, property_id=PROPERTY_ID)

    def gsc(self) -> SampleGsc:
        return SampleGsc(dataset=self.dataset, site_url=SITE_URL)

    def admin(self) -> SampleGa4Admin:
        return SampleGa4Admin(dataset=self.dataset, property_id=PROPERTY_ID)
